"""A run killed with SIGKILL mid-epoch resumes to the same weights as an uninterrupted run (CPU, deterministic)."""

import csv
import os
import signal
import subprocess
import sys
import time

import torch
from safetensors.torch import load_file

from tests.helpers import run_cli

# the half-resolution Mini-Net: a quarter of the compute, and crash safety does not depend on the network
ARGS = ["train", "--data", "demo", "--model", "mininet_half", "--epochs", "5", "--size", "96", "--deterministic",
        "--threads", "2", "--no-progress", "--set", "tensorboard=false", "--set", "lr=0.003"]


def epochs_logged(run_dir) -> int:
    path = run_dir / "metrics.csv"
    return len(list(csv.DictReader(open(path)))) if path.is_file() else 0


def test_sigkill_mid_epoch_then_resume_matches_uninterrupted(tmp_path):
    full = run_cli(*ARGS, "--output", str(tmp_path), "--name", "full")
    assert full.returncode == 0, full.stderr[-2000:]

    cut = tmp_path / "cut"
    proc = subprocess.Popen([sys.executable, "-m", "litemedseg", *ARGS, "--output", str(tmp_path), "--name", "cut"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "TQDM_DISABLE": "1"})
    deadline = time.monotonic() + 300
    while epochs_logged(cut) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # into epoch 3
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "training finished before it could be killed"
    saved_epoch = torch.load(cut / "train_state.pt", weights_only=True)["epoch"]
    assert saved_epoch >= 2  # at most the epoch in progress was lost
    assert not list(cut.rglob("*.tmp")) or all(p.name.startswith(".") for p in cut.rglob("*.tmp"))

    resumed = run_cli(*ARGS, "--output", str(tmp_path), "--name", "cut", "--resume")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert [int(r["epoch"]) for r in csv.DictReader(open(cut / "metrics.csv"))] == [1, 2, 3, 4, 5]
    a = load_file(tmp_path / "full" / "last" / "model.safetensors")
    b = load_file(cut / "last" / "model.safetensors")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
