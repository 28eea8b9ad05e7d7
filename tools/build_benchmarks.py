"""Rebuild the generated parts of BENCHMARKS.md from the committed result files, or check that they match.

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
    parser.add_argument("--file", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    text = args.file.read_text()
    new = rebuild(text)
    blocks = len(BLOCK.findall(text))
    if args.check:
        if new != text:
            print(f"{args.file}: out of date with its result files; run python tools/build_benchmarks.py")
            return 1
        print(f"{args.file}: {blocks} generated blocks match their files")
        return 0
    args.file.write_text(new)
    print(f"{args.file}: rebuilt {blocks} generated blocks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
