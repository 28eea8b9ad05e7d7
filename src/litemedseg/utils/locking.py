"""An exclusive lock on a folder for as long as one command works in it (a training run, above all).

The lock is a file beside the folder, ``.<name>.lock``, held with an OS file lock (``fcntl.flock``) that the kernel
drops when its process ends in any way, SIGKILL included: a crashed run never leaves a lock that blocks the next.
The file holds the holder's pid, host and start time, so a refusal can say who holds it. Where ``fcntl`` is
missing (Windows) the file is created exclusively instead, and a lock whose pid no longer runs on this host is
taken over as stale.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from litemedseg.errors import ConfigError
from litemedseg.utils.atomic import process_alive

try:
    import fcntl
except ImportError:  # pragma: no cover  (Windows)
    fcntl = None  # type: ignore[assignment]


def lock_path(folder: Path) -> Path:
    return folder.parent / f".{folder.name}.lock"


def _holder(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text()[:4096] or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _describe(holder: dict[str, Any]) -> str:
    if not holder.get("pid"):
        return "another process"
    since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(holder["started"])) if holder.get("started") else "?"
    return f"process {holder['pid']} on {holder.get('host', '?')} ({holder.get('command', '?')}, since {since})"


def _refusal(folder: Path, holder: dict[str, Any]) -> ConfigError:
    return ConfigError(f"{folder}: in use by {_describe(holder)}; run this again once it has ended "
                       "(a crashed holder's lock frees itself)")


@contextlib.contextmanager
def folder_lock(folder: str | os.PathLike, command: str) -> Iterator[None]:
    """Hold the lock of `folder` (which need not exist yet) for the block; a ConfigError naming the holder
    when another live process holds it. `command` says what holds it ("train", "train --resume")."""
    folder = Path(folder)
    path = lock_path(folder)
    created_parent = not folder.parent.exists()
    folder.parent.mkdir(parents=True, exist_ok=True)
    record = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "command": command,
                         "started": round(time.time(), 1)})
    fd = _acquire(folder, path, record)
    try:
        yield
    finally:
        # unlinked while still held: a process that opened the old file re-checks and retries on the new one
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(fd)
        if created_parent:
            with contextlib.suppress(OSError):
                folder.parent.rmdir()  # only when empty: the run wrote nothing there


def _acquire(folder: Path, path: Path, record: str) -> int:
    for _ in range(20):
        if fcntl is None:  # pragma: no cover
            fd = _acquire_exclusive(folder, path, record)
        else:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = _holder(path)
                os.close(fd)
                raise _refusal(folder, holder) from None
            try:
                same = os.fstat(fd).st_ino == os.stat(path).st_ino
            except FileNotFoundError:
                same = False
            if not same:  # the holder released and removed it between our open and our lock: try again
                os.close(fd)
                continue
        os.ftruncate(fd, 0)
        os.write(fd, record.encode())
        return fd
    raise ConfigError(f"{folder}: could not take its lock {path} (it keeps changing hands)")


def _acquire_exclusive(folder: Path, path: Path, record: str) -> int:  # pragma: no cover  (Windows)
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        holder = _holder(path)
        stale = holder.get("host") == socket.gethostname() and holder.get("pid") and \
            not process_alive(int(holder["pid"]))
        if not stale:
            raise _refusal(folder, holder) from None
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
