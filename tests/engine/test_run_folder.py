"""Run folders never lose a user's data: a run name is one folder name, and --overwrite only replaces a run."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from litemedseg.cli.main import main
from litemedseg.config import load_config
from litemedseg.engine.run_folder import RUN_MARKER, check_run_folder, check_run_name, is_run_folder, open_run_folder
from litemedseg.errors import ConfigError

from .conftest import quick_config

BAD_NAMES = [".", "..", "../x", "a/b", "/etc", "/tmp/x", "a\\b", "C:x", "", " ", " x", "x\n", "a\x00b", "~",
             "~user", "x" * 200]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_run_name_must_be_one_plain_folder_name(name):
    with pytest.raises(ValueError):
        check_run_name(name)
    with pytest.raises(ConfigError, match="name"):
        load_config(None, {"name": name, "output": "runs"})


@pytest.mark.parametrize("name", ["run", "mininet-DSB2018", "a.b_c-1", "r\u00e9sultat", "exp+1@2"])
def test_plain_names_are_accepted(name):
    assert load_config(None, {"name": name}).name == name


def test_names_from_a_yaml_config_are_checked_too(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("model: mininet\nname: ../victim\noverwrite: true\n")
    with pytest.raises(ConfigError, match="name"):
        load_config(config)


def test_default_run_names_are_plain_even_for_odd_data_paths():
    for data in (".", "..", "/", "a/b/..", "dir:with:colons"):
        name = load_config(None, {"data": data}).run_name()
        assert check_run_name(name) == name


def _user_folder(path):
    path.mkdir(parents=True)
    (path / "thesis.txt").write_text("precious")
    return path


@pytest.mark.parametrize("name", [".", "..", "../victim"])
def test_cli_overwrite_with_a_bad_name_deletes_nothing(tmp_path, name):
    victim = _user_folder(tmp_path / "victim")
    parent = _user_folder(tmp_path / "runs")
    result = CliRunner().invoke(main, ["train", "--data", "demo", "--epochs", "1", "--size", "32", "--no-progress",
                                       "--output", str(parent), "--name", name, "--overwrite"])
    assert result.exit_code == 1, result.output
    assert "name" in result.stderr and "Traceback" not in result.stderr
    assert (victim / "thesis.txt").read_text() == "precious"
    assert (parent / "thesis.txt").read_text() == "precious"


def test_overwrite_refuses_a_folder_that_is_not_a_run(tmp_path):
    folder = _user_folder(tmp_path / "runs" / "photos")
    for resume in (False, True):
        with pytest.raises(ConfigError, match="does not hold a litemedseg run|nothing to resume"):
            open_run_folder(folder, resume=resume, overwrite=True)
    result = CliRunner().invoke(main, ["train", "--data", "demo", "--epochs", "1", "--size", "32", "--no-progress",
                                       "--output", str(tmp_path / "runs"), "--name", "photos", "--overwrite"])
    assert result.exit_code == 1
    assert "does not hold a litemedseg run" in result.stderr
    assert (folder / "thesis.txt").read_text() == "precious"


def test_overwrite_refuses_a_symlink_to_elsewhere(tmp_path):
    victim = _user_folder(tmp_path / "victim")
    (victim / RUN_MARKER).write_text("")  # even a folder that looks like a run is not followed through a link
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "link").symlink_to(victim)
    with pytest.raises(ConfigError, match="symbolic link"):
        open_run_folder(tmp_path / "runs" / "link", resume=False, overwrite=True)
    assert (victim / "thesis.txt").exists()


def test_overwrite_replaces_a_real_run_and_marks_the_new_one(tmp_path):
    from litemedseg.engine import train

    first = train(quick_config(tmp_path, name="r", epochs=1, **{"input.size": 32}))
    assert is_run_folder(first.run_dir) and (first.run_dir / RUN_MARKER).is_file()
    (first.run_dir / "stale.txt").write_text("from the old run")
    again = train(quick_config(tmp_path, name="r", epochs=1, **{"input.size": 32}))
    assert not (again.run_dir / "stale.txt").exists()
    assert (again.run_dir / "best" / "model.safetensors").is_file()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no trash left beside it


def test_a_run_killed_in_epoch_one_points_to_overwrite_from_both_sides(tmp_path):
    run = tmp_path / "r"
    open_run_folder(run, resume=False, overwrite=False)
    (run / "config.json").write_text("{}")  # what a run killed before its first checkpoint leaves
    with pytest.raises(ConfigError, match="before its first epoch ended.*--overwrite"):
        check_run_folder(run, resume=False, overwrite=False)
    with pytest.raises(ConfigError, match="before its first epoch ended.*--overwrite"):
        check_run_folder(run, resume=True, overwrite=False)
    check_run_folder(run, resume=False, overwrite=True)


def test_a_file_where_the_run_folder_should_be_is_refused(tmp_path):
    (tmp_path / "r").write_text("not a folder")
    with pytest.raises(ConfigError, match="not a folder"):
        open_run_folder(tmp_path / "r", resume=False, overwrite=True)
    assert (tmp_path / "r").read_text() == "not a folder"
