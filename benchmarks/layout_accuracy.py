"""Validation accuracy of architecture choices (issue 12): every choice is judged on validation, never test.

    python benchmarks/layout_accuracy.py --out benchmarks/results/layout_accuracy [--only NAME ...]

Med-2D SegNet: the previous default layout against the faster one, on Kvasir-SEG and PH2 (validation Dice).
Mini-Net: half- against full-resolution processing on DRIVE and CHASE_DB1 (validation F1 inside the FOV, and
thin-vessel recall: ground-truth vessel pixels that a 3x3 opening removes, i.e. vessels 1-2 px wide, found by
the prediction). The fast path: bf16 autocast against fp32 for the MONAI U-Net on PH2 (the model whose fastest
CPU plan is bf16). Each cell trains with the CPU preset of benchmarks/presets.yaml (same budget for both sides
of a comparison) into a resumable run folder; results.json and results.md are rewritten after every cell.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import yaml

from litemedseg.config import load_config
from litemedseg.data.folder import open_dataset
from litemedseg.data.io import read_image, read_mask
from litemedseg.engine import train
from litemedseg.engine.prediction import Segmenter
from litemedseg.utils.provenance import git_commit, hardware

PREVIOUS_MED2DSEGNET = {"widths": [32, 64, 128, 256], "depths": [0, 1, 1, 1], "decoder_depths": [1, 1, 0]}
CELLS = [  # name, dataset, model, model_kwargs[, extra settings]
    ("med2dsegnet-previous@PH2", "PH2", "med2dsegnet", PREVIOUS_MED2DSEGNET),
    ("med2dsegnet@PH2", "PH2", "med2dsegnet", {}),
    ("med2dsegnet-previous@Kvasir-SEG", "Kvasir-SEG", "med2dsegnet", PREVIOUS_MED2DSEGNET),
    ("med2dsegnet@Kvasir-SEG", "Kvasir-SEG", "med2dsegnet", {}),
    # half against full resolution; these cells ran as mininet / mininet_hr before full resolution became the
    # default (results.json keeps the old name under renamed_from)
    ("mininet_half@DRIVE", "DRIVE", "mininet_half", {}),
    ("mininet@DRIVE", "DRIVE", "mininet", {}),
    ("mininet_half@CHASE_DB1", "CHASE_DB1", "mininet_half", {}),
    ("mininet@CHASE_DB1", "CHASE_DB1", "mininet", {}),
    # bf16 autocast against fp32 on validation, on the model whose fastest CPU plan is bf16
    ("unet-fp32@PH2", "PH2", "unet", {}, {"amp": "off", "channels_last": "off"}),
    ("unet-bf16@PH2", "PH2", "unet", {}, {"amp": "bf16", "channels_last": "off"}),
    # equal wall time for both Med-2D SegNet layouts (8 minutes each), and a second seed of the new one
    ("med2dsegnet-previous@Kvasir-SEG-8min", "Kvasir-SEG", "med2dsegnet", PREVIOUS_MED2DSEGNET,
     {"time_budget": 480, "epochs": 1000}),
    ("med2dsegnet@Kvasir-SEG-8min", "Kvasir-SEG", "med2dsegnet", {}, {"time_budget": 480, "epochs": 1000}),
    ("med2dsegnet@Kvasir-SEG-seed1", "Kvasir-SEG", "med2dsegnet", {}, {"seed": 1}),
    # one Med Block back at 1/4 (decoder, then encoder), both within 2.07 M +- 3 %
    ("med2dsegnet-dec1_4@Kvasir-SEG", "Kvasir-SEG", "med2dsegnet",
     {"widths": [32, 64, 96, 296], "depths": [0, 0, 1, 1], "decoder_depths": [1, 1, 0]}),
    ("med2dsegnet-enc1_4@Kvasir-SEG", "Kvasir-SEG", "med2dsegnet",
     {"widths": [32, 64, 128, 264], "depths": [0, 1, 1, 1], "decoder_depths": [1, 0, 0]}),
]


def thin_vessel_recall(weights: Path, data: Path) -> dict[str, float]:
    """Recall of 1-2 px vessels and pooled F1 inside the FOV over the validation images."""
    from scipy import ndimage

    dataset = open_dataset(data)
    segmenter = Segmenter.from_weights(weights)
    found = thin = tp = fp = fn = 0
    for sample in dataset.subset("val"):
        image = read_image(sample.image, segmenter.spec.in_channels)
        truth = read_mask(sample.mask).astype(bool)
        fov = read_mask(sample.fov).astype(bool) if sample.fov else np.ones_like(truth)
        pred = segmenter.predict(image).astype(bool)
        thin_mask = truth & ~ndimage.binary_opening(truth, structure=np.ones((3, 3))) & fov
        thin += int(thin_mask.sum())
        found += int((thin_mask & pred).sum())
        tp += int((pred & truth & fov).sum())
        fp += int((pred & ~truth & fov).sum())
        fn += int((~pred & truth & fov).sum())
    return {"thin_vessel_recall": found / max(thin, 1), "val_f1_pooled": 2 * tp / max(2 * tp + fp + fn, 1)}


def write_table(results: dict, path: Path) -> None:
    """results.md: one row per cell of results.json."""
    lines = ["| cell | best val | epochs | thin-vessel recall | wall s | time budget s | commit |",
             "|---|---|---|---|---|---|---|"]
    for key, r in results.items():
        thin_recall = f"{r['thin_vessel_recall']:.4f}" if "thin_vessel_recall" in r else "-"
        budget = r.get("time_budget_s") or "-"
        lines.append(f"| {key} | {r['best_val']:.4f} | {r['epochs']} | {thin_recall} | {r['wall_time_s']} | "
                     f"{budget} | {r['commit']} |")
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/layout_accuracy"))
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("LITEMEDSEG_DATA", "../shared/datasets")))
    parser.add_argument("--runs", type=Path, default=Path("runs/layout_accuracy"))
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--table-only", action="store_true", help="Rewrite results.md from results.json, train nothing.")
    args = parser.parse_args()
    presets = yaml.safe_load((Path(__file__).parent / "presets.yaml").read_text())
    results_path = args.out / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    if args.table_only:
        write_table(results, args.out / "results.md")
        return
    for name, dataset, model, kwargs, *extra in CELLS:
        if args.only and name not in args.only:
            continue
        if name in results:
            continue
        settings = {**presets["common"], **presets["presets"]["cpu"][dataset]}
        settings.update({"model": model, "model_kwargs": kwargs, "data": str(args.data / dataset),
                         "output": str(args.runs), "name": name.replace("@", "_"), "progress": False})
        settings.update(extra[0] if extra else {})
        run_dir = args.runs / settings["name"]
        resume = (run_dir / "train_state.pt").is_file()
        settings["overwrite"] = not resume
        started = time.perf_counter()
        result = train(load_config(None, settings), resume=resume)
        row = {"dataset": dataset, "model": model, "model_kwargs": kwargs, "best_val": result.best_score,
               "best_epoch": result.best_epoch, "epochs": result.epochs_run, "wall_time_s": round(time.perf_counter() - started, 1),
               "time_budget_s": settings.get("time_budget"), "seed": settings.get("seed", 0),
               "execution": json.loads((run_dir / "config.json").read_text())["execution"]}
        if dataset in ("DRIVE", "CHASE_DB1"):
            row.update(thin_vessel_recall(run_dir / "best", args.data / dataset))
        row.update({"commit": git_commit(), "hardware": hardware(None)["cpu"]})
        results[name] = row
        args.out.mkdir(parents=True, exist_ok=True)
        results_path.write_text(json.dumps(results, indent=1))
        write_table(results, args.out / "results.md")
        print(f"{name}: val {result.best_score:.4f}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
