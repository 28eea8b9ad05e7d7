"""Add a split record (stems of train/val/test and a hash of every image) to weights trained before runs kept one,
then re-score them so their evaluation files describe the rewritten file.

    python tools/record_split.py --weights src/litemedseg/weights/mininet_drive --data ../shared/datasets/DRIVE \
        [--zero-shot ../shared/datasets/CHASE_DB1]

The split is rebuilt the way training built it (the committed split file or the dataset's own, val carved from
train with seed 0) and must have exactly the split sizes the checkpoint recorded, else nothing is written. The
tensors are copied as stored (int8 stays int8); the re-scored headline must equal the old one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from litemedseg.checkpoint import WEIGHTS_FILE, read_checkpoint, save_state  # noqa: E402
from litemedseg.data.folder import open_dataset  # noqa: E402
from litemedseg.data.split_record import SplitRecord  # noqa: E402
from litemedseg.engine import evaluate  # noqa: E402
from litemedseg.utils.atomic import write_text_atomic  # noqa: E402
from litemedseg.utils.jsonio import read_json  # noqa: E402

NOTE = "- **Split record**: "


def stored_tensors(weights: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(str(weights / WEIGHTS_FILE))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", type=Path, required=True, help="a shipped weights folder")
    parser.add_argument("--data", type=Path, required=True, help="the dataset the weights were trained on")
    parser.add_argument("--zero-shot", type=Path, help="the second dataset its card scores zero-shot")
    args = parser.parse_args()

    _, meta = read_checkpoint(args.weights)
    recorded = meta["dataset"]
    split_file = (meta.get("train_config") or {}).get("split_file")
    if split_file and not Path(split_file).is_absolute():
        split_file = ROOT / split_file
    dataset = open_dataset(args.data, num_classes=meta["model"]["num_classes"], split_file=split_file)
    sizes = {k: len(v) for k, v in dataset.splits.items()}
    expected = {k: v for k, v in recorded["split_sizes"].items()}
    if any(sizes.get(k, 0) != n for k, n in expected.items()):
        sys.exit(f"{args.weights}: rebuilt split sizes {sizes} differ from the recorded {expected}; not written")
    record = SplitRecord.of_samples(dataset.splits, {s: v.image for s, v in dataset.samples.items()},
                                    recorded["split_source"])
    old_summary = read_json(args.weights / "evaluation" / "summary.json")
    meta = {k: v for k, v in meta.items() if k not in ("format", "weights_sha256")}
    meta["dataset"] = {**recorded, "split": record.to_dict(), "split_sizes": record.sizes,
                       "split_record_added": "rebuilt after training by tools/record_split.py (sizes verified)"}
    save_state(args.weights, stored_tensors(args.weights), meta)

    name = meta["pretrained_name"]
    summary = evaluate(args.weights, args.data, "test", args.weights / "evaluation", progress=False).summary
    if abs(summary["headline"]["value"] - old_summary["headline"]["value"]) > 1e-6:
        sys.exit(f"{name}: re-scored {summary['headline']['value']} differs from {old_summary['headline']['value']}")
    if args.zero_shot:
        zero = evaluate(args.weights, args.zero_shot, None, args.weights / "evaluation_zero_shot", zero_shot=True,
                        progress=False).summary
        print(f"zero-shot {zero['headline']['value']:.4f}; {zero['overlap']}")
    card = args.weights / "MODEL_CARD.md"
    lines = [line for line in card.read_text().splitlines() if not line.startswith(NOTE)]
    lines.append(f"{NOTE}split {record.digest} ({record.sizes}); the stems and a SHA-256 of every image are in the "
                 "metadata, rebuilt after training with `tools/record_split.py` (the rebuilt split sizes equal the "
                 f"recorded ones); re-scored at commit {summary['commit']}: unchanged.")
    write_text_atomic(card, "\n".join(lines) + "\n")
    print(f"{name}: split {record.digest} {record.sizes}; test {summary['headline']['value']:.4f} (unchanged)")


if __name__ == "__main__":
    main()
