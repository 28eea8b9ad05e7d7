"""`litemedseg export` on the command line: the report it prints and its one-line errors."""

from click.testing import CliRunner

from litemedseg.cli.main import main
from tests.helpers import assert_one_line_error, run_cli


def test_export_prints_the_report(demo_checkpoint, tmp_path):
    result = CliRunner().invoke(main, ["export", "--weights", str(demo_checkpoint), "--output",
                                       str(tmp_path / "m.onnx"), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "exported onnx (fp32)" in result.output and "max |diff|" in result.output
    assert "per_image_dice on test (10 images)" in result.output
    assert (tmp_path / "m.onnx").is_file() and (tmp_path / "m.onnx.json").is_file()


def test_failed_check_exits_1_after_the_report(demo_checkpoint, tmp_path, monkeypatch):
    from litemedseg.export import api
    from litemedseg.export.report import ExportReport

    def broken(*args, **kwargs):
        report = ExportReport("onnx", "int8", str(tmp_path / "m.onnx"), 1, 1, 0.5, 0.1, "4 test images",
                              split="test", num_images=10, headline_metric="per_image_dice", dice_torch=0.8,
                              dice_export=0.5, dice_drop=0.3, mask_agreement=0.7, failures=["per_image_dice drops"])
        return api.ExportResult(tmp_path / "m.onnx", tmp_path / "m.onnx.json", "onnx", "int8", {}, report, 0.1)

    monkeypatch.setattr(api, "export_model", broken)
    result = CliRunner().invoke(main, ["export", "--weights", str(demo_checkpoint), "--int8"])
    assert result.exit_code == 1
    assert "FAILED: per_image_dice drops" in result.stdout
    assert result.stderr.startswith("error: ") and "export check failed" in result.stderr


def test_bad_inputs_are_one_line_errors(demo_checkpoint, tmp_path):
    runner = CliRunner()
    cases = [
        (["--format", "tflite"], "unknown export format"),
        (["--format", "torchscript", "--int8"], "--int8 is for --format onnx only"),
        (["--int8", "--fp16"], "exclude each other"),
        (["--calibration-images", "0", "--int8"], "--calibration-images"),
    ]
    for args, fragment in cases:
        result = runner.invoke(main, ["export", "--weights", str(demo_checkpoint), *args])
        assert result.exit_code == 1, (args, result.output)
        assert result.stderr.startswith("error: ") and fragment in result.stderr and len(
            result.stderr.strip().splitlines()) == 1, (args, result.stderr)


def test_weights_of_another_format_are_one_line_errors(tmp_path):
    onnx_file = tmp_path / "model.onnx"
    onnx_file.write_bytes(b"onnx bytes")
    # in a real process: stderr is exactly one line, no traceback
    assert_one_line_error(run_cli("export", "--weights", str(onnx_file)), "model.onnx", "already exported")
    text = tmp_path / "weights.txt"
    text.write_text("not weights")
    result = CliRunner().invoke(main, ["export", "--weights", str(text)])
    assert result.exit_code == 1 and result.stderr.startswith("error: ")
    assert "weights.txt" in result.stderr and "unsupported weights format" in result.stderr
