"""Measure the recipe options of issue 13 on validation splits, at an equal CPU-time budget per run.

    python benchmarks/recipe_ablation.py                       # the default cells, 480 CPU-s each, 2 at a time
    python benchmarks/recipe_ablation.py --budget 900 --workers 1 --cells Kvasir-SEG:med2dsegnet
    python benchmarks/recipe_ablation.py --table-only           # rebuild table.md / table.csv from the runs

Every run uses the "cpu" preset of benchmarks/presets.yaml for its dataset plus one recipe option, one PyTorch
thread and ``time_budget_clock: cpu``: the budget counts this process's CPU seconds, so runs sharing the machine
(two at a time on two cores, or beside other jobs) get the same amount of computation. Scores are the best
validation headline of the run (the split's val stems; test is never read here), and the validation score of
the last epoch. One seed per option plus two more seeds of the baseline, whose spread is the noise floor.
Finished runs (train_summary.json present) are skipped, so an interrupted ablation continues.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import yaml
from grid import HERE, cell_config

STRONG_AUGMENT = {"augment": {"elastic": True, "degrees": 30.0, "scale": [0.75, 1.25], "translate": 0.1,
                              "affine_p": 0.8, "brightness": 0.3, "contrast": 0.3, "color_p": 0.8}}
# Every run but "model_defaults" starts from the plain recipe (cosine, no options), whatever the model registers.
PLAIN = {"schedule": "cosine", "recipe": {"ema_decay": None, "deep_supervision": False, "progressive_resize": False}}
RECIPES: dict[str, dict[str, Any]] = {
    "model_defaults": {},  # the model's registered training_defaults (litemedseg.models.registry)
    "baseline": {},
    "baseline_seed1": {"seed": 1},
    "baseline_seed2": {"seed": 2},
    "ema": {"recipe": {"ema_decay": 0.99}},
    "deep_supervision": {"recipe": {"deep_supervision": True}},
    "one_cycle": {"schedule": "one_cycle"},
    "cosine_restarts": {"schedule": "cosine_restarts"},
    "progressive_resize": {"recipe": {"progressive_resize": True}},
    "strong_augment": STRONG_AUGMENT,
    # pairs of the options that beat the baseline seeds' range above, to check that they add up
    "cosine_restarts+progressive_resize": {"schedule": "cosine_restarts", "recipe": {"progressive_resize": True}},
    "one_cycle+deep_supervision": {"schedule": "one_cycle", "recipe": {"deep_supervision": True}},
}
DEFAULT_CELLS = ["Kvasir-SEG:med2dsegnet", "DRIVE:mininet"]
FIELDS = ["dataset", "model", "recipe", "best_val", "best_epoch", "last_val", "epochs", "cpu_s", "wall_s",
          "budget_cpu_s", "headline", "commit", "hardware"]


def run_config(dataset: str, model: str, recipe: str, budget: float, results: Path) -> dict[str, Any]:
    from grid import merge

    presets = yaml.safe_load((HERE / "presets.yaml").read_text())
    settings = cell_config(presets, "cpu", dataset, model, results / dataset / model)
    if RECIPES[recipe].get("recipe", {}).get("progressive_resize") and settings["input"]["mode"] != "resize":
        raise ValueError("progressive_resize applies to resize-mode datasets only")
    settings = merge(settings, RECIPES[recipe] if recipe == "model_defaults" else merge(PLAIN, RECIPES[recipe]))
    settings.update(name=recipe, epochs=10_000, time_budget=budget, time_budget_clock="cpu", threads=1,
                    patience=0)
    return settings


def run_one(dataset: str, model: str, recipe: str, budget: float, results: Path) -> dict[str, Any]:
    """Train one run (in a worker process) unless it already finished; its row of the table."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    run_dir = results / dataset / model / recipe
    if not (run_dir / "train_summary.json").is_file():
        from litemedseg.config import TrainConfig
        from litemedseg.engine import train

        config = TrainConfig.model_validate(run_config(dataset, model, recipe, budget, results))
        train(config, resume=(run_dir / "train_state.pt").is_file())
    return row_of(run_dir)


def row_of(run_dir: Path) -> dict[str, Any]:
    summary = json.loads((run_dir / "train_summary.json").read_text())
    config = json.loads((run_dir / "config.json").read_text())
    with open(run_dir / "metrics.csv", newline="") as handle:
        history = list(csv.DictReader(handle))
    scored = [r for r in history if r["val_score"] not in ("", "nan")]
    return {
        "dataset": config["dataset"]["name"], "model": config["model"]["name"], "recipe": run_dir.name,
        "best_val": round(summary["best_val_score"], 4), "best_epoch": summary["best_epoch"],
        "last_val": round(float(scored[-1]["val_score"]), 4) if scored else None,
        "epochs": summary["epochs_run"], "cpu_s": round(sum(float(r["epoch_cpu_s"]) for r in history), 1),
        "wall_s": round(sum(float(r["epoch_time_s"]) for r in history), 1),
        "budget_cpu_s": summary["time_budget_s"], "headline": summary["headline"], "commit": summary["commit"],
        "hardware": summary["hardware"]["cpu"],
    }


def write_table(results: Path) -> None:
    rows = [row_of(p.parent) for p in sorted(results.glob("*/*/*/train_summary.json"))]
    with open(results / "table.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    lines = ["| dataset | model | recipe | best val | best epoch | last val | epochs | CPU s | wall s | "
             "vs baseline seeds (mean) | against the seed range |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        seeds = [r["best_val"] for r in rows if (r["dataset"], r["model"]) == (row["dataset"], row["model"])
                 and r["recipe"].startswith("baseline")]
        mean = sum(seeds) / len(seeds) if seeds else None
        if row["recipe"].startswith("baseline") or mean is None:
            delta, verdict = "-", f"baseline seed ({len(seeds)} seeds: {min(seeds):.4f}-{max(seeds):.4f})"
        else:
            delta = f"{row['best_val'] - mean:+.4f}"
            verdict = ("above" if row["best_val"] > max(seeds) else "below" if row["best_val"] < min(seeds)
                       else "within")
        lines.append(f"| {row['dataset']} | {row['model']} | {row['recipe']} | {row['best_val']:.4f} | "
                     f"{row['best_epoch']} | {row['last_val']} | {row['epochs']} | {row['cpu_s']:.0f} | "
                     f"{row['wall_s']:.0f} | {delta} | {verdict} |")
    commits = sorted({r["commit"] for r in rows})
    hardware = sorted({r["hardware"] for r in rows})
    lines += ["", f"Validation headline ({', '.join(sorted({r['headline'] for r in rows}))}); commit(s) "
              f"{', '.join(commits)}; {', '.join(hardware)}; one PyTorch thread per run, budget in CPU seconds."]
    (results / "table.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cells", nargs="*", default=DEFAULT_CELLS, help="DATASET:MODEL pairs")
    parser.add_argument("--recipes", nargs="*", default=list(RECIPES))
    parser.add_argument("--budget", type=float, default=480.0, help="CPU seconds of training per run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--results", type=Path, default=HERE / "results" / "recipe_ablation")
    parser.add_argument("--table-only", action="store_true")
    args = parser.parse_args()
    if not args.table_only:
        jobs = []
        for cell in args.cells:
            dataset, model = cell.split(":")
            for recipe in args.recipes:
                try:
                    run_config(dataset, model, recipe, args.budget, args.results)
                except ValueError:
                    continue  # an option that does not apply to this dataset's input mode
                jobs.append((dataset, model, recipe))
        started = time.perf_counter()
        with ProcessPoolExecutor(max_workers=args.workers) as pool:
            futures = {pool.submit(run_one, *job, args.budget, args.results): job for job in jobs}
            for future in as_completed(futures):
                row = future.result()
                print(f"{'/'.join(futures[future])}: best val {row['best_val']:.4f} in {row['epochs']} epochs "
                      f"({row['cpu_s']:.0f} CPU s, {time.perf_counter() - started:.0f} s since start)", flush=True)
    write_table(args.results)


if __name__ == "__main__":
    main()
