"""Train/val/test splits: fixed seed, group-aware (e.g. by patient), committed under splits/ for shared sets."""

from __future__ import annotations

import os
import random
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from litemedseg.errors import DataError
from litemedseg.utils.jsonio import read_json

SPLIT_NAMES = ("train", "val", "test")
SEED = 0
VAL_FRACTION = 0.1
TEST_FRACTION = 0.1
_PATIENT = re.compile(r"^(patient\d+)", re.IGNORECASE)


def patient_group(stem: str) -> str:
    """Slices of one patient (ACDC-style ``patient001_...``) stay in one split; other stems are their own group."""
    match = _PATIENT.match(stem)
    return match.group(1).lower() if match else stem


def group_function(group_by: str | None) -> Callable[[str], str]:
    """How stems form groups that a split never cuts: `group_by` is a CSV file of ``stem,group`` rows (patient or
    video ids), or a regular expression whose first group (else its whole match) is the group of a stem; stems
    it does not match are groups of their own. None: ACDC-style patient prefixes."""
    if group_by is None:
        return patient_group
    path = Path(group_by).expanduser()
    if path.suffix.lower() == ".csv":
        return _csv_groups(path)
    try:
        pattern = re.compile(group_by)
    except re.error as err:
        raise DataError(f"--group-by {group_by[:80]!r}: not a regular expression ({err}) nor a .csv file") from None

    def group_of(stem: str) -> str:
        match = pattern.search(stem)
        if match is None:
            return stem
        return match.group(1) if pattern.groups and match.group(1) is not None else match.group(0)

    return group_of


def _csv_groups(path: Path) -> Callable[[str], str]:
    import csv

    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = [row for row in csv.reader(handle) if row and not row[0].startswith("#")]
    except FileNotFoundError:
        raise DataError(f"{path}: group file not found") from None
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise DataError(f"{path}: unreadable group file ({err})") from None
    if rows and [c.strip().lower() for c in rows[0][:2]] in (["stem", "group"], ["image", "group"]):
        rows = rows[1:]
    bad = next((i for i, row in enumerate(rows, 1) if len(row) < 2 or not row[0].strip() or not row[1].strip()), None)
    if bad is not None or not rows:
        raise DataError(f"{path}: expected rows of 'stem,group' (row {bad or 1} is not)")
    groups = {row[0].strip(): row[1].strip() for row in rows}
    return lambda stem: "group:" + groups[stem] if stem in groups else stem


def _shuffled_groups(stems: Iterable[str], seed: int, group_of: Callable[[str], str]) -> list[list[str]]:
    groups: dict[str, list[str]] = {}
    for stem in sorted(stems):
        groups.setdefault(group_of(stem), []).append(stem)
    keys = sorted(groups)
    random.Random(seed).shuffle(keys)
    return [groups[k] for k in keys]


def _take(groups: list[list[str]], count: int) -> tuple[list[str], list[list[str]]]:
    """Whole groups from the front until at least `count` stems are taken."""
    taken: list[str] = []
    while groups and len(taken) < count:
        taken.extend(groups.pop(0))
    return sorted(taken), groups


def make_split(
    stems: Sequence[str],
    seed: int = SEED,
    val_fraction: float = VAL_FRACTION,
    test_fraction: float = TEST_FRACTION,
    group_of: Callable[[str], str] = patient_group,
) -> dict[str, list[str]]:
    """Seeded train/val/test split (80/10/10 by default) for a dataset without an official one."""
    groups = _shuffled_groups(stems, seed, group_of)
    test, groups = _take(groups, round(test_fraction * len(stems)))
    val, groups = _take(groups, round(val_fraction * len(stems)))
    train = sorted(s for g in groups for s in g)
    return {"train": train, "val": val, "test": test}


def add_val_split(
    split: dict[str, list[str]],
    seed: int = SEED,
    val_fraction: float = VAL_FRACTION,
    group_of: Callable[[str], str] = patient_group,
) -> dict[str, list[str]]:
    """Keep an official train/test split and move `val_fraction` of train (seed 0, whole groups) to val."""
    groups = _shuffled_groups(split["train"], seed, group_of)
    val, groups = _take(groups, round(val_fraction * len(split["train"])))
    return {"train": sorted(s for g in groups for s in g), "val": val, "test": sorted(split.get("test", []))}


def read_split_file(path: str | os.PathLike) -> dict[str, list[str]]:
    """A split JSON with lists of stems under "train" and "test" and optionally "val"."""
    path = Path(path)
    try:
        data = read_json(path)
    except FileNotFoundError:
        raise DataError(f"{path}: split file not found") from None
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise DataError(f"{path}: not a readable JSON split file ({err})") from None
    if not isinstance(data, dict) or "train" not in data:
        raise DataError(f"{path}: split file needs a \"train\" list (and \"test\", optionally \"val\")")
    split: dict[str, list[str]] = {}
    for name in SPLIT_NAMES:
        stems = data.get(name, [])
        if not isinstance(stems, list) or not all(isinstance(s, str) for s in stems):
            raise DataError(f"{path}: \"{name}\" must be a list of file stems")
        split[name] = list(stems)
    seen: dict[str, str] = {}
    for name in SPLIT_NAMES:
        for stem in split[name]:
            if stem in seen:
                raise DataError(f"{path}: {stem!r} is in both {seen[stem]!r} and {name!r}")
            seen[stem] = name
    return split


def committed_splits_dir() -> Path | None:
    """Where the committed split files live: $LITEMEDSEG_SPLITS, the installed package, or the repository."""
    env = os.environ.get("LITEMEDSEG_SPLITS")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve()
    candidates += [here.parents[1] / "splits", here.parents[3] / "splits"]
    return next((c for c in candidates if c.is_dir()), None)


def committed_split_path(dataset_name: str) -> Path | None:
    folder = committed_splits_dir()
    path = folder / f"{dataset_name}.json" if folder else None
    return path if path and path.is_file() else None
