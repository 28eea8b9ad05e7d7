"""BENCHMARKS.md's generated blocks are exactly the result files the benchmark commands wrote."""

from pathlib import Path

from tests.helpers import load_script

ROOT = Path(__file__).resolve().parents[1]


def _tool():
    return load_script("tools/build_benchmarks.py")


def test_generated_blocks_match_their_files():
    text = (ROOT / "BENCHMARKS.md").read_text()
    tool = _tool()
    assert len(tool.BLOCK.findall(text)) >= 5
    assert tool.rebuild(text) == text, "BENCHMARKS.md is out of date: run python tools/build_benchmarks.py"


def test_a_hand_edited_figure_is_caught(tmp_path):
    tool = _tool()
    (tmp_path / "t.md").write_text("| a | 0.7000 |\n")
    doc = "x\n<!-- generated from t.md -->\n| a | 0.8000 |\n<!-- end generated -->\ny\n"
    assert tool.rebuild(doc, tmp_path) == "x\n<!-- generated from t.md -->\n| a | 0.7000 |\n<!-- end generated -->\ny\n"
