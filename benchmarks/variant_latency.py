"""Design exploration: ONNX Runtime CPU latency of architecture variants against the MONAI U-Net, one run.

    python benchmarks/variant_latency.py                 # the variants docs/models.md cites
    python benchmarks/variant_latency.py "mininet:stem_stride=1" "med2dsegnet:act='gelu'"

Batch 1, 3x256x256, fp32, intra-op threads 2 (set --threads), median of --runs runs after 10 warm-ups.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

import litemedseg
from litemedseg.export.onnx import export_onnx, onnx_session
from litemedseg.utils.provenance import git_commit, hardware
from litemedseg.utils.stats import count_parameters

CITED = [
    "med2dsegnet:",
    "med2dsegnet:act='gelu',depths=(1,1,1,1),decoder_depths=(1,1,1),widths=(32,64,128,192),se_reduction=8",
    "med2dsegnet:act='relu',depths=(1,1,1,1),decoder_depths=(1,1,1),widths=(32,64,128,192),se_reduction=8",
    "med2dsegnet:depths=(1,1,1,1),se_reduction=16",
    "med2dsegnet:depths=(0,1,1,1),se_reduction=16",
    "mininet:",
    "mininet:stem_stride=1",
    "mininet:widths=(16,24,32,40)",
    "mininet:widths=(12,20,32,48)",
]


def latency_ms(model: torch.nn.Module, runs: int, threads: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        path = export_onnx(model, Path(tmp) / "m.onnx")
        session = onnx_session(path, threads)
        x = np.random.default_rng(0).standard_normal((1, 3, 256, 256)).astype(np.float32)
        for _ in range(10):
            session.run(None, {"image": x})
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            session.run(None, {"image": x})
            times.append(time.perf_counter() - start)
    return float(np.median(times) * 1e3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("variants", nargs="*", help="model:kw=value,... (default: the cited variants)")
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    base = latency_ms(litemedseg.create_model("unet"), args.runs, args.threads)
    print(f"# {hardware()['cpu']}, {args.threads} threads, commit {git_commit()}")
    print(f"{'variant':100s} {'params':>10s} {'ms':>7s} {'x U-Net':>8s}")
    print(f"{'unet':100s} {count_parameters(litemedseg.create_model('unet')):>10,d} {base:7.2f} {1.0:8.3f}")
    for spec in args.variants or CITED:
        name, _, kw = spec.partition(":")
        kwargs = eval(f"dict({kw})")  # noqa: S307  (a developer's own command line)
        model = litemedseg.create_model(name, **kwargs)
        ms = latency_ms(model, args.runs, args.threads)
        print(f"{spec:100s} {count_parameters(model):>10,d} {ms:7.2f} {ms / base:8.3f}", flush=True)
    print(f"# wall time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
