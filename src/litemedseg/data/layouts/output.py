"""A dataset folder written as a whole: filled in a hidden sibling, renamed into place only on success."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from litemedseg.errors import DataError


def check_paths(source: Path, output: Path) -> None:
    """Refuse an output that is, contains or lies inside the source (``--overwrite`` would delete the data)."""
    src, out = source.resolve(), output.resolve()
    if src == out or src in out.parents or out in src.parents:
        raise DataError(f"{output}: the output folder must lie outside the input folder {source} and not contain it")


@contextlib.contextmanager
def staged_folder(output: Path, overwrite: bool = False, marker: str | None = None) -> Iterator[Path]:
    """Yield an empty hidden folder beside `output`; on clean exit it replaces `output`, on error it is removed.

    An existing non-empty `output` is refused unless `overwrite`, so a failed or interrupted conversion never
    leaves a half-written dataset where a complete one is expected. With `marker`, `overwrite` replaces only a
    folder holding that file (one this tool wrote), never a user's other folder.
    """
    output = Path(output).expanduser().absolute()
    if output.exists() and not output.is_dir():
        raise DataError(f"{output}: exists and is not a folder")
    if output.is_dir() and any(output.iterdir()) and not overwrite:
        raise DataError(f"{output}: folder exists and is not empty (pass --overwrite to replace it)")
    if output.is_dir() and any(output.iterdir()) and marker and not (output / marker).is_file():
        raise DataError(f"{output}: folder exists and was not written by litemedseg (no {marker}); it is never "
                        f"replaced: choose another --output, or move it aside first (mv {output} {output}.old)")
    if output.is_symlink():
        raise DataError(f"{output}: is a symbolic link; choose a real folder as --output")
    existing = next((p for p in output.parents if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise DataError(f"{output}: cannot create the folder: {existing} is a file, not a folder")
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.", suffix=".partial", dir=output.parent))
    try:
        yield staging
        umask = os.umask(0)
        os.umask(umask)
        staging.chmod(0o777 & ~umask)  # mkdtemp makes it 0700; give it the permissions of a normal folder
        if output.exists():
            old = staging.with_suffix(".old")
            os.replace(output, old)
            os.replace(staging, output)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
