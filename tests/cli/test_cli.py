"""The command line end to end in subprocesses: outputs, exit codes, one-line errors."""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.helpers import assert_one_line_error, run_cli


def test_info_lists_models_with_params_and_macs():
    result = run_cli("info")
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    assert "2,077,652" in lines["med2dsegnet"] and "+0.37%" in lines["med2dsegnet"]
    assert "37,681" in lines["mininet"] and "-0.05%" in lines["mininet"]
    assert "1,471,425" in lines["unext"] and "253,393" in lines["unext_s"] and "53,502" in lines["egeunet"]
    assert "1,625,420" in lines["unet"]
    assert "MACs" in result.stdout
    assert "mininet schedule=one_cycle, recipe.deep_supervision=True" in lines["training"]
    shipped = lines["shipped"]
    assert "med2dsegnet:kvasir" in shipped and "mininet:drive" in shipped and "mininet:ph2" in shipped


def test_help_on_every_subcommand():
    for command in ("info", "train", "evaluate", "predict"):
        result = run_cli(command, "--help")
        assert result.returncode == 0 and "Usage:" in result.stdout, command


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli")
    result = run_cli("train", "--data", "demo", "--model", "mininet", "--epochs", "2", "--size", "64", "--no-progress",
                     "--output", str(out), "--name", "run", "--set", "tensorboard=false")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "best validation" in result.stdout
    return out / "run"


def test_evaluate_and_predict_commands(cli_run, tmp_path):
    result = run_cli("evaluate", "--weights", str(cli_run / "best"), "--data", "demo", "--output", str(tmp_path / "e"),
                     "--no-hd95")
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "e" / "summary.json").read_text())["num_images"] == 10
    result = run_cli("predict", "--weights", str(cli_run / "best"), "--input",
                     "src/litemedseg/data/demo/dsb2018_mini/images", "--output", str(tmp_path / "p"), "--overlay")
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "p" / "masks").glob("*.png"))) == 96
    assert len(list((tmp_path / "p" / "overlays").glob("*.png"))) == 96


def test_grey_input_for_a_colour_model_gives_one_warning_line_per_command(cli_run, tmp_path):
    """The same rule in predict and evaluate (serve: tests/serve/test_segment.py): repeated, said once."""
    data = tmp_path / "grey"
    for sub in ("images", "masks"):
        (data / sub).mkdir(parents=True)
    demo = sorted(Path("src/litemedseg/data/demo/dsb2018_mini/images").iterdir())[:4]
    for path in demo:
        Image.open(path).convert("L").save(data / "images" / f"grey_{path.name}")  # new stems, new pixels: unseen
        Image.open(Path(str(path).replace("/images/", "/masks/"))).save(data / "masks" / f"grey_{path.name}")
    for argv in (["predict", "--input", str(data / "images"), "--output", str(tmp_path / "p")],
                 ["evaluate", "--data", str(data), "--split", "all", "--no-hd95", "--zero-shot"]):
        result = run_cli(*argv[:1], "--weights", str(cli_run / "best"), *argv[1:], "--no-progress")
        assert result.returncode == 0, result.stderr[-2000:]
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert lines == ["warning: grey image(s) given to a model that takes colour (RGB) images: the grey channel "
                         "is repeated into R, G and B, and masks may be poorer than on colour input"], lines


def test_user_errors_are_one_line(cli_run, tmp_path):
    assert_one_line_error(run_cli("train", "--data", str(tmp_path / "missing")), "missing", "dataset folder not found")
    assert_one_line_error(run_cli("train", "--epochs", "0"), "epochs")
    assert_one_line_error(run_cli("train", "--model", "unetx"), "unknown model")
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("epochs: [1,\n")
    assert_one_line_error(run_cli("train", "--config", str(bad_yaml)), "bad.yaml", "invalid YAML")
    assert_one_line_error(run_cli("predict", "--weights", str(tmp_path), "--input", "x.png", "--output", "o"),
                          "x.png")
    fake = tmp_path / "fake.safetensors"
    fake.write_bytes(b"\x80\x04\x95 pickle pretending to be weights")
    image = tmp_path / "img.png"
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(image)
    assert_one_line_error(run_cli("predict", "--weights", str(fake), "--input", str(image), "--output",
                                  str(tmp_path / "o")), "fake.safetensors", "not a valid safetensors file")
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    assert_one_line_error(run_cli("predict", "--weights", str(cli_run / "best"), "--input", str(corrupt),
                                  "--output", str(tmp_path / "o2"), "--no-progress"), "corrupt.png")
    assert not (tmp_path / "o2" / "masks").exists()


def test_usage_errors_exit_2():
    result = run_cli("evaluate")
    assert result.returncode == 2 and "Missing option" in result.stderr
