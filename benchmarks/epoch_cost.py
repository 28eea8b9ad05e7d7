"""CPU time of one training epoch on `litemedseg train`'s own path, every model against a reference, in one process.

    python benchmarks/epoch_cost.py                       # DSB2018-mini (embedded), 128x128, one thread
    python benchmarks/epoch_cost.py --data ../shared/datasets/DRIVE --mode patch --rounds 3

Each model is set up by the trainer itself (its execution plan, training defaults such as deep supervision, the
batch augmentation and its loss), then the models take turns, one epoch each, for `--rounds` rounds; the
figure is the median CPU time of a model's epochs (validation excluded). Taking turns in one process makes the
ratios fair even when other work shares the machine. Writes benchmarks/results/epoch_cost/epoch_cost.{json,md}.
SPEC.md section 6: an epoch of Mini-Net <= 2.0x UNeXt-S's, of Med-2D SegNet <= 1.0x the U-Net's.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODELS = ["mininet", "mininet_half", "mininet_lite", "unext_s", "egeunet", "unet_tiny", "med2dsegnet", "unet", "unext"]
TARGETS = [("mininet", "unext_s", 2.0), ("mininet_lite", "unext_s", 2.0), ("med2dsegnet", "unet", 1.0)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="demo")
    parser.add_argument("--mode", choices=["resize", "patch"], default="resize")
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--models", nargs="*", default=MODELS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "epoch_cost")
    args = parser.parse_args()

    import torch
    from tqdm import tqdm

    from litemedseg.config import load_config
    from litemedseg.engine.training import Trainer
    from litemedseg.utils.provenance import cpu_name, git_commit

    torch.set_num_threads(1)
    started = time.perf_counter()
    trainers = {}
    for model in args.models:
        config = load_config(None, {"model": model, "data": args.data, "input.mode": args.mode,
                                    "input.size": args.size, "batch_size": 8, "threads": 1, "progress": False,
                                    "tensorboard": False, "epochs": 1000, "output": str(args.out / "unused")})
        trainer = Trainer(config)
        trainer._setup()  # the run's own set-up, without a run folder
        trainer.best_score = float("nan")
        trainers[model] = trainer
    times: dict[str, list[float]] = {m: [] for m in trainers}
    bar = tqdm(disable=True)
    for round_ in range(1, args.rounds + 1):
        for model, trainer in trainers.items():
            before = time.process_time()
            trainer._train_epoch(round_, bar)
            times[model].append(time.process_time() - before)
    rows = {m: {"epoch_cpu_s": round(statistics.median(t), 3), "epochs": t,
                "plan": trainers[m].plan.label, "steps": trainers[m].batches.batches_per_epoch(),
                "deep_supervision": trainers[m].config.recipe.deep_supervision} for m, t in times.items()}
    verdicts = []
    for ours, theirs, limit in TARGETS:
        if ours in rows and theirs in rows:
            ratio = rows[ours]["epoch_cpu_s"] / rows[theirs]["epoch_cpu_s"]
            verdicts.append({"target": f"{ours} <= {limit}x {theirs}", "ratio": round(ratio, 2),
                             "verdict": "met" if ratio <= limit else "missed"})
    info = {"commit": git_commit(), "cpu": cpu_name(), "torch": torch.__version__, "threads": 1,
            "data": args.data, "mode": args.mode, "size": args.size, "rounds": args.rounds,
            "wall_time_s": round(time.perf_counter() - started, 1)}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "epoch_cost.json").write_text(json.dumps({"info": info, "rows": rows, "targets": verdicts},
                                                          indent=1) + "\n")
    reference = rows.get("unet", {}).get("epoch_cpu_s")
    lines = [f"{info['cpu']}, one thread, torch {info['torch']}, {args.data} ({args.mode} {args.size}x{args.size}), "
             f"batch 8, median of {args.rounds} epochs taken in turns in one process; commit {info['commit']}, "
             f"{info['wall_time_s']:.0f} s of wall time", "",
             "| model | steps per epoch | plan | CPU s per epoch | vs unet |", "|---|---|---|---|---|"]
    for model, row in rows.items():
        ratio = f"{row['epoch_cpu_s'] / reference:.2f}x" if reference else "-"
        lines.append(f"| {model} | {row['steps']} | {row['plan']}{' + deep supervision' if row['deep_supervision'] else ''} "
                     f"| {row['epoch_cpu_s']:.2f} | {ratio} |")
    lines += ["", "| target (SPEC.md section 6) | ratio | verdict |", "|---|---|---|"]
    lines += [f"| epoch of {v['target']} | {v['ratio']:.2f}x | {v['verdict']} |" for v in verdicts]
    (args.out / "epoch_cost.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
