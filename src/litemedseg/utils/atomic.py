"""Atomic file output: write beside the target, then rename, so readers never see half a file.

A write that fails because the disk is full (or the quota is spent) becomes an ``OutputError`` naming the file
the user asked for, not the temporary one, and saying the disk is full; the old file, if any, is left as it was.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from litemedseg.errors import OutputError

_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
# libraries that write by file name and report a failed write in their own words (torch.save's zip writer)
_FULL_WORDS = ("no space left", "file write failed", "disk quota", "failed writing file", "os error 28",
               "unexpected pos")  # torch.save's zip writer on a full disk: "unexpected pos 6656 vs 6548"


# Temporary files carry the writer's pid, so a later run can tell a killed writer's leftovers from a live one's.
_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.tmp(?P<pid>\d+)-[A-Za-z0-9_]+(?P<suffix>\.[A-Za-z0-9_]+)?$")


def _temporary_prefix(name: str) -> str:
    return f".{name}.tmp{os.getpid()}-"


def process_alive(pid: int) -> bool:
    """Whether a process with `pid` runs on this machine (one we may not signal counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def remove_stale_temporaries(folder: str | os.PathLike) -> list[Path]:
    """Delete the temporary files in `folder` that atomic writers killed mid-write left behind (their process is
    gone); files of live writers and every other file stay. Returns what was removed."""
    folder = Path(folder)
    removed: list[Path] = []
    if not folder.is_dir() or folder.is_symlink():
        return removed
    for entry in folder.iterdir():
        match = _TEMPORARY.match(entry.name)
        if not match or not entry.is_file() or entry.is_symlink():
            continue
        pid = int(match["pid"])
        if pid != os.getpid() and not process_alive(pid):
            with contextlib.suppress(FileNotFoundError):
                entry.unlink()
                removed.append(entry)
    return removed


def current_umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _publish(tmp: str | os.PathLike, path: Path) -> None:
    # mkstemp creates 0600 files; give the result the permissions a plain open() would have.
    os.chmod(tmp, 0o666 & ~current_umask())
    os.replace(tmp, path)


def is_disk_full(err: BaseException) -> bool:
    """Whether `err` is a write that failed for want of space (an OSError, or a library's wrapped message)."""
    if isinstance(err, OSError) and err.errno is not None:
        return err.errno in _FULL
    text = str(err).lower()
    return any(words in text for words in _FULL_WORDS)


def free_space(path: str | os.PathLike) -> str:
    """Free space of the file system holding `path`, for messages ("12.3 MB free")."""
    probe = Path(path)
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        return f"{shutil.disk_usage(probe).free / 1e6:.1f} MB free"
    except OSError:
        return "free space unknown"


def disk_full_error(path: str | os.PathLike) -> OutputError:
    return OutputError(f"{path}: cannot write it: the disk is full ({free_space(Path(path).parent)}); "
                       "nothing was replaced, free some space and run again")


@contextlib.contextmanager
def _translated(path: Path) -> Iterator[None]:
    try:
        yield
    except OutputError:
        raise
    except Exception as err:
        if is_disk_full(err):
            raise disk_full_error(path) from None
        raise


@contextlib.contextmanager
def _temporary_beside(path: Path, prefix: str, suffix: str) -> Iterator[tuple[int, str]]:
    """(fd, name) of a new temporary file beside `path`, renamed over `path` on clean exit, removed otherwise."""
    with _translated(path):
        blocked = next((p for p in path.parents if p.exists()), None)
        if blocked is not None and not blocked.is_dir():
            raise OutputError(f"{path}: cannot write it: {blocked} is a file, not a folder")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=path.parent)
        except PermissionError:  # name the file asked for, not the temporary one beside it
            raise OutputError(f"{path}: cannot write it: no permission to write in {path.parent}") from None
        try:
            yield fd, tmp
            _publish(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO[Any]]:
    """Open a temporary file next to `path`; on clean exit fsync it and rename it over `path`."""
    path = Path(path)
    with _temporary_beside(path, _temporary_prefix(path.name), ".tmp") as (fd, _), os.fdopen(fd, mode) as handle:
        yield handle
        handle.flush()
        os.fsync(handle.fileno())


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary path next to `path` for libraries that write by file name; renamed over `path` on success."""
    path = Path(path)
    with _temporary_beside(path, _temporary_prefix(path.stem), path.suffix) as (fd, tmp):
        os.close(fd)
        yield Path(tmp)


@contextlib.contextmanager
def staged_files(*targets: str | os.PathLike) -> Iterator[list[Path]]:
    """Temporary paths beside each of `targets`, published together on success.

    Every old target is removed first, then the new files are renamed into place in the order given, so the
    last target is the one whose presence says the set is complete (an export writes the model, then its
    sidecar). On failure nothing is published and the old files stay.
    """
    finals = [Path(t) for t in targets]
    temps: list[Path] = []
    with _translated(finals[-1]):
        try:
            for final in finals:
                final.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(prefix=_temporary_prefix(final.stem), suffix=final.suffix,
                                           dir=final.parent)
                os.close(fd)
                temps.append(Path(tmp))
            yield temps
            for final in finals:
                with contextlib.suppress(FileNotFoundError):
                    final.unlink()
            for tmp, final in zip(temps, finals):
                _publish(tmp, final)
        except BaseException:
            for tmp in temps:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
            raise


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    with atomic_open(path, "w") as handle:
        handle.write(text)


def write_json_atomic(path: str | os.PathLike, data: Any) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, sort_keys=False, default=_json_default) + "\n")


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__} to JSON")
