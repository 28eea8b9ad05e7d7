import os
import stat

import pytest

from litemedseg.utils.atomic import atomic_open, atomic_path, write_json_atomic


def test_atomic_write_has_normal_permissions(tmp_path):
    path = tmp_path / "sub" / "out.json"
    write_json_atomic(path, {"a": 1})
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
    assert path.read_text().strip().startswith("{")


def test_failed_write_leaves_nothing(tmp_path):
    target = tmp_path / "x.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_open(target, "wb") as handle:
            handle.write(b"half")
            raise RuntimeError("crash mid-write")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.bin"]
    with pytest.raises(RuntimeError):
        with atomic_path(tmp_path / "y.onnx") as tmp:
            tmp.write_bytes(b"partial")
            raise RuntimeError("exporter failed")
    assert not (tmp_path / "y.onnx").exists() and len(list(tmp_path.iterdir())) == 1
