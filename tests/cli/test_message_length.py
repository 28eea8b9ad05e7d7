"""Every message is one short line, even when it quotes a huge value the user gave."""

from litemedseg.errors import MAX_MESSAGE, one_line
from tests.helpers import assert_one_line_error, run_cli


def test_one_line_cuts_long_and_multi_line_text():
    assert one_line("first\nsecond") == "first"
    cut = one_line("x" * 10_000)
    assert len(cut) == MAX_MESSAGE and cut.endswith("...")


def test_a_huge_config_value_gives_a_short_error(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("epochs: " + "9" * 3000 + "x\nmodel_kwargs: {widths: [" + ", ".join(["100000"] * 60) + "]}\n")
    result = run_cli("train", "--config", str(config), "--output", str(tmp_path / "runs"), "--no-progress")
    assert_one_line_error(result, "c.yaml", "epochs")
    assert len(result.stderr.strip()) <= len("error: ") + MAX_MESSAGE


def test_huge_model_kwargs_give_a_short_error(tmp_path):
    config = tmp_path / "k.yaml"
    config.write_text("model_kwargs: {widths: [" + ", ".join(["100000"] * 60) + "]}\n")
    result = run_cli("train", "--config", str(config), "--output", str(tmp_path / "runs"), "--no-progress")
    assert_one_line_error(result, "k.yaml", "model_kwargs")
    assert len(result.stderr.strip()) <= len("error: ") + MAX_MESSAGE
