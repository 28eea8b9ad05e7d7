"""Issue 27, messages: each failure says what the user can act on, in one line, naming the right file or key."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from litemedseg.cli.main import main
from litemedseg.errors import ConfigError, OutputError
from litemedseg.losses import create_loss
from litemedseg.utils.atomic import write_json_atomic
from litemedseg.utils.publish import PREDICTION, check_output_folder


def test_a_file_in_the_way_is_named_as_such_not_as_a_permission_problem(tmp_path: Path):
    (tmp_path / "a").write_text("a file")
    with pytest.raises(OutputError, match=r"cannot create the folder: .*a is a file, not a folder"):
        check_output_folder(tmp_path / "a" / "b" / "out", PREDICTION)
    with pytest.raises(OutputError, match=r"a/b/x.json: cannot write it: .*a is a file, not a folder"):
        write_json_atomic(tmp_path / "a" / "b" / "x.json", {})


def test_a_read_only_folder_names_the_file_asked_for(tmp_path: Path, monkeypatch):
    """What a read-only run folder gives on --resume: the error names config.json, not its temporary twin
    (made to fail here, as root may write into read-only folders)."""
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / ".config.json.tmp1-abc.tmp"))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(OutputError, match=r"ro/config.json: cannot write it: no permission to write in .*ro$") \
            as caught:
        write_json_atomic(tmp_path / "ro" / "config.json", {})
    assert ".tmp" not in str(caught.value)


@pytest.mark.parametrize(("kwargs", "fragment"), [({"alpha": "high"}, "loss_kwargs.alpha: .* takes a number"),
                                                  ({"alpha": True}, "loss_kwargs.alpha: .* takes a number"),
                                                  ({"beta": 1}, "loss_kwargs.beta: .* has no such argument")])
def test_a_bad_loss_argument_names_its_key(kwargs, fragment):
    with pytest.raises(ConfigError, match=fragment):
        create_loss("dice_jaccard_bce", 1, **kwargs)


def test_report_prints_one_error_line_and_no_warning_before_it(tmp_path: Path):
    broken = tmp_path / "eval"
    broken.mkdir()
    (broken / "summary.json").write_text("{}")  # no manifest (a warning) and no usable summary (the error)
    result = CliRunner().invoke(main, ["report", str(broken), "--output", str(tmp_path / "r")])
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 1 and len(lines) == 1 and lines[0].startswith("error: "), result.output
