"""`litemedseg weights`: shipped weights are discoverable from the CLI with their cards' key figures."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from litemedseg.cli.main import main
from litemedseg.models import pretrained


def test_every_shipped_checkpoint_is_listed_with_its_evaluated_score():
    result = CliRunner().invoke(main, ["weights"])
    assert result.exit_code == 0, result.output
    names = pretrained.list_pretrained()
    assert names, "the package ships weights"
    for name in names:
        folder = pretrained.pretrained_path(*name.split(":", 1))
        summary = json.loads((folder / "evaluation" / "summary.json").read_text())
        line = next(line for line in result.output.splitlines() if line.startswith(name + " "))
        assert f"{summary['headline']['metric']} {summary['headline']['value']:.4f}" in line
        assert summary["dataset"]["name"] in line and f"({summary['num_images']} images)" in line
        zero = folder / "evaluation_zero_shot" / "summary.json"
        assert ("zero-shot" in line) == zero.is_file()


def test_weights_without_an_evaluation_say_so(tmp_path: Path, monkeypatch):
    (tmp_path / "mininet_bare").mkdir()
    (tmp_path / "mininet_bare" / "model.safetensors").write_bytes(b"\0" * 1000)
    monkeypatch.setattr(pretrained, "WEIGHTS_DIR", tmp_path)
    result = CliRunner().invoke(main, ["weights"])
    assert result.exit_code == 0 and "mininet:bare" in result.output and "no evaluation shipped" in result.output


def test_the_command_is_in_the_help():
    assert "weights" in CliRunner().invoke(main, ["--help"]).output


def test_weights_say_what_each_starting_point_was_trained_on():
    from click.testing import CliRunner

    from litemedseg.cli.main import main

    output = CliRunner().invoke(main, ["weights"]).output
    assert "trained on DRIVE 18/2/20; 128x128 patches at scale 1.0; time budget 60 min" in output
    assert "train --init model:tag" in output
