"""The summary that opens BENCHMARKS.md and the README's "In short" paragraph say what the result files say."""

import shutil
from pathlib import Path

from tests.helpers import load_script

ROOT = Path(__file__).resolve().parents[1]


def test_committed_summaries_are_what_the_result_files_give_now():
    summary, readme = load_script("benchmarks/summary.py").render(ROOT)
    assert (ROOT / "benchmarks/results/summary.md").read_text() == summary, \
        "benchmarks/results/summary.md is stale: run python benchmarks/summary.py && python tools/build_benchmarks.py"
    assert (ROOT / "benchmarks/results/readme_summary.md").read_text() == readme


def test_both_documents_carry_the_generated_summaries():
    tool = load_script("tools/build_benchmarks.py")
    for document, source in (("BENCHMARKS.md", "summary.md"), ("README.md", "readme_summary.md")):
        text = (ROOT / document).read_text()
        assert f"<!-- generated from benchmarks/results/{source} -->" in text
        assert tool.rebuild(text) == text, f"{document} is out of date: run python tools/build_benchmarks.py"


def test_a_changed_result_changes_the_summary(tmp_path):
    for folder in ("benchmarks/results/cpu_240s", "benchmarks/results/efficiency_cpu"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "src/litemedseg").mkdir(parents=True)
    shutil.copytree(ROOT / "src/litemedseg/weights", tmp_path / "src/litemedseg/weights",
                    ignore=shutil.ignore_patterns("*.safetensors", "evaluation*"))
    module = load_script("benchmarks/summary.py")
    before, _ = module.render(tmp_path)
    seeds = tmp_path / "benchmarks/results/cpu_240s/seeds.csv"
    seeds.write_text(seeds.read_text().replace("Kvasir-SEG,unet,3,0.6611", "Kvasir-SEG,unet,3,0.4111"))
    after, readme = module.render(tmp_path)
    assert "Kvasir-SEG: unet 0.661" in before and "Kvasir-SEG: unet 0.661" not in after
    assert "Kvasir-SEG: unext_s 0.634" in after and "the leader (unext_s) 0.634" in readme
