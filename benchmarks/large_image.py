"""CPU time of `litemedseg predict --weights mininet:drive` on one 3504x2336 fundus image, start-up included.

    python benchmarks/large_image.py [--threads 1] [--repeats 3]

The image is the first DRIVE test image ($LITEMEDSEG_DATA/DRIVE) resized to 3504x2336, the size of a modern
fundus camera's output. Each repeat runs the whole command in a fresh process; its CPU time is the user + system
time of that process (resource.getrusage). SPEC.md section 6 target: at most 20 CPU-seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "large_image")
    args = parser.parse_args()
    from PIL import Image

    from litemedseg.utils.provenance import cpu_name, git_commit

    data = Path(os.environ.get("LITEMEDSEG_DATA", HERE.parents[1] / "shared" / "datasets")) / "DRIVE" / "images"
    source = sorted(p for p in data.iterdir() if "test" in p.stem)[0]
    work = Path(tempfile.mkdtemp(prefix="litemedseg-large-"))
    (work / "in").mkdir()
    Image.open(source).convert("RGB").resize((3504, 2336), Image.BILINEAR).save(work / "in" / "fundus.png")
    runs = []
    for repeat in range(args.repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "litemedseg", "predict", "--weights", "mininet:drive", "--input",
                        str(work / "in"), "--output", str(work / f"out{repeat}"), "--threads", str(args.threads),
                        "--no-progress"], check=True, capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        runs.append({"cpu_s": round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 2),
                     "wall_s": round(time.perf_counter() - started, 2)})
    cpu = [r["cpu_s"] for r in runs]
    result = {"commit": git_commit(), "cpu": cpu_name(), "threads": args.threads, "image": f"{source.name} at 3504x2336",
              "runs": runs, "median_cpu_s": statistics.median(cpu), "target_cpu_s": 20,
              "verdict": "met" if statistics.median(cpu) <= 20 else "missed"}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"large_image_threads{args.threads}.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
