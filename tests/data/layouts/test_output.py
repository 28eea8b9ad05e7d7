"""The output folder is written whole or not at all, and never over the input."""

import pytest

from litemedseg.data.layouts.output import check_paths, staged_folder
from litemedseg.errors import DataError


def test_staged_folder_appears_only_on_success(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(RuntimeError):
        with staged_folder(out) as staging:
            (staging / "half.png").write_bytes(b"x")
            raise RuntimeError("conversion failed")
    assert not out.exists() and list(tmp_path.iterdir()) == []
    with staged_folder(out) as staging:
        (staging / "a.txt").write_text("a")
    assert (out / "a.txt").read_text() == "a" and sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_non_empty_output_needs_overwrite_and_is_replaced_whole(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("old")
    with pytest.raises(DataError, match="folder exists and is not empty \\(pass --overwrite"):
        with staged_folder(out):
            pass
    with pytest.raises(RuntimeError):  # a failed overwrite keeps the old folder
        with staged_folder(out, overwrite=True):
            raise RuntimeError
    assert (out / "old.txt").exists()
    with staged_folder(out, overwrite=True) as staging:
        (staging / "new.txt").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_empty_existing_output_is_used(tmp_path):
    (tmp_path / "out").mkdir()
    with staged_folder(tmp_path / "out") as staging:
        (staging / "a").write_text("")
    assert (tmp_path / "out" / "a").exists()


@pytest.mark.parametrize("output", [".", "inside", ".."])
def test_output_may_not_be_inside_or_around_the_input(tmp_path, output):
    source = tmp_path / "data"
    source.mkdir()
    with pytest.raises(DataError, match="must lie outside the input folder"):
        check_paths(source, source / output)
