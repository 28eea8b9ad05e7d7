"""`litemedseg explain`: overlays and raw maps at the original size, atomically written; one-line errors."""

from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner
from PIL import Image

from litemedseg.cli.explain import command
from litemedseg.cli.main import main
from tests.helpers import assert_one_line_error, run_cli


def test_explain_writes_overlays_maps_and_manifest(mininet_weights, image_folder, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(command, ["--weights", str(mininet_weights), "--input", str(image_folder),
                                          "--output", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    for stem, size in (("a", (40, 56)), ("b", (50, 30))):
        overlay = np.asarray(Image.open(out / "overlays" / f"{stem}_foreground.png"))
        heat = np.load(out / "maps" / f"{stem}_foreground.npy")
        assert overlay.shape == (*size, 3) and overlay.dtype == np.uint8
        assert heat.shape == size and heat.dtype == np.float32 and 0 <= heat.min() and heat.max() <= 1
    manifest = json.loads((out / "explain.json").read_text())
    assert manifest["layer"] == "decoder.2" and manifest["model"] == "mininet" and len(manifest["items"]) == 2
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]  # no temporary files left behind


def test_explain_multiclass_with_layer_and_class_index(multiclass_weights, image_folder, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(command, ["--weights", str(multiclass_weights), "--input",
                                          str(image_folder / "a.png"), "--output", str(out), "--layer", "decoder.1",
                                          "--class-index", "2", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert [p.name for p in (out / "overlays").iterdir()] == ["a_organ2.png"]
    assert json.loads((out / "explain.json").read_text())["layer"] == "decoder.1"


def test_explain_user_errors_in_process(multiclass_weights, image_folder, tmp_path):
    runner = CliRunner()
    base = ["explain", "--weights", str(multiclass_weights), "--input", str(image_folder), "--output",
            str(tmp_path / "o")]
    result = runner.invoke(main, [*base, "--class-index", "7"])
    assert result.exit_code == 1 and "error: class index 7 is out of range" in result.output
    result = runner.invoke(main, ["explain", "--weights", str(tmp_path / "nowhere"), "--input", str(image_folder),
                                  "--output", str(tmp_path / "o")])
    assert result.exit_code == 1 and "nowhere" in result.output
    assert not (tmp_path / "o").exists()


def test_explain_bad_layer_is_one_line_error_in_a_subprocess(mininet_weights, image_folder, tmp_path):
    result = run_cli("explain", "--weights", str(mininet_weights), "--input", str(image_folder), "--output",
                     str(tmp_path / "o"), "--layer", "decoder.7")
    assert_one_line_error(result, "unknown layer 'decoder.7' for mininet", "decoder.2")


def test_explain_output_follows_the_one_output_rule(mininet_weights, image_folder, tmp_path):
    """A user's folder is never overwritten; a rerun replaces its own folder whole (no first-run files left)."""
    runner = CliRunner()
    args = ["--weights", str(mininet_weights), "--no-progress", "--output"]
    users = tmp_path / "mine"
    (users / "overlays").mkdir(parents=True)
    (users / "overlays" / "a_foreground.png").write_bytes(b"the user's picture")
    result = runner.invoke(main, ["explain", *args, str(users), "--input", str(image_folder)])
    assert result.exit_code == 1 and f"(mv {users} {users}.old)" in result.output
    assert (users / "overlays" / "a_foreground.png").read_bytes() == b"the user's picture"

    out = tmp_path / "out"
    assert runner.invoke(main, ["explain", *args, str(out), "--input", str(image_folder)]).exit_code == 0
    assert runner.invoke(main, ["explain", *args, str(out), "--input", str(image_folder / "a.png")]).exit_code == 0
    assert sorted(p.name for p in (out / "overlays").iterdir()) == ["a_foreground.png"]  # b's is gone
    assert [item["overlay"] for item in json.loads((out / "explain.json").read_text())["items"]] == \
        [str(out / "overlays" / "a_foreground.png")]
