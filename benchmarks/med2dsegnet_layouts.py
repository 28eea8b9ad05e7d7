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
    "v1 (32,64,128,256) enc (0,1,1,1) dec (1,1,0)": dict(widths=(32, 64, 128, 256), depths=(0, 1, 1, 1),
                                                      decoder_depths=(1, 1, 0)),
    "(32,64,144,256) enc (0,0,1,1) dec (1,0,0)": dict(widths=(32, 64, 144, 256), depths=(0, 0, 1, 1),
                                                   decoder_depths=(1, 0, 0)),
    "(32,64,128,272) enc (0,0,1,1) dec (1,0,0)": dict(widths=(32, 64, 128, 272), depths=(0, 0, 1, 1),
                                                   decoder_depths=(1, 0, 0)),
    "(32,64,112,288) enc (0,0,1,1) dec (1,0,0)": dict(widths=(32, 64, 112, 288), depths=(0, 0, 1, 1),
                                                   decoder_depths=(1, 0, 0)),
    "(32,64,96,304) enc (0,0,1,1) dec (1,0,0)": dict(widths=(32, 64, 96, 304), depths=(0, 0, 1, 1),
                                                  decoder_depths=(1, 0, 0)),
    # one Med Block back at 1/4 (decoder or encoder), after the faster layout lost Dice on Kvasir-SEG
    "(32,64,96,296) enc (0,0,1,1) dec (1,1,0)": dict(widths=(32, 64, 96, 296), depths=(0, 0, 1, 1),
                                                  decoder_depths=(1, 1, 0)),
    "(32,64,128,264) enc (0,1,1,1) dec (1,0,0)": dict(widths=(32, 64, 128, 264), depths=(0, 1, 1, 1),
                                                   decoder_depths=(1, 0, 0)),
}


def table(record: dict) -> str:
    """The markdown table of one run's record (what --out writes as JSON)."""
    rows = record["rows"]
    base = rows["unet"]
    lines = [f"CPU {record['hardware']['cpu']}, {record['hardware'].get('torch_threads', '?')} threads, "
             f"commit {record['commit']}, wall time {record['wall_time_s']} s",
             "", "| layout | params | GMACs 256 | ORT b1 ms (x U-Net) | train img/s b8 128 (x U-Net, plan) |",
             "|---|---|---|---|---|"]
    for label, r in rows.items():
        onnx, train = r["onnx_ms"], r["train128"]
        lines.append(f"| {label} | {r['params']:,} | {r['gmacs_256']:.3f} | {onnx:.2f} ({onnx / base['onnx_ms']:.2f}x) | "
                     f"{train['img_per_s']:.1f} ({train['img_per_s'] / base['train128']['img_per_s']:.2f}x, "
                     f"{train['plan']}) |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--train-steps", type=int, default=6)
    parser.add_argument("--out", type=Path, help="JSON record; the table goes beside it as .md")
    parser.add_argument("--table-only", action="store_true", help="Rewrite the .md from the --out JSON, measure nothing.")
    args = parser.parse_args()
    if args.table_only:
        args.out.with_suffix(".md").write_text(table(json.loads(args.out.read_text())))
        return
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
    record = {"commit": git_commit(), "hardware": hardware(None), "wall_time_s": round(time.perf_counter() - started, 1),
              "rows": rows}
    print(table(record), end="")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(record, indent=1))
        args.out.with_suffix(".md").write_text(table(record))


if __name__ == "__main__":
    main()
