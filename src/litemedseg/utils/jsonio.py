"""JSON from files and headers we did not write ourselves: bounded in size and nesting.

Python's decoder recurses once per nesting level, so ``[[[[...]]]]`` a hundred thousand deep raises
RecursionError (not a ValueError) and would reach the last-resort handler; every reader here raises ValueError
with one short line instead, which the callers already turn into a one-line DataError or WeightsError.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

MAX_JSON_BYTES = 16 * 1024 * 1024  # split files of a million stems fit; a checkpoint's metadata is a few KB
MAX_JSON_DEPTH = 32  # our deepest document (a checkpoint's metadata) nests 5 levels

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def nesting_depth(text: str) -> int:
    """How deeply arrays and objects nest in JSON `text` (brackets inside strings do not count)."""
    depth = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def loads_bounded(text: str | bytes, max_bytes: int = MAX_JSON_BYTES, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """`json.loads` that refuses documents over `max_bytes` or nested over `max_depth`, with a one-line ValueError."""
    if len(text) > max_bytes:
        raise ValueError(f"JSON of {len(text):,} bytes, more than the limit of {max_bytes:,}")
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    if nesting_depth(text) > max_depth:
        raise ValueError(f"JSON nested deeper than {max_depth} levels")
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"{err.msg} at line {err.lineno} column {err.colno}") from None
    except RecursionError:  # unreachable after the depth check; kept so no JSON can ever escape as RecursionError
        raise ValueError(f"JSON nested deeper than {max_depth} levels") from None


def read_json(path: str | os.PathLike, max_bytes: int = MAX_JSON_BYTES, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """A JSON file, checked by size before it is read; OSError, UnicodeDecodeError or ValueError on failure."""
    path = Path(path)
    size = path.stat().st_size
    if size > max_bytes:
        raise ValueError(f"JSON file of {size:,} bytes, more than the limit of {max_bytes:,}")
    return loads_bounded(path.read_text(encoding="utf-8"), max_bytes, max_depth)
