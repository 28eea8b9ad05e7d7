"""Ship a trained checkpoint with the package as ``<model>:<tag>`` and write its model card from a fresh
evaluation of exactly the shipped file.

    python tools/package_weights.py --run benchmarks/results/cpu/DRIVE/mininet/run/best --tag drive \
        --data ../shared/datasets/DRIVE [--fp16] [--zero-shot ../shared/datasets/CHASE_DB1]

    python tools/package_weights.py --rescore med2dsegnet:kvasir --data ../shared/datasets/Kvasir-SEG
    python tools/package_weights.py --table-only

Writes src/litemedseg/weights/<model>_<tag>/{model.safetensors, meta.json, MODEL_CARD.md, scores.json, evaluation/}
and rebuilds benchmarks/results/shipped_weights.md (a row per shipped model, from their scores.json).
--int8 stores every weight of 2+ dimensions as int8 with a per-output-channel scale (a quarter of the size;
loading dequantizes to fp32), --fp16 stores all floating-point tensors in half precision; the card's scores are
those of the stored weights.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from litemedseg.checkpoint import load_checkpoint, quantize_int8, save_state  # noqa: E402
from litemedseg.engine import evaluate  # noqa: E402
from litemedseg.utils.atomic import write_json_atomic, write_text_atomic  # noqa: E402

WEIGHTS = ROOT / "src" / "litemedseg" / "weights"
SCORES = "scores.json"  # what the table of all shipped weights is built from
TABLE = ROOT / "benchmarks" / "results" / "shipped_weights.md"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, help="checkpoint folder (e.g. RUN/best)")
    parser.add_argument("--tag")
    parser.add_argument("--data", type=Path, help="the dataset folder to score the shipped weights on")
    parser.add_argument("--table-only", action="store_true", help=f"only rebuild {TABLE.relative_to(ROOT)}")
    parser.add_argument("--rescore", metavar="MODEL:TAG",
                        help="score shipped weights again (test, flip TTA, --zero-shot) and write their scores.json; "
                             "for weights whose run folder is gone (the card gains its split stems if it lacks them)")
    parser.add_argument("--zero-shot", type=Path, help="a second dataset of the same kind, scored whole (zero-shot)")
    storage = parser.add_mutually_exclusive_group()
    storage.add_argument("--fp16", action="store_true")
    storage.add_argument("--int8", action="store_true")
    args = parser.parse_args()
    if args.table_only:
        write_text_atomic(TABLE, weights_table(WEIGHTS))
        return
    if args.rescore and args.data:
        rescore(args.rescore, args.data, args.zero_shot)
        return
    if not (args.run and args.tag and args.data):
        parser.error("--run, --tag and --data are required")
    model, record = load_checkpoint(args.run)
    meta, name = record.raw, record.model.name
    target = WEIGHTS / f"{name}_{args.tag}"
    if target.exists():
        shutil.rmtree(target)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    if args.fp16:
        state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
    elif args.int8:
        state = quantize_int8(state)
    meta = {k: v for k, v in meta.items() if k not in ("format", "weights_sha256")}
    meta["storage_dtype"] = "float16" if args.fp16 else "int8 per-channel weights" if args.int8 else "float32"
    meta["pretrained_name"] = f"{name}:{args.tag}"
    # runs trained before the split source was recorded repository-relative name this checkout's absolute path
    meta["dataset"]["split_source"] = meta["dataset"]["split_source"].replace(f"{ROOT}/", "")
    save_state(target, state, meta)
    summary = evaluate(target, args.data, "test", target / "evaluation", progress=False).summary
    extra = extra_scores(target, args.data, args.zero_shot, target / "evaluation_zero_shot")
    write_text_atomic(target / "MODEL_CARD.md", model_card(name, args.tag, meta, summary, args, extra))
    write_json_atomic(target / SCORES, scores_record(f"{name}:{args.tag}", meta, summary, extra, Path(args.run)))
    write_text_atomic(TABLE, weights_table(WEIGHTS))
    size = (target / "model.safetensors").stat().st_size
    print(f"wrote {target} ({size / 1e6:.2f} MB); test {summary['headline']['metric']} = {summary['headline']['value']:.4f}")


def extra_scores(weights: Path, data: Path, zero_shot: Path | None, zero_shot_out: Path | None) -> dict[str, dict]:
    """Flip-TTA test scores and, given a second dataset, zero-shot scores on all of it."""
    extra = {"flip TTA": evaluate(weights, data, "test", tta=True, progress=False).summary}
    if zero_shot:
        extra[f"zero-shot on {zero_shot.name} (all images)"] = evaluate(
            weights, zero_shot, None, zero_shot_out, zero_shot=True, progress=False).summary
    return extra


def rescore(weights: str, data: Path, zero_shot: Path | None) -> None:
    folder = WEIGHTS / weights.replace(":", "_")
    meta = json.loads((folder / "meta.json").read_text())
    summary = evaluate(folder, data, "test", progress=False).summary
    extra = extra_scores(folder, data, zero_shot, None)
    write_json_atomic(folder / SCORES, scores_record(weights, meta, summary, extra, None))
    card = (folder / "MODEL_CARD.md").read_text()
    if "\n## Split" not in card:  # cards written before the stems were listed
        lines = [f"- **Recipe**: {recipe(meta['train_config'])}.", *split_section(meta["dataset"])]
        write_text_atomic(folder / "MODEL_CARD.md", card + "\n".join(lines) + "\n")
    write_text_atomic(TABLE, weights_table(WEIGHTS))
    print(f"{weights}: test {summary['headline']['metric']} = {summary['headline']['value']:.4f}")


def run_record(run_best: Path) -> tuple[int, float, str]:
    """(epochs run, seconds of training, CPU or GPU) from the run folder of `run_best`."""
    with open(run_best.parent / "metrics.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    hardware = json.loads((run_best.parent / "config.json").read_text()).get("hardware", {})
    return len(rows), sum(float(r["epoch_time_s"]) for r in rows), str(hardware.get("gpu") or hardware.get("cpu"))


def training_facts(meta: dict, run_best: Path | None) -> dict[str, str]:
    """The budget, input and best validation score of the run, worded once for the card and the table
    (`run_best` None: the run folder is gone, so epochs run and wall time are not known)."""
    cfg = meta["train_config"]
    clock = (f" of {cfg.get('time_budget_clock', 'wall')} time"
             + (f", {cfg['threads']} thread{'s' if cfg['threads'] > 1 else ''}" if cfg.get("threads") else ""))
    if run_best is None:
        epochs_run, machine = "run record not kept, see MODEL_CARD.md", "a 2-core CPU"
    else:
        count, seconds, machine = run_record(run_best)
        epochs_run = f"{count} epochs in {seconds / 60:.0f} min of wall time"
    budget = (f"time budget {cfg['time_budget'] / 60:.0f} min{clock} ({epochs_run}" if cfg.get("time_budget")
              else f"{cfg['epochs']} epochs budget ({epochs_run}")
    spec = meta["input"]
    size = "x".join(str(s) for s in spec["size"])
    how = f"resized to {size}" if spec["mode"] == "resize" else f"{size} patches at scale {spec['scale']}"
    val = next(iter(meta.get("metrics", {}).values()), float("nan"))
    return {"budget": budget, "input": how, "validation": f"{val:.4f}", "machine": machine}


def model_card(name: str, tag: str, meta: dict, summary: dict, args, extra: dict[str, dict]) -> str:
    cfg = meta["train_config"]
    facts = training_facts(meta, Path(args.run))
    budget, how = facts["budget"], facts["input"]
    pi = summary.get("per_image", {})
    lines = [
        f"# {name}:{tag}",
        "",
        f"`litemedseg.create_model(\"{name}\", pretrained=\"{tag}\")` or `Segmenter.from_weights(\"{name}:{tag}\")`.",
        "",
        f"- **Data**: {meta['dataset']['name']} ({meta['dataset']['split_source']}); split sizes "
        f"{meta['dataset']['split_sizes']}.",
        f"- **Training**: {budget}, best validation epoch {meta['epoch']}, validation {facts['validation']}), batch "
        f"{cfg['batch_size']}, AdamW lr {cfg['lr']}, {cfg['schedule']} schedule, loss {meta['loss']}, inputs {how}, "
        f"augmentation {augmentation(cfg['augment'])}, seed {cfg['seed']}; commit {meta['commit']}.",
        f"- **Recipe**: {recipe(cfg)}.",
        f"- **Stored**: {meta['storage_dtype']} safetensors ({(Path(args.run) / 'model.safetensors').name} of the run, "
        "converted); the scores below are those of this stored file.",
        f"- **Protocol**: {summary['protocol']}.",
        f"- **Test ({summary['split']}, {summary['num_images']} images)**: {summary['headline']['metric']} = "
        f"**{summary['headline']['value']:.4f}**"
        + (f"; per-image Dice {pi['dice']['mean']:.4f} ± {pi['dice']['std']:.4f}, IoU {pi['iou']['mean']:.4f}, "
           f"pooled Dice {summary['pooled']['dice']:.4f}" if pi else "")
        + (f", AUC {summary['pooled']['auc']:.4f}" if "auc" in summary.get("pooled", {}) else "")
        + (f", HD95 {summary['hd95']['mean']:.2f} px" if "hd95" in summary else "") + ".",
        *[f"- **{label}**: {s['headline']['metric']} = {s['headline']['value']:.4f} ({s['split']}, "
          f"{s['num_images']} images)." for label, s in extra.items()],
        f"- **Scored on**: {summary['hardware']['cpu']}, commit {summary['commit']}, {summary['wall_time_s']} s "
        "(evaluation/ holds per_image.csv, summary.json, report.md).",
        f"- **Scale**: trained on a 2-core CPU ({facts['machine']}); see BENCHMARKS.md for "
        "how this compares with the targets. Research use only, not a medical device; check the dataset licence.",
    ]
    return "\n".join(lines + split_section(meta["dataset"])) + "\n"


def _headline(summary: dict) -> dict:
    return {"metric": summary["headline"]["metric"], "value": round(summary["headline"]["value"], 4),
            "split": summary["split"], "num_images": summary["num_images"]}


def scores_record(weights: str, meta: dict, summary: dict, extra: dict[str, dict], run_best: Path | None) -> dict:
    """The facts of one shipped model that weights_table() shows, stored beside its card."""
    facts = training_facts(meta, run_best)
    sizes = meta["dataset"]["split_sizes"]
    return {"weights": weights, "data": f"{meta['dataset']['name']} {sizes['train']}/{sizes['val']}/{sizes['test']}",
            "input": facts["input"], "budget": f"{facts['budget']}) on {facts['machine']}",
            "recipe": recipe(meta["train_config"]), "validation": facts["validation"], "best_epoch": meta["epoch"],
            "storage": meta["storage_dtype"], "trained_commit": meta["commit"], "scored_commit": summary["commit"],
            "test": _headline(summary), "extra": {label: _headline(s) for label, s in extra.items()}}


def weights_table(folder: Path) -> str:
    """One row per shipped model (every <folder>/*/scores.json), for BENCHMARKS.md."""
    rows = ["| weights | data (train/val/test) | inputs | training | validation (best epoch) | test | flip TTA | "
            "zero-shot | stored | trained at |", "|---|---|---|---|---|---|---|---|---|---|"]
    for path in sorted(folder.glob(f"*/{SCORES}")):
        r = json.loads(path.read_text())
        tta = r["extra"].get("flip TTA")
        zero = [f"{label.removeprefix('zero-shot on ')}: {s['metric']} {s['value']:.4f}"
                for label, s in r["extra"].items() if label.startswith("zero-shot")]
        rows.append(f"| `{r['weights']}` | {r['data']} | {r['input']} | {r['budget']}; {r['recipe']} | "
                    f"{r['validation']} ({r['best_epoch']}) | {r['test']['metric']} **{r['test']['value']:.4f}** "
                    f"({r['test']['num_images']} images) | {format(tta['value'], '.4f') if tta else '-'} | "
                    f"{'; '.join(zero) or '-'} | {r['storage']} | {r['trained_commit']} |")
    return "\n".join(rows) + "\n\nBuilt by `python tools/package_weights.py` from each shipped model's scores.json.\n"


def augmentation(augment: dict) -> str:
    if not augment.get("enabled", True):
        return "off"
    return "on" + (" (with elastic deformation)" if augment.get("elastic") else "")


def recipe(cfg: dict) -> str:
    """The small-budget recipe options of the run (RecipeConfig), on or off."""
    options = cfg.get("recipe", {})
    ema = options.get("ema_decay")
    return ", ".join([f"schedule {cfg['schedule']}",
                      f"deep supervision {'on' if options.get('deep_supervision') else 'off'}",
                      f"EMA of the weights {f'on (decay {ema})' if ema else 'off'}",
                      f"progressive resizing {'on' if options.get('progressive_resize') else 'off'}"])


def split_section(dataset: dict) -> list[str]:
    """The stems of every split, so a reader can check what the test score was measured on."""
    split = dataset.get("split") or {}
    if not split:
        return []
    lines = ["", f"## Split ({dataset.get('split_source')}, split hash {split.get('sha256', '-')})", ""]
    for name in ("train", "val", "test"):
        stems = split.get(name, [])
        lines += [f"<details><summary>{name}: {len(stems)} images</summary>", "",
                  ", ".join(f"`{s}`" for s in stems) or "(none)", "", "</details>", ""]
    return lines[:-1]


if __name__ == "__main__":
    torch.set_num_threads(2)
    main()
