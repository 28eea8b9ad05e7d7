"""Output folders published whole: written into a hidden sibling, checked, then renamed into place.

Readers never see half an output folder, and re-running a command into its old folder never mixes old and new
files: the old folder is replaced as a whole. Each published folder carries ``litemedseg-output.json`` (what
wrote it, and every file with its size and SHA-256); `read_manifest` lets a reader check a folder is whole and
unchanged. A folder is replaced only when it is empty or was written by the same command (its manifest);
anything else, folders of older versions without a manifest included, is refused with the command to move it
aside, so a mistyped ``--output`` can never delete or overwrite a user's files.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litemedseg.errors import OutputError
from litemedseg.utils.atomic import current_umask, disk_full_error, is_disk_full
from litemedseg.utils.hashing import file_sha256
from litemedseg.utils.jsonio import read_json

MANIFEST = "litemedseg-output.json"
_STAGING = re.compile(r"^\.(?P<name>.+)\.partial-(?P<pid>\d+)-[A-Za-z0-9_]+$")


@dataclass(frozen=True)
class OutputKind:
    """A kind of output folder: the command that writes it (its manifest names it)."""

    command: str

    @property
    def label(self) -> str:
        return f"litemedseg {self.command}"


EVALUATION = OutputKind("evaluate")
PREDICTION = OutputKind("predict")
EXPLANATION = OutputKind("explain")
REPORT = OutputKind("report")


def _files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.name != MANIFEST:
            yield path


def write_manifest(folder: Path, kind: OutputKind, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Record every file under `folder` (size, SHA-256) in its manifest; returns the manifest."""
    from litemedseg import __version__

    manifest = {
        "kind": kind.label,
        "complete": True,
        "litemedseg": __version__,
        **(extra or {}),
        "files": {p.relative_to(folder).as_posix(): {"bytes": p.stat().st_size, "sha256": file_sha256(p)}
                  for p in _files(folder)},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def read_manifest(folder: str | os.PathLike, kind: OutputKind, *, verify: bool = True) -> dict[str, Any] | None:
    """The manifest of an output folder of `kind`; None for a folder written before manifests existed.

    With `verify`, an OutputError names the first file that is missing, added, or changed since the command
    wrote the folder (a mix of two runs, or a hand edit)."""
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        manifest = read_json(path)
    except (OSError, ValueError) as err:
        raise OutputError(f"{path}: unreadable output manifest ({err})") from None
    if not isinstance(manifest, dict) or manifest.get("kind") != kind.label or not isinstance(
            manifest.get("files"), dict):
        found = manifest.get("kind") if isinstance(manifest, dict) else type(manifest).__name__
        raise OutputError(f"{path}: not the manifest of a `{kind.label}` folder (kind {found!r})")
    if verify:
        listed = manifest["files"]
        present = {p.relative_to(folder).as_posix() for p in _files(folder)}
        for name in sorted(set(listed) - present):
            raise OutputError(f"{folder / name}: listed in {MANIFEST} but missing; the folder is incomplete "
                              f"(run `{kind.label}` again)")
        for name in sorted(present - set(listed)):
            raise OutputError(f"{folder / name}: not written by the `{kind.label}` run that wrote this folder "
                              f"(files of two runs mixed?); run `{kind.label}` again into an empty folder")
        for name, record in sorted(listed.items()):
            file = folder / name
            if not isinstance(record, dict) or file.stat().st_size != record.get("bytes") or \
                    file_sha256(file) != record.get("sha256"):
                raise OutputError(f"{file}: changed since `{kind.label}` wrote it (size or SHA-256 differs "
                                  f"from {MANIFEST})")
    return manifest


def _replaceable(target: Path, kind: OutputKind) -> bool:
    """Empty, or written whole by `kind`'s command (its manifest). A folder without a manifest may hold a user's
    files whatever their names (a `masks/` of ground truth looks like predict's), so it is never replaced."""
    if not any(target.iterdir()):
        return True
    try:
        return read_manifest(target, kind, verify=False) is not None
    except OutputError:
        return False


def check_output_folder(target: str | os.PathLike, kind: OutputKind) -> Path:
    """Refuse, before any work, an output folder that may not be replaced; returns the folder's path."""
    target = Path(target).expanduser()
    if target.is_symlink():
        raise OutputError(f"{target}: is a symbolic link; give a real folder as the output")
    if target.exists() and not target.is_dir():
        raise OutputError(f"{target}: exists and is not a folder")
    if target.is_dir() and not _replaceable(target, kind):
        why = "another command's output" if (target / MANIFEST).is_file() else f"files without its {MANIFEST}"
        raise OutputError(f"{target}: folder holds {why}, so `{kind.label}` never replaced it; give a new or "
                          f"empty folder, or move this one aside first (mv {target} {target}.old)")
    parent = next((p for p in target.absolute().parents if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise OutputError(f"{target}: cannot create the folder: {parent} is a file, not a folder")
    if parent is not None and not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{target}: cannot write there: no permission to write in {parent}")
    return target


def _remove_stale_staging(target: Path) -> None:
    """Staging folders of killed runs for this target (their process is gone) are removed."""
    if not target.parent.is_dir():
        return
    for entry in target.parent.iterdir():
        match = _STAGING.match(entry.name)
        if not match or match["name"] != target.name or not entry.is_dir():
            continue
        pid = int(match["pid"])
        if pid != os.getpid() and not _alive(pid):
            shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


@contextlib.contextmanager
def publish_folder(target: str | os.PathLike, kind: OutputKind,
                   manifest_extra: dict[str, Any] | None = None) -> Iterator[Path]:
    """Yield an empty staging folder; on clean exit write its manifest and put it in place of `target`.

    On any failure (an error, Ctrl-C, a full disk) the staging folder is removed and `target` is untouched.
    """
    target = check_output_folder(target, kind)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_staging(target)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-{os.getpid()}-", dir=target.parent))
    try:
        try:
            yield staging
            write_manifest(staging, kind, manifest_extra)
        except OutputError as err:
            # name the file as the user will know it, not its temporary staging path
            raise OutputError(str(err).replace(str(staging), str(target))) from None
        except Exception as err:
            if is_disk_full(err):
                raise disk_full_error(target) from None
            raise
        _swap_in(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _swap_in(staging: Path, target: Path) -> None:
    os.chmod(staging, 0o777 & ~current_umask())
    if target.exists():
        # the old folder is moved aside first, so the only folder ever deleted is the one being replaced
        trash = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
        os.replace(target, trash / target.name)
        os.replace(staging, target)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        os.replace(staging, target)

