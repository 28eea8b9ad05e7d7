"""Output folders published whole (litemedseg.utils.publish): staging, replacement rules, manifests, disk full."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from litemedseg.errors import OutputError
from litemedseg.utils.atomic import atomic_open, atomic_path, staged_files
from litemedseg.utils.publish import (
    EVALUATION,
    MANIFEST,
    PREDICTION,
    check_output_folder,
    publish_folder,
    read_manifest,
)


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def test_a_published_folder_appears_whole_with_a_manifest(tmp_path: Path):
    target = tmp_path / "eval"
    with publish_folder(target, EVALUATION) as staging:
        (staging / "summary.json").write_text("{}")
        assert not target.exists()  # nothing is visible until the end
    assert sorted(p.name for p in target.iterdir()) == [MANIFEST, "summary.json"]
    manifest = read_manifest(target, EVALUATION)
    assert manifest["complete"] is True and set(manifest["files"]) == {"summary.json"}
    assert _leftovers(tmp_path) == []


def test_a_failure_publishes_nothing_and_keeps_the_old_folder(tmp_path: Path):
    target = tmp_path / "eval"
    with publish_folder(target, EVALUATION) as staging:
        (staging / "summary.json").write_text("old")
    for error in (RuntimeError("boom"), KeyboardInterrupt()):
        with pytest.raises(type(error)), publish_folder(target, EVALUATION) as staging:
            (staging / "summary.json").write_text("new")
            raise error
        assert (target / "summary.json").read_text() == "old"
        assert _leftovers(tmp_path) == []


def test_rerunning_replaces_the_old_folder_instead_of_mixing(tmp_path: Path):
    target = tmp_path / "masks-out"
    with publish_folder(target, PREDICTION) as staging:
        (staging / "masks").mkdir()
        (staging / "masks" / "a.png").write_bytes(b"1")
        (staging / "masks" / "b.png").write_bytes(b"1")
    with publish_folder(target, PREDICTION) as staging:
        (staging / "masks").mkdir()
        (staging / "masks" / "c.png").write_bytes(b"2")
    assert sorted(p.name for p in (target / "masks").iterdir()) == ["c.png"]


@pytest.mark.parametrize("content", ["notes.txt", "masks-and-notes"])
def test_a_folder_with_a_users_files_is_never_replaced(tmp_path: Path, content: str):
    target = tmp_path / "out"
    (target / "masks").mkdir(parents=True)
    if content == "notes.txt":
        (target / "notes.txt").write_text("mine")
    else:
        (target / "thesis.docx").write_text("mine")
    with pytest.raises(OutputError, match=r"files without its litemedseg-output.json, so `litemedseg predict` "
                                          r"never replaced it; .*move this one aside first \(mv .*out .*out.old\)"):
        with publish_folder(target, PREDICTION):
            pytest.fail("must refuse before yielding")
    assert len(list(target.iterdir())) == 2


def test_a_folder_of_another_kind_is_not_replaced(tmp_path: Path):
    target = tmp_path / "out"
    with publish_folder(target, PREDICTION) as staging:
        (staging / "masks").mkdir()
    with pytest.raises(OutputError, match="never replaced"):
        check_output_folder(target, EVALUATION)


@pytest.mark.parametrize(("kind", "names"), [(EVALUATION, ["report.md"]), (PREDICTION, ["masks/a.png"]),
                                              (EVALUATION, ["per_image.csv", "summary.json", "report.md"])])
def test_a_folder_without_a_manifest_is_refused_whatever_its_names(tmp_path: Path, kind, names):
    """`predict --output gt` where gt/ holds only the user's masks/, or `evaluate --output notes` where notes/
    holds only a report.md: names alone cannot tell a user's files from an older version's output."""
    target = tmp_path / "out"
    for name in names:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_text("the user's")
    with pytest.raises(OutputError, match=r"mv .*out .*out\.old"):
        with publish_folder(target, kind):
            pytest.fail("must refuse before yielding")
    assert all((target / name).read_text() == "the user's" for name in names)


@pytest.mark.parametrize("change", ["added", "removed", "edited"])
def test_the_manifest_catches_mixed_or_changed_folders(tmp_path: Path, change: str):
    target = tmp_path / "eval"
    with publish_folder(target, EVALUATION) as staging:
        (staging / "summary.json").write_text("{}")
        (staging / "per_image.csv").write_text("image\n")
    if change == "added":
        (target / "report.md").write_text("from another run")
        expected = "not written by"
    elif change == "removed":
        (target / "per_image.csv").unlink()
        expected = "missing"
    else:
        (target / "summary.json").write_text('{"edited": 1}')
        expected = "changed since"
    with pytest.raises(OutputError, match=expected):
        read_manifest(target, EVALUATION)


def test_staging_of_a_killed_run_is_cleaned_up_by_the_next(tmp_path: Path):
    target = tmp_path / "out"
    # a real process that dies (SIGKILL) while its staging folder exists
    code = ("import os, sys; from litemedseg.utils.publish import publish_folder, PREDICTION\n"
            f"with publish_folder({str(target)!r}, PREDICTION) as s:\n"
            "    (s / 'masks').mkdir(); os.kill(os.getpid(), 9)\n")
    subprocess.run([sys.executable, "-c", code], check=False)
    assert not target.exists() and len(_leftovers(tmp_path)) == 1
    with publish_folder(target, PREDICTION) as staging:
        (staging / "masks").mkdir()
    assert _leftovers(tmp_path) == []


def _full_disk(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_names_the_file_and_says_so(tmp_path: Path, monkeypatch):
    (tmp_path / "state.pt").write_text("old")
    monkeypatch.setattr("litemedseg.utils.atomic.os.fsync", _full_disk)
    with pytest.raises(OutputError) as caught, atomic_open(tmp_path / "state.pt", "w") as handle:
        handle.write("new")
    message = str(caught.value)
    assert str(tmp_path / "state.pt") in message and "disk is full" in message and "MB free" in message
    assert (tmp_path / "state.pt").read_text() == "old" and _leftovers(tmp_path) == []


def test_a_library_reporting_a_failed_write_in_its_own_words_is_a_full_disk(tmp_path: Path):
    torch_words = RuntimeError("[enforce fail at inline_container.cc:626] . PytorchStreamWriter failed writing "
                               "file data/0: file write failed")
    with pytest.raises(OutputError, match="train_state.pt: cannot write it: the disk is full"):
        with atomic_path(tmp_path / "train_state.pt"):
            raise torch_words
    with pytest.raises(RuntimeError, match="unrelated"), atomic_path(tmp_path / "x.pt"):
        raise RuntimeError("unrelated")


def test_a_full_disk_while_staging_a_folder_names_the_output(tmp_path: Path):
    target = tmp_path / "eval"
    with pytest.raises(OutputError, match=f"{target}: cannot write it: the disk is full"):
        with publish_folder(target, EVALUATION):
            _full_disk()
    assert not target.exists() and _leftovers(tmp_path) == []


def test_staged_files_publish_the_last_one_last_and_remove_old_ones(tmp_path: Path):
    model, side = tmp_path / "m.onnx", tmp_path / "m.onnx.json"
    model.write_text("old model")
    side.write_text("old sidecar")
    with pytest.raises(KeyboardInterrupt), staged_files(model, side) as (staged_model, staged_side):
        staged_model.write_text("new model")
        raise KeyboardInterrupt
    assert model.read_text() == "old model" and side.read_text() == "old sidecar"
    with staged_files(model, side) as (staged_model, staged_side):
        staged_model.write_text("new model")
        staged_side.write_text("new sidecar")
        assert model.read_text() == "old model"
    assert model.read_text() == "new model" and side.read_text() == "new sidecar"
    assert _leftovers(tmp_path) == []
