"""Export report: sizes, logit parity and test Dice of every export format against PyTorch fp32, one run.

    python benchmarks/export_report.py                          # trains Mini-Net briefly on the demo set first
    python benchmarks/export_report.py --model med2dsegnet --epochs 5
    python benchmarks/export_report.py --weights runs/x/best [--data DIR]

Exports ONNX fp32, ONNX INT8 (static, QDQ, calibrated on training images), ONNX FP16 and TorchScript with
``litemedseg.export.export_model`` and prints its reports as one Markdown table, with the hardware, versions,
commit and wall time. The numbers in docs/deploy.md come from this script.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import onnxruntime
import torch

from litemedseg.export import export_model
from litemedseg.utils.provenance import cpu_name, git_commit

EXPORTS = [("onnx", {}), ("onnx", {"int8": True}), ("onnx", {"fp16": True}), ("torchscript", {})]


def train_checkpoint(model: str, epochs: int, size: int, output: Path) -> Path:
    from litemedseg.config import load_config
    from litemedseg.engine import train

    run = train(load_config(None, {"model": model, "data": "demo", "epochs": epochs, "input.size": size,
                                   "output": str(output), "name": "export-report", "progress": False,
                                   "tensorboard": False, "overwrite": True}))
    return run.run_dir / "best"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", help="checkpoint to export (default: train one on the demo set)")
    parser.add_argument("--data", help="dataset for calibration and the check (default: the checkpoint's)")
    parser.add_argument("--model", default="mininet")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--size", type=int, default=96)
    parser.add_argument("--calibration-images", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1,
                        help="PyTorch threads (default 1: these figures are sizes and accuracy, not speed)")
    parser.add_argument("--output", help="folder for the checkpoint and exports (default: a temporary one)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="export-report-") as tmp:
        out = Path(args.output or tmp)
        weights = Path(args.weights) if args.weights else train_checkpoint(args.model, args.epochs, args.size, out)
        trained_s = time.perf_counter() - started
        rows = []
        for fmt, options in EXPORTS:
            result = export_model(weights, fmt, out / "exports", data=args.data,
                                  calibration_images=args.calibration_images, **options)
            rows.append((result, result.wall_time_s))
        meta = rows[0][0].metadata
    print(f"# Export report: {meta['model']['name']}, input {meta['input']['mode']} "
          f"{'x'.join(map(str, meta['input']['size']))}, trained on {meta['source']['dataset']['name']}"
          + (f" ({args.epochs} epochs here)" if not args.weights else ""))
    print()
    first = rows[0][0].report
    print(f"{first.headline_metric} on the {first.split} split ({first.num_images} images, original resolution); "
          f"max/mean |diff| of raw logits vs PyTorch fp32 on {first.diff_inputs}.")
    print()
    print("| format | precision | file (KiB) | max abs diff | mean abs diff | Dice PyTorch | Dice export | drop | "
          "mask agreement | export + check (s) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for result, seconds in rows:
        r = result.report
        print(f"| {r.format} | {r.precision} | {r.size_bytes / 1024:.1f} | {r.max_abs_diff:.2e} | "
              f"{r.mean_abs_diff:.2e} | {r.dice_torch:.4f} | {r.dice_export:.4f} | {r.dice_drop:+.4f} | "
              f"{100 * r.mask_agreement:.3f} % | {seconds:.1f} |")
    print()
    print(f"checkpoint weights (safetensors): {first.source_size_bytes / 1024:.1f} KiB")
    print(f"hardware: {cpu_name()} ({os.cpu_count()} cores), {torch.get_num_threads()} PyTorch threads; "
          f"python {platform.python_version()}, "
          f"torch {torch.__version__}, onnxruntime {onnxruntime.__version__}; commit {git_commit()}")
    print(f"wall time: {time.perf_counter() - started:.1f} s (training {trained_s:.1f} s)")


if __name__ == "__main__":
    main()
