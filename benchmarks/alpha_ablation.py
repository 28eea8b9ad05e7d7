"""Ablate alpha of Mini-Net's loss, alpha * (dice + jaccard) + (1 - alpha) * bce, on PH2 (the shared stand-in
for ISIC-2018, where the design document ran its ablation).

    python benchmarks/alpha_ablation.py [--alphas 0 0.25 0.5 0.75 1] [--epochs 30] [--size 128]

Same budget for every alpha (preset "cpu" of benchmarks/presets.yaml for PH2 unless overridden); writes
results/alpha_ablation/{table.md, table.csv} with the best validation Dice of each alpha (what a choice of
alpha may use) and, for information only, its per-image test Dice.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path

import yaml
from grid import HERE, cell_config, data_root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--alphas", nargs="*", type=float, default=[0.0, 0.25, 0.5, 0.75, 1.0])
    parser.add_argument("--dataset", default="PH2")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--results", type=Path, default=HERE / "results" / "alpha_ablation")
    args = parser.parse_args()

    from litemedseg.config import TrainConfig
    from litemedseg.engine import evaluate, train

    presets = yaml.safe_load((HERE / "presets.yaml").read_text())
    rows = []
    for alpha in args.alphas:
        out = args.results / f"alpha_{alpha:g}"
        summary_path = out / "eval" / "summary.json"
        if not summary_path.is_file():
            settings = cell_config(presets, "cpu", args.dataset, "mininet", out, args.epochs)
            settings.update(loss="dice_jaccard_bce", loss_kwargs={"alpha": alpha})
            started = time.perf_counter()
            trained = train(TrainConfig.model_validate(settings))
            evaluate(trained.run_dir / "best", data_root() / args.dataset, "test", out / "eval", progress=False)
            print(f"alpha {alpha:g}: {time.perf_counter() - started:.0f} s", flush=True)
        summary = json.loads(summary_path.read_text())
        trained_summary = out / "run" / "train_summary.json"  # the run folder itself is not committed
        val = json.loads(trained_summary.read_text())["best_val_score"] if trained_summary.is_file() else None
        if val is not None:
            (out / "val.json").write_text(json.dumps({"best_val_score": val}))
        elif (out / "val.json").is_file():
            val = json.loads((out / "val.json").read_text())["best_val_score"]
        rows.append({"alpha": alpha, "val_dice": val, "test_dice": summary["per_image"]["dice"]["mean"],
                     "test_dice_std": summary["per_image"]["dice"]["std"], "test_iou": summary["per_image"]["iou"]["mean"],
                     "hd95": summary["hd95"]["mean"], "commit": summary["commit"], "cpu": summary["hardware"]["cpu"]})
    with open(args.results / "table.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    lines = [f"Mini-Net on {args.dataset} test ({summary['num_images']} images), per-image mean ± std; "
             f"commit {rows[0]['commit']}, {rows[0]['cpu']}", "",
             "| alpha | val Dice (selects) | test Dice | test IoU | test HD95 px |", "|---|---|---|---|---|"]
    lines += [f"| {r['alpha']:g} | {'-' if r['val_dice'] is None else format(r['val_dice'], '.4f')} | "
              f"{r['test_dice']:.4f} ± {r['test_dice_std']:.4f} | {r['test_iou']:.4f} | {r['hd95']:.2f} |"
              for r in rows]
    scored = [r for r in rows if r["val_dice"] is not None]
    if scored:
        best = max(scored, key=lambda r: r["val_dice"])
        lines += ["", f"Chosen on validation: alpha = {best['alpha']:g} (best val Dice {best['val_dice']:.4f})."]
    else:
        lines += ["", "No validation scores recorded for these runs (run folders gone): rerun to select on val."]
    (args.results / "table.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
