"""torchrun with 2 CPU processes (gloo) trains like one process and logs what one process would score."""

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from litemedseg.engine import evaluate

ARGS = ["train", "--data", "demo", "--model", "mininet", "--epochs", "6", "--size", "64", "--no-progress",
        "--set", "tensorboard=false", "--set", "lr=0.003", "--threads", "1"]


def torchrun() -> str:
    path = shutil.which("torchrun") or str(Path(sys.executable).with_name("torchrun"))
    if not Path(path).exists():
        pytest.skip("torchrun not found next to the Python interpreter")
    return path


def test_ddp_two_cpu_processes(tmp_path):
    env = {**os.environ, "TQDM_DISABLE": "1", "OMP_NUM_THREADS": "1"}
    ddp = subprocess.run([torchrun(), "--nproc_per_node=2", "-m", "litemedseg", *ARGS, "--output", str(tmp_path),
                          "--name", "ddp"], capture_output=True, text=True, env=env, timeout=600)
    assert ddp.returncode == 0, ddp.stderr[-3000:]
    assert ddp.stdout.count("best validation") == 1  # rank 0 reports, rank 1 stays quiet
    single = subprocess.run([sys.executable, "-m", "litemedseg", *ARGS, "--output", str(tmp_path), "--name", "one"],
                            capture_output=True, text=True, env=env, timeout=600)
    assert single.returncode == 0, single.stderr[-3000:]

    rows = {name: list(csv.DictReader(open(tmp_path / name / "metrics.csv"))) for name in ("ddp", "one")}
    assert [r["epoch"] for r in rows["ddp"]] == [str(e) for e in range(1, 7)]
    best = {name: max(float(r["val_score"]) for r in rs) for name, rs in rows.items()}
    # Same data order and global batch; on CPU BatchNorm statistics and the batch-pooled Dice are per process,
    # so the runs agree closely rather than bit for bit.
    assert best["ddp"] > 0.4 and best["one"] > 0.4, best
    assert abs(best["ddp"] - best["one"]) < 0.1, best
    # What rank 0 logged is what a single process scores with the saved weights.
    rescored = evaluate(tmp_path / "ddp" / "best", "demo", "val", with_hd95=False, progress=False)
    assert rescored.summary["headline"]["value"] == pytest.approx(best["ddp"], abs=1e-5)
