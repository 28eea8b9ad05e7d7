"""CPU training step with and without the grouped depthwise weight gradient (models/layers.py), one run.

    python benchmarks/depthwise_grad.py                  # mininet, mininet_half, med2dsegnet; writes results/
    python benchmarks/depthwise_grad.py --models mininet --repeats 3

Three policies for the stride-1 depthwise layers, timed in the same process, interleaved, on CPU seconds
(time.process_time, so other jobs on the machine change little): "grouped" uses the grouped-convolution weight
gradient for every kernel size (litemedseg before 2026-12-07), "shipped" uses it from
GROUPED_WEIGHT_GRAD_MIN_KERNEL up (what litemedseg does now), "native" never (PyTorch's own kernel). One step:
forward, BCE loss, backward and an SGD update, batch 8, 3x128x128, channels_last (the plan the trainer picks for
these models on CPU), one thread by default. Prints and writes the best of --repeats blocks of --steps steps per
policy and the ratio to "grouped"; also checks that every policy gives the same gradients.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
import torch.nn.functional as F

import litemedseg
from litemedseg.models import layers
from litemedseg.utils.provenance import git_commit, hardware

HERE = Path(__file__).resolve().parent
POLICIES = {"grouped": 1, "shipped": layers.GROUPED_WEIGHT_GRAD_MIN_KERNEL, "native": 10**9}


def _gradients(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    model.zero_grad()
    F.binary_cross_entropy_with_logits(model(x), y).backward()
    return torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None])


def step_seconds(name: str, steps: int, repeats: int, size: int = 128, batch: int = 8) -> dict[str, object]:
    """Best CPU seconds per training step under each policy, and the largest gradient difference between them."""
    torch.manual_seed(0)
    model = litemedseg.create_model(name).train().to(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-9)
    x = torch.randn(batch, 3, size, size).contiguous(memory_format=torch.channels_last)
    y = (torch.rand(batch, 1, size, size) > 0.5).float()
    reference, worst, best = None, 0.0, {p: float("inf") for p in POLICIES}
    try:
        for policy, min_kernel in POLICIES.items():
            layers.GROUPED_WEIGHT_GRAD_MIN_KERNEL = min_kernel
            grads = _gradients(model, x, y)
            reference = grads if reference is None else reference
            worst = max(worst, float((grads - reference).abs().max() / reference.abs().max()))
        for _ in range(repeats):
            for policy, min_kernel in POLICIES.items():
                layers.GROUPED_WEIGHT_GRAD_MIN_KERNEL = min_kernel
                _gradients(model, x, y)
                optimizer.step()
                start = time.process_time()
                for _ in range(steps):
                    _gradients(model, x, y)
                    optimizer.step()
                best[policy] = min(best[policy], (time.process_time() - start) / steps)
    finally:
        layers.GROUPED_WEIGHT_GRAD_MIN_KERNEL = POLICIES["shipped"]
    return {"model": name, "cpu_s_per_step": {p: round(s, 4) for p, s in best.items()},
            "vs_grouped": {p: round(s / best["grouped"], 3) for p, s in best.items()},
            "max_relative_gradient_difference": worst}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["mininet", "mininet_half", "med2dsegnet"])
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "depthwise_grad")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    rows = [step_seconds(name, args.steps, args.repeats) for name in args.models]
    header = (f"CPU seconds per training step (batch 8, 3x128x128, channels_last, {args.threads} thread(s)), best of "
              f"{args.repeats} x {args.steps} steps; ratio to 'grouped'. {hardware()['cpu']}, commit {git_commit()}, "
              f"wall time {time.perf_counter() - started:.0f} s.")
    lines = ["| model | grouped (before) | shipped (min kernel " + str(POLICIES["shipped"]) + ") | native | "
             "shipped / grouped | native / grouped | max gradient difference |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        s, v = r["cpu_s_per_step"], r["vs_grouped"]
        lines.append(f"| {r['model']} | {s['grouped']:.4f} | {s['shipped']:.4f} | {s['native']:.4f} | "
                     f"{v['shipped']:.3f} | {v['native']:.3f} | {r['max_relative_gradient_difference']:.1e} |")
    text = "\n".join(lines + ["", header]) + "\n"
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "table.md").write_text(text)
    (args.out / "results.json").write_text(json.dumps(
        {"rows": rows, "threads": args.threads, "hardware": hardware(), "commit": git_commit(),
         "wall_time_s": round(time.perf_counter() - started, 1)}, indent=2) + "\n")


if __name__ == "__main__":
    main()
