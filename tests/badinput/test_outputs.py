"""Issue 15 class 2 through the CLI: every output is published whole or not at all, a re-run never mixes old and
new files, readers check the completion manifest, and a full disk is one line naming the file (docs/errors.md)."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from litemedseg.utils.publish import MANIFEST
from tests.badinput.test_corpus import invoke
from tests.helpers import make_folder


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[Path, Path]:
    import torch

    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("outputs")
    data = make_folder(root / "data", count=4, size=(32, 32))
    code, _, err = invoke(["train", "--data", str(data), "--model", "mininet", "--epochs", "1", "--size", "32",
                           "--output", str(root / "runs"), "--name", "ref", "--no-progress",
                           "--set", "tensorboard=false"])
    assert code == 0, err[-2000:]
    return data, root / "runs" / "ref" / "best"


def _error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("warning:")]
    assert len(lines) == 1 and lines[0].startswith("error: "), err[-2000:]
    assert "Traceback" not in err
    return lines[0]


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def _full_disk(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _evaluate(weights: Path, data: Path, out: Path, *extra: str) -> tuple[int, str, str]:
    return invoke(["evaluate", "--weights", str(weights), "--data", str(data), "--split", "all", "--output", str(out),
                   "--no-progress", "--no-hd95", "--allow-overlap", *extra])  # the training images: seen on purpose


def test_re_evaluating_replaces_the_old_folder_whole(trained, tmp_path: Path):
    data, weights = trained
    out = tmp_path / "eval"
    assert _evaluate(weights, data, out)[0] == 0
    (out / "per_image.csv").write_text("image,dice\nold,1\n")  # a hand edit of the evaluation's file
    code, _, err = _evaluate(weights, data, out)
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == sorted([MANIFEST, "per_image.csv", "summary.json", "report.md"])
    assert "old," not in (out / "per_image.csv").read_text()
    assert _hidden(tmp_path) == []


def test_an_older_versions_folder_is_refused_with_the_command_to_move_it(trained, tmp_path: Path):
    """Without the manifest, names cannot tell an older evaluation from a user's notes/report.md."""
    data, weights = trained
    out = tmp_path / "notes"
    out.mkdir()
    (out / "report.md").write_text("my notes")
    code, _, err = _evaluate(weights, data, out)
    assert code == 1 and f"(mv {out} {out}.old)" in _error_line(err)
    assert (out / "report.md").read_text() == "my notes"


def test_evaluate_never_replaces_a_folder_of_other_files(trained, tmp_path: Path):
    data, weights = trained
    out = tmp_path / "results"
    out.mkdir()
    (out / "thesis.tex").write_text("mine")
    code, _, err = _evaluate(weights, data, out)
    assert code == 1 and "never replaced" in _error_line(err) and str(out) in _error_line(err)
    assert [p.name for p in out.iterdir()] == ["thesis.tex"]


def test_report_refuses_a_mixed_evaluation_folder(trained, tmp_path: Path):
    data, weights = trained
    out = tmp_path / "eval"
    assert _evaluate(weights, data, out)[0] == 0
    summary = json.loads((out / "summary.json").read_text())
    summary["trained_on"] = "another run"
    (out / "summary.json").write_text(json.dumps(summary))  # a file of another run, copied in
    code, _, err = invoke(["report", str(out), "--output", str(tmp_path / "report")])
    line = _error_line(err)
    assert code == 1 and "summary.json" in line and "changed since" in line
    assert not (tmp_path / "report").exists()


def test_evaluate_on_a_full_disk_is_one_line_and_publishes_nothing(trained, tmp_path: Path, monkeypatch):
    data, weights = trained
    monkeypatch.setattr("litemedseg.utils.atomic.os.fsync", _full_disk)
    out = tmp_path / "eval"
    code, _, err = _evaluate(weights, data, out)
    line = _error_line(err)
    assert code == 1 and "disk is full" in line and str(out) in line
    assert not out.exists() and _hidden(tmp_path) == []


def test_train_on_a_full_disk_names_the_state_file(trained, tmp_path: Path, monkeypatch):
    import torch

    data, _ = trained

    def failing_save(obj, f, *args, **kwargs):
        raise RuntimeError("[enforce fail at inline_container.cc:626] . PytorchStreamWriter failed writing file "
                           "data/0: file write failed")

    monkeypatch.setattr(torch, "save", failing_save)
    code, _, err = invoke(["train", "--data", str(data), "--model", "mininet", "--epochs", "1", "--size", "32",
                           "--output", str(tmp_path), "--name", "full", "--no-progress", "--set", "tensorboard=false"])
    line = _error_line(err)
    assert code == 1 and "train_state.pt" in line and "disk is full" in line
    assert not [p for p in (tmp_path / "full").rglob(".*")]  # no temporary files left


def test_an_interrupted_predict_leaves_no_folder_and_no_temporary_files(trained, tmp_path: Path, monkeypatch):
    data, weights = trained
    import litemedseg.runtime.files as files

    written = []
    real = files.write_png

    def interrupt_second(path, array):
        written.append(path)
        if len(written) == 2:
            raise KeyboardInterrupt
        return real(path, array)

    monkeypatch.setattr(files, "write_png", interrupt_second)
    out = tmp_path / "pred"
    code, _, err = invoke(["predict", "--weights", str(weights), "--input", str(data / "images"), "--output", str(out),
                           "--no-progress"])
    assert code == 130 and "interrupted" in err
    assert not out.exists() and _hidden(tmp_path) == []


def test_predict_replaces_its_own_folder_and_refuses_a_users(trained, tmp_path: Path):
    data, weights = trained
    out = tmp_path / "pred"
    args = ["predict", "--weights", str(weights), "--input", str(data / "images"), "--no-progress", "--output"]
    assert invoke([*args, str(out)])[0] == 0
    (out / "masks" / "stale.png").write_bytes(b"x")  # would be mixed in by an in-place rewrite
    assert invoke([*args, str(out)])[0] == 0
    assert "stale.png" not in {p.name for p in (out / "masks").iterdir()}
    assert (out / MANIFEST).is_file()
    code, _, err = invoke([*args, str(data / "images")])  # the input folder itself
    assert code == 1 and "never replaced" in _error_line(err)
    assert len(list((data / "images").iterdir())) == 4


def test_an_interrupted_export_publishes_nothing_and_keeps_the_old_pair(trained, tmp_path: Path, monkeypatch):
    _, weights = trained
    out = tmp_path / "model.onnx"
    base = ["export", "--weights", str(weights), "--output", str(out), "--no-check"]
    assert invoke(base)[0] == 0
    side = tmp_path / "model.onnx.json"
    before = (out.read_bytes(), side.read_text())
    import litemedseg.export.api as api

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(api, "parity_report", interrupted)  # after the file is written, before it is checked
    code, _, err = invoke(base)
    assert code == 130
    assert (out.read_bytes(), side.read_text()) == before and _hidden(tmp_path) == []


def test_an_export_sidecar_names_its_file_and_a_foreign_one_is_refused(trained, tmp_path: Path):
    from litemedseg.errors import WeightsError
    from litemedseg.runtime.metadata import read_sidecar
    from litemedseg.utils.hashing import file_sha256

    _, weights = trained
    out = tmp_path / "model.onnx"
    assert invoke(["export", "--weights", str(weights), "--output", str(out), "--no-check"])[0] == 0
    side = json.loads((tmp_path / "model.onnx.json").read_text())
    assert side["file_sha256"] == file_sha256(out)
    out.write_bytes(out.read_bytes() + b"\0")  # another file beside this sidecar
    with pytest.raises(WeightsError, match="describes another file"):
        read_sidecar(out)
