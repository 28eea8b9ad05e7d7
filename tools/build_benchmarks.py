"""Rebuild the generated parts of BENCHMARKS.md and README.md from the committed result files, or check that they match.

    python tools/build_benchmarks.py            # rewrite every marked block from its file
    python tools/build_benchmarks.py --check    # exit 1 when BENCHMARKS.md and a result file disagree

A generated block is marked in BENCHMARKS.md as

    <!-- generated from benchmarks/results/.../table.md -->
    ...the file's text, exactly...
    <!-- end generated -->

so every figure in such a block is the text a benchmark command wrote; prose around the blocks is written by
hand. The benchmark commands themselves (benchmarks/*.py) write those files.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = ("BENCHMARKS.md", "README.md")  # the documents that carry generated blocks
BLOCK = re.compile(r"(<!-- generated from (?P<path>[^ ]+) -->\n)(?P<body>.*?)(<!-- end generated -->)", re.S)


def rebuild(text: str, root: Path = ROOT) -> str:
    """`text` with every marked block replaced by the current content of its file."""
    def fill(match: re.Match) -> str:
        source = root / match["path"]
        if not source.is_file():
            raise FileNotFoundError(f"BENCHMARKS.md names {match['path']}, which does not exist")
        body = source.read_text()
        return match.group(1) + body + ("" if body.endswith("\n") else "\n") + match.group(4)

    return BLOCK.sub(fill, text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--file", type=Path, nargs="*", default=[ROOT / name for name in DOCUMENTS])
    args = parser.parse_args()
    status = 0
    for path in args.file:
        text = path.read_text()
        new = rebuild(text)
        blocks = len(BLOCK.findall(text))
        if args.check:
            if new != text:
                print(f"{path}: out of date with its result files; run python tools/build_benchmarks.py")
                status = 1
            else:
                print(f"{path}: {blocks} generated blocks match their files")
            continue
        path.write_text(new)
        print(f"{path}: rebuilt {blocks} generated blocks")
    return status


if __name__ == "__main__":
    sys.exit(main())
