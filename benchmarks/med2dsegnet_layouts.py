"""Latency and training speed of candidate Med-2D SegNet layouts beside the MONAI U-Net (one run).

    python benchmarks/med2dsegnet_layouts.py --out benchmarks/results/med2dsegnet_layouts.json

Each candidate stays inside the design document (Med Blocks with x6 expansion, 7x7 depthwise, GAP gate; stages
at 1/2..1/16; additive decoder) and within 2.07 M +- 3 %. Printed: parameters, GMACs at 256, ONNX Runtime batch-1
latency at 3x256x256 and training img/s (batch 8, 128x128, the trainer's fastest plan), each as a ratio to the
U-Net of the same run. Accuracy of the chosen layouts is measured separately (benchmarks/layout_accuracy.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
import efficiency  # noqa: E402

import litemedseg  # noqa: E402
from litemedseg.utils.provenance import git_commit, hardware  # noqa: E402
from litemedseg.utils.stats import count_macs, count_parameters  # noqa: E402

CANDIDATES: dict[str, dict] = {
    "v1 (32,64,128,256) enc (0,1,1,1) dec (1,1,0)": {},
    "(32,64,144,256) enc (0,0,1,1) dec (1,0,0)": dict(widths=(32, 64, 144, 256), depths=(0, 0, 1, 1),
                                                   decoder_depths=(1, 0, 0)),
    "(32,64,128,272) enc (0,0,1,1) dec (1,0,0)": dict(widths=(32, 64, 128, 272), depths=(0, 0, 1, 1),
                                                   decoder_depths=(1, 0, 0)),
    "(32,64,112,288) enc (0,0,1,1) dec (1,0,0)": dict(widths=(32, 64, 112, 288), depths=(0, 0, 1, 1),
                                                   decoder_depths=(1, 0, 0)),
    "(32,64,96,304) enc (0,0,1,1) dec (1,0,0)": dict(widths=(32, 64, 96, 304), depths=(0, 0, 1, 1),
                                                  decoder_depths=(1, 0, 0)),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--train-steps", type=int, default=6)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    started = time.perf_counter()
    rows = {}
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        for label, kwargs in {"unet": None, **CANDIDATES}.items():
            name = "unet" if kwargs is None else "med2dsegnet"
            model = litemedseg.create_model(name, **(kwargs or {})).eval()
            onnx = efficiency.onnx_latency(model, Path(tmp) / "m.onnx", args.runs, args.threads)
            train = efficiency.train_rate(model, name, args.threads, torch.device("cpu"), args.train_steps, 128)
            rows[label] = {"kwargs": kwargs, "params": count_parameters(model),
                           "gmacs_256": count_macs(model, 3, 256, 256) / 1e9, "onnx_ms": onnx, "train128": train}
            print(f"measured {label}", file=sys.stderr, flush=True)
    base = rows["unet"]
    print(f"CPU {hardware(None)['cpu']}, {args.threads} threads, commit {git_commit()}")
    print("| layout | params | GMACs 256 | ORT b1 ms (x U-Net) | train img/s b8 128 (x U-Net) |\n|---|---|---|---|---|")
    for label, r in rows.items():
        print(f"| {label} | {r['params']:,} | {r['gmacs_256']:.3f} | {r['onnx_ms']:.2f} ({r['onnx_ms'] / base['onnx_ms']:.2f}x)"
              f" | {r['train128']['img_per_s']:.1f} ({r['train128']['img_per_s'] / base['train128']['img_per_s']:.2f}x,"
              f" {r['train128']['plan']}) |")
    wall = round(time.perf_counter() - started, 1)
    print(f"wall time {wall} s")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"commit": git_commit(), "hardware": hardware(None), "wall_time_s": wall,
                                        "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
