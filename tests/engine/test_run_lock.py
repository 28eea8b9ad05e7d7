"""One run folder, one live writer: a second train, --resume or --overwrite of a live run is refused in one line
naming the holder; a holder killed with SIGKILL leaves nothing that blocks the next run."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from litemedseg.errors import ConfigError
from litemedseg.utils.atomic import remove_stale_temporaries
from litemedseg.utils.locking import folder_lock, lock_path
from tests.helpers import run_cli

ARGS = ["train", "--data", "demo", "--model", "mininet_half", "--size", "32", "--threads", "1", "--no-progress",
        "--set", "tensorboard=false", "--patience", "0"]


def test_a_held_folder_is_refused_and_names_its_holder(tmp_path):
    folder = tmp_path / "runs" / "r"
    with folder_lock(folder, "train"):
        holder = json.loads(lock_path(folder).read_text())
        assert holder["pid"] == os.getpid() and holder["command"] == "train"
        with pytest.raises(ConfigError, match=rf"r: in use by process {os.getpid()} on .*\(train, since "):
            with folder_lock(folder, "train --overwrite"):
                pass
    assert not lock_path(folder).exists()  # released and removed
    with folder_lock(folder, "train"):  # and free again
        pass
    assert not (tmp_path / "runs").exists()  # the lock made the parent for itself and removed it, empty


def test_two_trains_on_one_run_name(tmp_path):
    """The live run keeps its folder: --overwrite and --resume of it are refused with exit 1, and once it is
    killed, --resume continues it."""
    env = {**os.environ, "TQDM_DISABLE": "1"}
    live = subprocess.Popen([sys.executable, "-m", "litemedseg", *ARGS, "--epochs", "100000", "--time-budget", "1h",
                             "--output", str(tmp_path), "--name", "r"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    run_dir = tmp_path / "r"
    try:
        deadline = time.monotonic() + 240
        while not (run_dir / "train_state.pt").is_file() and live.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert live.poll() is None, live.stderr.read().decode()[-2000:]
        for extra in (["--overwrite", "--seed", "2"], ["--resume"], []):
            second = run_cli(*ARGS, "--epochs", "100000", "--time-budget", "1h", "--output", str(tmp_path),
                             "--name", "r", *extra)
            assert second.returncode == 1, second.stderr[-2000:]
            assert f"in use by process {live.pid}" in second.stderr and "Traceback" not in second.stderr
            assert len(second.stderr.strip().splitlines()) == 1
        config = json.loads((run_dir / "config.json").read_text())
        assert config["config"]["seed"] == 0  # the live run's folder was not replaced
    finally:
        live.send_signal(signal.SIGKILL)
        live.wait()
    again = run_cli(*ARGS, "--epochs", "1", "--output", str(tmp_path), "--name", "r", "--overwrite")
    assert again.returncode == 0, again.stderr[-2000:]  # the kill freed the lock: nothing blocks the next run


def test_resume_removes_what_a_killed_write_left(tmp_path, monkeypatch):
    from litemedseg.engine import train

    from .conftest import quick_config, train_interrupted

    config = quick_config(tmp_path, name="r", epochs=2, **{"input.size": 32})
    train_interrupted(config, 1, monkeypatch)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    leftovers = [tmp_path / "r" / f".train_state.tmp{dead.stdout.strip()}-abcdefgh.pt",
                 tmp_path / "r" / "last" / f".model.tmp{dead.stdout.strip()}-abcdefgh.safetensors"]
    for path in leftovers:
        path.write_bytes(b"half a file")
    train(quick_config(tmp_path, name="r", epochs=2, overwrite=False, **{"input.size": 32}), resume=True)
    assert not any(path.exists() for path in leftovers)


def test_only_dead_writers_temporaries_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    mine = tmp_path / f".model.tmp{os.getpid()}-abc.safetensors"
    gone = tmp_path / f".model.tmp{dead.stdout.strip()}-abc.safetensors"
    users = tmp_path / ".model.tmp-notes.txt"
    for path in (mine, gone, users):
        path.write_text("x")
    assert remove_stale_temporaries(tmp_path) == [gone]
    assert mine.exists() and users.exists()


def test_a_full_disk_mid_run_is_one_line_and_resume_continues(tmp_path, monkeypatch):
    """torch.save's zip writer on a full disk raises "unexpected pos"; the user gets the disk-full error, and
    --resume continues from the last whole training state."""
    import torch

    from litemedseg.engine import train
    from litemedseg.engine import training
    from litemedseg.errors import OutputError

    from .conftest import quick_config

    calls = {"n": 0}
    real_save = torch.save

    def save_then_fill_the_disk(obj, path, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("[enforce fail at inline_container.cc:595] . unexpected pos 6656 vs 6548")
        return real_save(obj, path, *args, **kwargs)

    config = quick_config(tmp_path, name="r", epochs=3, **{"input.size": 32})
    with monkeypatch.context() as patch:
        patch.setattr(training.torch, "save", save_then_fill_the_disk)
        with pytest.raises(OutputError, match=r"train_state.pt: cannot write it: the disk is full"):
            train(config)
    assert torch.load(tmp_path / "r" / "train_state.pt", weights_only=True)["epoch"] == 1
    result = train(quick_config(tmp_path, name="r", epochs=3, overwrite=False, **{"input.size": 32}), resume=True)
    assert result.epochs_run == 3 and [row["epoch"] for row in result.history] == [1, 2, 3]
