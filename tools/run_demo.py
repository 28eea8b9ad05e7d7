"""`make demo`: train, evaluate and predict with the litemedseg CLI, then say how long it took and what it scored.

    python tools/run_demo.py                      # the embedded DSB2018-mini nuclei set
    python tools/run_demo.py --data ../shared/datasets/DSB2018

Each step is the command a user would type (printed before it runs). The last line gives the wall time, the CPU
time of the three commands (user + system, all threads) and the test score from the evaluation's summary.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO_IMAGES = ROOT / "src" / "litemedseg" / "data" / "demo" / "dsb2018_mini" / "images"


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="demo", help='dataset folder, or "demo" (the embedded set)')
    parser.add_argument("--output", default="demo_output")
    args = parser.parse_args()
    images = DEMO_IMAGES if args.data == "demo" else Path(args.data) / "images"
    out = Path(args.output)
    cli = [sys.executable, "-m", "litemedseg"]
    steps = [
        ("train Mini-Net (half resolution) for a CPU-time budget", [
            "train", "--config", str(ROOT / "configs" / "demo.yaml"), "--data", args.data, "--output", str(out),
            "--name", "run", "--overwrite"]),
        ("evaluate it on the test split", [
            "evaluate", "--weights", str(out / "run" / "best"), "--data", args.data, "--split", "test",
            "--output", str(out / "evaluation")]),
        ("predict masks for the images", [
            "predict", "--weights", str(out / "run" / "best"), "--input", str(images), "--output",
            str(out / "predictions"), "--overlay"]),
    ]
    started, cpu_before = time.perf_counter(), _children_cpu_s()
    for number, (what, command) in enumerate(steps, 1):
        print(f"== {number}/{len(steps)} {what}: litemedseg {shlex.join(command)}", flush=True)
        if subprocess.run([*cli, *command]).returncode != 0:
            return 1
    wall, cpu = time.perf_counter() - started, _children_cpu_s() - cpu_before
    summary = json.loads((out / "evaluation" / "summary.json").read_text())
    headline = summary["headline"]
    from litemedseg.utils.provenance import cpu_name

    print(f"demo done in {wall:.0f} s of wall time and {cpu:.0f} s of CPU time ({cpu_name()}); test "
          f"{headline['metric']} {headline['value']:.4f} on {summary['num_images']} images. Outputs: {out}/run "
          f"(checkpoints, metrics.csv), {out}/evaluation (report.md), {out}/predictions", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
