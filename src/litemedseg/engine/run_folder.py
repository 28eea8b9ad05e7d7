"""Run folders: what may be named one, what marks one, and the only code that ever deletes one.

A run name is one plain path component, so ``--output``/``--name`` can never point outside the parent folder,
and ``--overwrite`` replaces a folder only when it holds a litemedseg run (its marker file, or the files a run
of an older version wrote). Anything else is refused, whatever the flags say.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import unicodedata
from pathlib import Path

from litemedseg.errors import ConfigError
from litemedseg.utils.jsonio import read_json

RUN_MARKER = "litemedseg-run.json"
STATE_FILE = "train_state.pt"
_MAX_NAME = 128


def check_run_name(name: str) -> str:
    """`name` when it is a single plain folder name; a ValueError saying why otherwise."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError("a run name must be a non-empty folder name")
    shown = ascii(name)[:60]
    if len(name) > _MAX_NAME:
        raise ValueError(f"a run name must be at most {_MAX_NAME} characters, got {len(name)}")
    if name in (".", "..") or name != name.strip() or name.startswith("~"):
        raise ValueError(f"run name {shown} is not a plain folder name")
    separators = {"/", "\\", os.sep, os.altsep or "/"}
    if any(sep in name for sep in separators) or Path(name).is_absolute() or ":" in name:
        raise ValueError(f"run name {shown} must be one folder name, without '/', '\\' or ':'")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise ValueError(f"run name {shown} holds control or unprintable characters")
    return name


def is_run_folder(path: Path) -> bool:
    """Whether `path` holds a litemedseg run: the marker, or (runs written before it existed) a config.json
    that train wrote beside a checkpoint or training state."""
    if path.is_symlink() or not path.is_dir():
        return False
    if (path / RUN_MARKER).is_file():
        return True
    config = path / "config.json"
    if not config.is_file() or not ((path / STATE_FILE).is_file() or (path / "last").is_dir()):
        return False
    try:
        data = read_json(config, max_bytes=1_000_000)
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and isinstance(data.get("config"), dict) and "model" in data


def check_run_folder(run_dir: Path, *, resume: bool, overwrite: bool) -> None:
    """Refuse a start that would lose work or touch a folder that is not a run; deletes nothing."""
    if run_dir.is_symlink():
        raise ConfigError(f"{run_dir}: is a symbolic link; a run folder must be a real folder (choose another --name)")
    if run_dir.exists() and not run_dir.is_dir():
        raise ConfigError(f"{run_dir}: exists and is not a folder; choose another --name or --output")
    state = run_dir / STATE_FILE
    has_content = run_dir.is_dir() and any(run_dir.iterdir())
    if resume:
        if state.is_file():
            return
        if has_content and is_run_folder(run_dir):
            raise ConfigError(f"{run_dir}: the run stopped before its first epoch ended, so there is nothing to "
                              "resume; pass --overwrite (without --resume) to start it again")
        raise ConfigError(f"{run_dir}: nothing to resume (no {STATE_FILE}); drop --resume to start a new run")
    if not has_content:
        return
    if not is_run_folder(run_dir):
        raise ConfigError(f"{run_dir}: folder exists and does not hold a litemedseg run; it is never replaced "
                          "(choose another --name or --output)")
    if overwrite:
        return
    if state.is_file():
        raise ConfigError(f"{run_dir}: run folder exists; pass --resume to continue it, --overwrite to replace it, "
                          "or --name for a new run")
    raise ConfigError(f"{run_dir}: holds a run that stopped before its first epoch ended; pass --overwrite to "
                      "start it again, or --name for a new run")


def open_run_folder(run_dir: Path, *, resume: bool, overwrite: bool) -> None:
    """Check (see check_run_folder), then replace an old run when `overwrite`, create the folder and mark it."""
    check_run_folder(run_dir, resume=resume, overwrite=overwrite)
    if not resume and run_dir.is_dir() and any(run_dir.iterdir()):
        # the old run is moved aside first, so the only folder ever deleted is the one that was a run
        trash = Path(tempfile.mkdtemp(prefix=f".{run_dir.name}.", suffix=".old", dir=run_dir.parent))
        os.replace(run_dir, trash / run_dir.name)
        shutil.rmtree(trash, ignore_errors=True)
    run_dir.mkdir(parents=True, exist_ok=True)
    if not (run_dir / RUN_MARKER).is_file():
        from litemedseg import __version__

        marker = {"kind": "litemedseg run folder", "note": "`train --overwrite` may replace this folder",
                  "litemedseg": __version__}
        (run_dir / RUN_MARKER).write_text(json.dumps(marker) + "\n")
