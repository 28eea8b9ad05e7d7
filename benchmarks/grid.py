"""Train and score a dataset x model grid under one budget and protocol; write the accuracy table.

    python benchmarks/grid.py --preset cpu --datasets Kvasir-SEG DRIVE --models med2dsegnet mininet unet
    python benchmarks/grid.py --preset cpu --table-only        # rebuild table.md / table.csv / the plot
    python benchmarks/grid.py --preset cpu --time-budget 15m --clock cpu --threads 1 --seeds 0 1 2 \
        --datasets Kvasir-SEG DRIVE PH2 --workers 2            # equal time per cell, three seeds (issue 13)

Data come from $LITEMEDSEG_DATA (default ../shared/datasets). Each cell writes
results/<preset>/<dataset>/<model>/{run,eval}; finished cells (eval/summary.json present) are skipped, so an
interrupted grid continues where it stopped. Budgets live in benchmarks/presets.yaml.

With --time-budget every cell trains for the same time instead of the preset's epoch count (the schedule spans
the budget; --clock cpu counts the process's CPU seconds, fair when other jobs share the machine), once per
--seeds value, into results/<preset>_<budget>s/<dataset>/<model>/seed<k>/; seeds.md then gives mean +- std
per cell, the difference to the reference model (--reference, default unet) and whether it is larger than
the two seed spreads together, and targets.md the issue-13 targets as met or missed.
"""

from __future__ import annotations

import argparse
import copy
import csv
import json
import math
import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
DEFAULT_MODELS = ["med2dsegnet", "mininet", "unet", "basicunet", "unext", "unext_s", "egeunet"]


def data_root() -> Path:
    return Path(os.environ.get("LITEMEDSEG_DATA", HERE.parents[1] / "shared" / "datasets")).resolve()


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def cell_config(presets: dict[str, Any], preset: str, dataset: str, model: str, out: Path,
                epochs: int | None = None, budget: Budget | None = None) -> dict[str, Any]:
    settings = merge(presets["common"], presets["presets"][preset][dataset])
    if epochs:
        settings["epochs"] = epochs
    if budget is not None:
        settings.update(epochs=10_000, time_budget=budget.seconds, time_budget_clock=budget.clock,
                        seed=budget.seed, patience=0)
        if budget.threads:
            settings["threads"] = budget.threads
    settings.update(model=model, data=str(data_root() / dataset), output=str(out), name="run", overwrite=True,
                    progress=False)
    return settings


@dataclass(frozen=True)
class Budget:
    """Equal training time per cell: seconds on `clock` ("wall" or "cpu"), for one seed."""

    seconds: float
    clock: str
    seed: int
    threads: int | None = None


def run_cell(presets, preset: str, dataset: str, model: str, results: Path, epochs: int | None = None,
             budget: Budget | None = None) -> dict[str, Any]:
    from litemedseg.config import TrainConfig
    from litemedseg.engine import evaluate, train

    cell = results / dataset / model / (f"seed{budget.seed}" if budget else "")
    summary_path = cell / "eval" / "summary.json"
    if summary_path.is_file():
        return json.loads(summary_path.read_text())
    settings = cell_config(presets, preset, dataset, model, cell, epochs, budget)
    state = cell / "run" / "train_state.pt"
    resume = state.is_file() and not (cell / "run" / "train_summary.json").is_file()
    if resume:  # a cell interrupted mid-training (a session ended) continues from its last whole epoch
        settings["overwrite"] = False
    config = TrainConfig.model_validate(settings)
    started = time.perf_counter()
    done = cell / "run" / "train_summary.json"
    if done.is_file() and (cell / "run" / "best").is_dir():  # trained, killed while scoring: score it
        trained = json.loads(done.read_text())
    else:
        result = train(config, resume=resume)
        trained = json.loads((result.run_dir / "train_summary.json").read_text())
    keep_run_records(cell / "run", cell / "records")
    print(f"  trained {dataset}/{model}: best val {trained['best_val_score']:.4f} @ {trained['best_epoch']} "
          f"({trained['wall_time_s']:.0f} s)", flush=True)
    result = evaluate(cell / "run" / "best", config.data, "test", cell / "eval", progress=False)
    summary = result.summary
    summary["train_wall_time_s"] = trained["wall_time_s"]
    summary["cell_wall_time_s"] = round(time.perf_counter() - started, 1)
    summary["budget"] = {"epochs": trained["epochs_run"] if budget else config.epochs,
                         "input": config.input.model_dump(mode="json"), "batch_size": config.batch_size,
                         "lr": config.lr, "best_epoch": trained["best_epoch"], "best_val": trained["best_val_score"],
                         "time_budget_s": config.time_budget, "clock": config.time_budget_clock,
                         "seed": config.seed}
    from litemedseg.utils.atomic import write_json_atomic

    write_json_atomic(summary_path, summary)
    return summary


RUN_RECORDS = ("config.json", "metrics.csv", "train_summary.json", "split.json")


def keep_run_records(run_dir: Path, records: Path) -> None:
    """The run's small records (config with its execution plan, per-epoch metrics, summary, split), kept beside
    the cell's evaluation so every table rebuilds from the repository; the weights stay in the ignored run/."""
    import shutil

    records.mkdir(parents=True, exist_ok=True)
    for name in RUN_RECORDS:
        if (run_dir / name).is_file():
            shutil.copy2(run_dir / name, records / name)


def run_zero_shot(presets, results: Path, models: list[str]) -> None:
    from litemedseg.engine import evaluate

    for source, targets in (presets.get("zero_shot") or {}).items():
        for target in targets:
            for model in models:
                weights = results / source / model / "run" / "best"
                out = results / "zero_shot" / f"{source}_to_{target['data']}" / model
                if not weights.is_dir() or (out / "summary.json").is_file():
                    continue
                evaluate(weights, data_root() / target["data"], target.get("split"), out, zero_shot=True,
                         progress=False)
                print(f"  zero-shot {source} -> {target['data']} / {model}", flush=True)


def headline_row(summary: dict[str, Any]) -> dict[str, Any]:
    row = {"dataset": summary["dataset"]["name"], "model": summary["model"], "images": summary["num_images"],
           "headline": summary["headline"]["metric"], "value": summary["headline"]["value"]}
    if "per_image" in summary:
        pi = summary["per_image"]
        row.update(dice_mean=pi["dice"]["mean"], dice_std=pi["dice"]["std"], iou_mean=pi["iou"]["mean"],
                   iou_std=pi["iou"]["std"], pooled_dice=summary["pooled"]["dice"],
                   hd95=summary.get("hd95", {}).get("mean", math.nan),
                   hd95_undefined=summary.get("hd95", {}).get("undefined", 0),
                   auc=summary["pooled"].get("auc", math.nan))
    else:
        classes = summary["per_class"].values()  # multi-class: the mean over foreground classes of each figure
        hd95 = [c["hd95"]["mean"] for c in classes if c.get("hd95", {}).get("n")]
        row.update(dice_mean=summary["mean_dice"], dice_std=math.nan, iou_mean=summary["mean_iou"], iou_std=math.nan,
                   pooled_dice=statistics.fmean(c["pooled_dice"] for c in classes),
                   hd95=statistics.fmean(hd95) if hd95 else math.nan,
                   hd95_undefined=sum(c.get("hd95", {}).get("undefined", 0) for c in classes), auc=math.nan,
                   per_class="; ".join(f"{k} {v['dice']['mean']:.3f}" for k, v in summary["per_class"].items()))
    budget = summary.get("budget", {})
    row.update(epochs=budget.get("epochs"), best_epoch=budget.get("best_epoch"),
               input=_input_text(budget.get("input", summary.get("input", {}))),
               train_s=summary.get("train_wall_time_s"), commit=summary["commit"],
               hardware=summary["hardware"]["cpu"] + (f" + {summary['hardware']['gpu']}" if "gpu" in summary["hardware"] else ""))
    return row


def _input_text(spec: dict[str, Any]) -> str:
    if not spec:
        return ""
    size = "x".join(str(s) for s in spec["size"])
    return f"resize {size}" if spec["mode"] == "resize" else f"patch {size} @ scale {spec['scale']}"


def _fmt(value: Any, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def write_table(results: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import litemedseg
    from litemedseg.utils.stats import count_parameters

    rows = [headline_row(json.loads(p.read_text())) for p in sorted(results.glob("*/*/eval/summary.json"))]
    zero = [headline_row(json.loads(p.read_text())) | {"source": p.parents[1].name}
            for p in sorted(results.glob("zero_shot/*/*/summary.json"))]
    if not rows:
        print(f"no finished cells under {results}")
        return
    fields = list(dict.fromkeys(k for r in rows + zero for k in r))
    with open(results / "table.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows + zero)
    lines = ["| dataset | model | test images | headline | value | per-image Dice ± std | per-image IoU ± std | "
             "pooled Dice | HD95 px (undef.) | AUC | input | epochs (best) | train s |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows + zero:
        name = r["dataset"] if "source" not in r else f"{r['source'].replace('_to_', ' → ')} (zero-shot)"
        dice = f"{_fmt(r['dice_mean'])} ± {_fmt(r['dice_std'])}" if not math.isnan(r["dice_std"]) else \
            f"{_fmt(r['dice_mean'])} ({r.get('per_class', '')})"
        iou = _fmt(r["iou_mean"]) + ("" if math.isnan(r["iou_std"]) else f" ± {_fmt(r['iou_std'])}")
        lines.append(f"| {name} | {r['model']} | {r['images']} | {r['headline']} | **{_fmt(r['value'])}** | {dice} | "
                     f"{iou} | {_fmt(r['pooled_dice'])} | {_fmt(r['hd95'], 2)} ({r['hd95_undefined']}) | "
                     f"{_fmt(r['auc'])} | {r['input']} | {r['epochs'] or '-'} ({r['best_epoch'] or '-'}) | "
                     f"{_fmt(r['train_s'], 0)} |")
    commits = sorted({r["commit"] for r in rows})
    hardware = sorted({r["hardware"] for r in rows})
    train_hours = sum(r["train_s"] or 0 for r in rows) / 3600
    lines += ["", f"commit(s): {', '.join(commits)}; hardware: {'; '.join(hardware)}; training wall time of all "
              f"cells {train_hours:.1f} h. Multi-class rows: Dice/IoU/pooled Dice/HD95 are means over the foreground "
              "classes (HD95 undefined counts summed over classes)."]
    (results / "table.md").write_text("\n".join(lines) + "\n")

    params = {m: count_parameters(litemedseg.create_model(m)) for m in {r["model"] for r in rows}}
    datasets = sorted({r["dataset"] for r in rows})
    fig, ax = plt.subplots(figsize=(7, 4.5))
    markers = "osD^v<>p"
    for i, dataset in enumerate(datasets):
        subset = [r for r in rows if r["dataset"] == dataset]
        ax.scatter([params[r["model"]] for r in subset], [r["value"] for r in subset], marker=markers[i % 8],
                   s=60, label=dataset)
        for r in subset:
            ax.annotate(r["model"], (params[r["model"]], r["value"]), fontsize=7, xytext=(4, 3),
                        textcoords="offset points")
    ax.set_xscale("log")
    ax.set_xlabel("parameters (log scale)")
    ax.set_ylabel("test headline (Dice / pooled F1 / mean class Dice)")
    ax.set_title("Parameters vs accuracy, same budget and protocol")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(results / "params_vs_dice.png", dpi=120)
    print(f"wrote {results / 'table.md'}, table.csv, params_vs_dice.png")


# At equal time per cell, (dataset, model) must reach at least (dataset, each of these): SPEC.md section 6 (issue
# 26: the peers of issue 13 and the tiny plain U-Net).
TARGETS = {("Kvasir-SEG", "med2dsegnet"): ["basicunet", "unext", "unet_tiny"],
           **{(d, "mininet"): ["unext_s", "egeunet", "unet_tiny"] for d in ("DRIVE", "CHASE_DB1", "PH2", "DSB2018")}}
SIGNIFICANCE = 0.05


def per_image_scores(cell: Path) -> dict[str, float]:
    """Per-image headline score (Dice; mean class Dice for several classes) of every test image, averaged over
    the cell's seeds; the pairing unit of the verdicts."""
    sums: dict[str, list[float]] = {}
    for path in sorted(cell.glob("seed*/eval/per_image.csv")):
        with open(path, newline="") as handle:
            for row in csv.DictReader(handle):
                value = row.get("dice") if "dice" in row else row.get("mean_dice")
                if value not in (None, ""):
                    sums.setdefault(row["image"], []).append(float(value))
    return {image: statistics.fmean(values) for image, values in sums.items()}


def paired_test(ours: dict[str, float], theirs: dict[str, float]) -> tuple[float, int]:
    """Two-sided Wilcoxon signed-rank p-value over the images both cells scored, and how many they are."""
    from scipy.stats import wilcoxon

    common = sorted(set(ours) & set(theirs))
    differences = [ours[i] - theirs[i] for i in common]
    if len(common) < 2 or not any(differences):
        return 1.0, len(common)
    return float(wilcoxon(differences).pvalue), len(common)


def verdict(mine: tuple[float, float, int], theirs: tuple[float, float, int], p_value: float) -> str:
    """met: our test mean is at least theirs. missed: behind, the paired test says so (p < 0.05) and, with two or
    more seeds on each side, the gap is wider than the two seed spreads together. Anything else behind: tie."""
    if mine[0] >= theirs[0]:
        return "met"
    seeded = mine[2] >= 2 and theirs[2] >= 2
    spread = (mine[1] + theirs[1]) if seeded else 0.0
    return "missed" if p_value < SIGNIFICANCE and theirs[0] - mine[0] > spread else "tie"


def _carried_validation(path: Path) -> dict[tuple[str, str, int], float]:
    """Validation means of an earlier seeds.csv, by (dataset, model, seeds), for cells whose runs' best
    validation scores are no longer readable (older grids did not commit their run records)."""
    if not path.is_file():
        return {}
    with open(path, newline="") as handle:
        return {(row["dataset"], row["model"], int(row["seeds"])): float(row["val_mean"])
                for row in csv.DictReader(handle) if row.get("val_mean")}


def _spread(figures: tuple[float, float, int]) -> tuple[float, float, int]:
    mean, std, n = figures
    return mean, 0.0 if math.isnan(std) else std, n


def _best_val(summary_path: Path) -> float:
    """The run's best validation headline: recorded in the cell's summary, or read from its committed records
    (or, for cells of older grids, its run folder)."""
    recorded = json.loads(summary_path.read_text()).get("budget", {}).get("best_val")
    if recorded is not None:
        return float(recorded)
    for folder in ("records", "run"):
        run = summary_path.parents[1] / folder / "train_summary.json"
        if run.is_file():
            return float(json.loads(run.read_text())["best_val_score"])
    return math.nan


def write_seed_tables(results: Path, reference: str = "unet") -> None:
    """seeds.md / seeds.csv (mean +- std over seeds per cell, against `reference`) and targets.md."""
    runs = [headline_row(json.loads(p.read_text())) | {"seed": p.parents[1].name, "val": _best_val(p)}
            for p in sorted(results.glob("*/*/seed*/eval/summary.json"))]
    if not runs:
        return
    cells: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for run in runs:
        cells.setdefault((run["dataset"], run["model"]), []).append(run)

    def stats(key: tuple[str, str]) -> tuple[float, float, int] | None:
        values = [r["value"] for r in cells.get(key, [])]
        if not values:
            return None
        return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else math.nan, len(values)

    carried = _carried_validation(results / "seeds.csv")
    rows, lines = [], ["| dataset | model | seeds | headline mean ± std | validation mean | epochs (mean) | vs " +
                       reference + " | beyond seed spread |", "|---|---|---|---|---|---|---|---|"]
    for (dataset, model), group in sorted(cells.items()):
        mean, std, n = stats((dataset, model))
        ref = stats((dataset, reference))
        delta = mean - ref[0] if ref and model != reference else math.nan
        spread = (0 if math.isnan(std) else std) + (0 if not ref or math.isnan(ref[1]) else ref[1])
        beyond = "-" if math.isnan(delta) or n < 2 or ref[2] < 2 else ("yes" if abs(delta) > spread else "no")
        epochs = statistics.fmean(r["epochs"] or 0 for r in group)
        vals = [r["val"] for r in group if not math.isnan(r["val"])]
        val = statistics.fmean(vals) if len(vals) == len(group) else math.nan
        mark = ""
        if math.isnan(val) and carried.get((dataset, model, n)) is not None:
            val, mark = carried[(dataset, model, n)], "†"
        rows.append({"dataset": dataset, "model": model, "seeds": n, "mean": round(mean, 4),
                     "std": None if math.isnan(std) else round(std, 4),
                     "val_mean": None if math.isnan(val) else round(val, 4), "val_carried": bool(mark),
                     "epochs_mean": round(epochs, 1),
                     f"delta_vs_{reference}": None if math.isnan(delta) else round(delta, 4),
                     "beyond_seed_spread": beyond, "commit": ", ".join(sorted({r["commit"] for r in group})),
                     "hardware": group[0]["hardware"]})
        lines.append(f"| {dataset} | {model} | {n} | {mean:.4f} ± {_fmt(std)} | {_fmt(val)}{mark} | {epochs:.1f} | "
                     f"{'-' if math.isnan(delta) else f'{delta:+.4f}'} | {beyond} |")
    budgets = {(b.get("time_budget_s"), b.get("clock")) for b in
               (json.loads(p.read_text())["budget"] for p in results.glob("*/*/seed*/eval/summary.json"))}
    train_hours = sum(r["train_s"] or 0 for r in runs) / 3600
    lines += ["", f"Test headline per cell over seeds (validation mean: the best validation headline of each run, "
              f"what any choice between cells may use); training budget per run: "
              f"{', '.join(f'{s:.0f} s ({c} clock)' for s, c in sorted(budgets, key=str))}; "
              f"'beyond seed spread': |difference| > std of the cell + std of {reference}. "
              f"{len(runs)} runs, commit(s) {', '.join(sorted({r['commit'] for r in runs}))}; "
              f"{'; '.join(sorted({r['hardware'] for r in runs}))}; training wall time of all runs "
              f"{train_hours:.1f} h."]
    if any(row["val_carried"] for row in rows):
        lines += ["", "† validation mean carried over from this folder's earlier seeds.csv: the runs' best "
                  "validation scores were read from run folders that were not committed (cells run from 2026-12-08 "
                  "on keep them in records/)."]
    (results / "seeds.md").write_text("\n".join(lines) + "\n")
    with open(results / "seeds.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    verdicts = ["| target | ours | theirs | Wilcoxon p (images) | verdict |", "|---|---|---|---|---|"]
    for (dataset, ours), rivals in TARGETS.items():
        mine = stats((dataset, ours))
        for rival in rivals:
            theirs = stats((dataset, rival))
            shown = lambda s: "-" if s is None else f"{s[0]:.4f} ± {_fmt(s[1])} ({s[2]} seeds)"  # noqa: E731
            if mine is None or theirs is None:
                verdicts.append(f"| {dataset}: {ours} >= {rival} | {shown(mine)} | {shown(theirs)} | - | not run |")
                continue
            p_value, images = paired_test(per_image_scores(results / dataset / ours),
                                          per_image_scores(results / dataset / rival))
            verdicts.append(f"| {dataset}: {ours} >= {rival} | {shown(mine)} | {shown(theirs)} | "
                            f"{p_value:.3g} ({images}) | {verdict(_spread(mine), _spread(theirs), p_value)} |")
    verdicts += ["", "Test headline mean ± seed std. Wilcoxon: two-sided signed-rank test over the test images' "
                 "per-image Dice, each averaged over the seeds. met: ours >= theirs; missed: behind with p < "
                 f"{SIGNIFICANCE} and, with two or more seeds each, by more than the two seed spreads together; "
                 "tie: behind but not beyond both."]
    (results / "targets.md").write_text("\n".join(verdicts) + "\n")
    (results / "matrix.md").write_text(_matrix(cells))
    print(f"wrote {results / 'seeds.md'}, seeds.csv, targets.md, matrix.md")


def _matrix(cells: dict[tuple[str, str], list[dict[str, Any]]]) -> str:
    """Datasets x models at a glance: test mean (seed count), the highest of each dataset in bold.

    The bold cell is for reading only; any choice between models uses validation (seeds.md).
    """
    datasets = sorted({d for d, _ in cells})
    extra = sorted({m for _, m in cells} - set(DEFAULT_MODELS))
    models = [m for m in DEFAULT_MODELS if any((d, m) in cells for d in datasets)] + extra
    lines = ["| dataset (headline) | " + " | ".join(models) + " |", "|---" * (len(models) + 1) + "|"]
    for dataset in datasets:
        means = {m: statistics.fmean(r["value"] for r in cells[(dataset, m)]) for m in models if (dataset, m) in cells}
        best = max(means.values())
        shown = [("-" if m not in means else
                  (f"**{means[m]:.4f}**" if means[m] == best else f"{means[m]:.4f}") + f" ({len(cells[(dataset, m)])})")
                 for m in models]
        metric = cells[(dataset, next(iter(means)))][0]["headline"]
        lines.append(f"| {dataset} ({metric}) | " + " | ".join(shown) + " |")
    return "\n".join(lines + ["", "Test headline, mean over the seeds in brackets; bold: the highest test mean of "
                               "the dataset (for reading; choices between models use the validation column of the "
                               "seed table); '-': not run."]) + "\n"


def _run_logged(args: argparse.Namespace, dataset: str, model: str, results: Path, budget: Budget | None) -> None:
    """One cell, its failure printed rather than raised (one failed cell must not stop a night-long grid)."""
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    presets = yaml.safe_load((HERE / "presets.yaml").read_text())
    print(f"[{time.strftime('%H:%M:%S')}] {dataset} / {model}" + (f" / seed {budget.seed}" if budget else ""),
          flush=True)
    try:
        run_cell(presets, args.preset, dataset, model, results, args.epochs, budget)
    except Exception as err:  # noqa: BLE001
        print(f"  FAILED {dataset}/{model}: {type(err).__name__}: {err}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="cpu", choices=["cpu", "gpu"])
    parser.add_argument("--datasets", nargs="*")
    parser.add_argument("--models", nargs="*", default=DEFAULT_MODELS)
    parser.add_argument("--cells", nargs="*", help="DATASET:MODEL pairs instead of --datasets x --models")
    parser.add_argument("--results", type=Path)
    parser.add_argument("--table-only", action="store_true")
    parser.add_argument("--threads", type=int)
    parser.add_argument("--epochs", type=int, help="Override every budget (smoke tests only).")
    parser.add_argument("--time-budget", help="Equal training time per cell instead of epochs (e.g. 15m, 900).")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="What --time-budget counts (cpu: this process's CPU seconds).")
    parser.add_argument("--seeds", nargs="*", type=int, default=[0], help="With --time-budget: one run per seed.")
    parser.add_argument("--reference", default="unet", help="Model the seed table compares against.")
    parser.add_argument("--workers", type=int, default=1,
                        help="Cells trained at once (with --clock cpu --threads 1, one per core stays fair).")
    args = parser.parse_args()
    presets = yaml.safe_load((HERE / "presets.yaml").read_text())
    seconds = None
    if args.time_budget:
        from litemedseg.config import parse_duration

        seconds = parse_duration(args.time_budget)
    budget_name = f"{args.preset}_{seconds:.0f}s" if seconds else args.preset
    results = args.results or HERE / "results" / budget_name
    if not args.table_only:
        datasets = args.datasets or list(presets["presets"][args.preset])
        seeds = args.seeds if seconds else [None]
        # seed-major: every cell's first seed finishes before any cell's second, so a stopped grid is even
        cells = [tuple(cell.split(":", 1)) for cell in args.cells] if args.cells else \
            [(dataset, model) for dataset in datasets for model in args.models]
        jobs = [(dataset, model, Budget(seconds, args.clock, seed, args.threads) if seconds else None)
                for seed in seeds for dataset, model in cells]
        if args.workers > 1:
            with ProcessPoolExecutor(max_workers=args.workers) as pool:
                for future in [pool.submit(_run_logged, args, dataset, model, results, budget)
                               for dataset, model, budget in jobs]:
                    future.result()
        else:
            for dataset, model, budget in jobs:
                _run_logged(args, dataset, model, results, budget)
        if not seconds:
            run_zero_shot(presets, results, args.models)
    if seconds:  # one folder per seed: seeds.md (mean +- std) instead of the one-run table
        write_seed_tables(results, args.reference)
    else:
        write_table(results)


if __name__ == "__main__":
    main()
