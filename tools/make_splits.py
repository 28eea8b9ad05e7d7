"""Write splits/<Dataset>.json for every shared dataset (fixed seed; run once, commit the files).

    python tools/make_splits.py ../shared/datasets

Official train/test splits are kept and 10 % of train (seed 0, whole patients for ACDC) becomes val;
datasets without one get a seed-0 80/10/10 split (SPEC.md section 2).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from litemedseg.data.io import is_image_file  # noqa: E402
from litemedseg.data.splits import add_val_split, make_split, read_split_file  # noqa: E402


def main(shared: Path) -> None:
    out = Path(__file__).resolve().parents[1] / "splits"
    out.mkdir(exist_ok=True)
    for folder in sorted(p for p in shared.iterdir() if (p / "images").is_dir()):
        stems = sorted(p.stem for p in (folder / "images").iterdir() if is_image_file(p))
        official = folder / "split.json"
        if official.is_file():
            split = add_val_split(read_split_file(official))
            source = f"{folder.name}/split.json (official or staged train/test); val = 10 % of train, seed 0"
        else:
            split = make_split(stems)
            source = "no official split: seed-0 80/10/10"
        if folder.name == "ACDC_2D":
            source += "; val taken by whole patients"
        record = {"dataset": folder.name, "seed": 0, "source": source, **split}
        (out / f"{folder.name}.json").write_text(json.dumps(record, indent=1) + "\n")
        print(folder.name, {k: len(v) for k, v in split.items()})


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/datasets"))
