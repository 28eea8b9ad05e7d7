"""`litemedseg report`: the command writes index.html; bad folders are one-line errors."""

from __future__ import annotations

from click.testing import CliRunner

from litemedseg.cli.main import main
from tests.helpers import assert_one_line_error, run_cli


def test_report_command(evaluations, tmp_path):
    result = CliRunner().invoke(main, ["report", *map(str, evaluations), "--output", str(tmp_path / "r"), "--top",
                                       "1", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "wrote the report to" in result.output and (tmp_path / "r" / "index.html").is_file()
    assert len(list((tmp_path / "r" / "galleries").glob("*.png"))) == 4


def test_report_errors(tmp_path):
    (tmp_path / "not_an_eval").mkdir()
    result = CliRunner().invoke(main, ["report", str(tmp_path / "not_an_eval"), "--output", str(tmp_path / "r")])
    assert result.exit_code == 1 and "error: " in result.output and "no summary.json" in result.output
    result = CliRunner().invoke(main, ["report", "--output", str(tmp_path / "r")])
    assert result.exit_code == 2  # usage: EVAL_DIR is required
    assert_one_line_error(run_cli("report", str(tmp_path / "gone"), "--output", str(tmp_path / "r")),
                          "gone: evaluation folder not found")
