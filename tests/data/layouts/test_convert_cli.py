"""`litemedseg convert`: detection, one-line summary, and one-line errors for bad input."""

import json

import pytest
from click.testing import CliRunner

from litemedseg.cli.main import main
from tests.data.layouts import fixtures as fx
from tests.helpers import assert_one_line_error, run_cli


def invoke(*args: str):
    return CliRunner().invoke(main, ["convert", *args])


def error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("warning:")]
    assert result.exit_code == 1 and len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "Traceback" not in result.output
    return lines[0]


def test_detects_converts_and_prints_one_summary_line(tmp_path):
    fx.drive(tmp_path / "DRIVE", test_manual=False)
    result = invoke("--input", str(tmp_path / "DRIVE"), "--output", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"converted 2 images (2 train) from DRIVE (retinal vessels) into {tmp_path / 'out'}; fov/ from the official "
        "masks; skipped 2 files"]
    assert result.stderr.count("warning: skipped 2 test images") == 1
    report = json.loads((tmp_path / "out" / "conversion.json").read_text())
    assert report["layout"] == "DRIVE (retinal vessels)" and report["skipped_files"] == 2


def test_layout_option_and_existing_output(tmp_path):
    fx.glas(tmp_path / "src")
    result = invoke("--input", str(tmp_path / "src"), "--output", str(tmp_path / "out"), "--layout", "GlaS")
    assert result.exit_code == 0, result.output
    line = error_line(invoke("--input", str(tmp_path / "src"), "--output", str(tmp_path / "out")))
    assert f"{tmp_path / 'out'}: folder exists and is not empty (pass --overwrite" in line
    result = invoke("--input", str(tmp_path / "src"), "--output", str(tmp_path / "out"), "--overwrite")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("args", "fragment"), [
    (["--layout", "stare"], "unknown layout 'stare' (known: nnunet, isic2016"),
    ([], "no known official layout found (known: nnunet, isic2016"),
])
def test_unknown_or_undetected_layout(tmp_path, args, fragment):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "notes.txt").write_text("")
    line = error_line(invoke("--input", str(tmp_path / "src"), "--output", str(tmp_path / "out"), *args))
    assert fragment in line and not (tmp_path / "out").exists()


def test_corrupt_image_is_one_line_error_and_leaves_no_output(tmp_path):
    fx.isic(tmp_path / "src", 2018)
    bad = tmp_path / "src" / "ISIC2018_Task1-2_Validation_Input" / "ISIC_0000003.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    result = run_cli("convert", "--input", str(tmp_path / "src"), "--output", str(tmp_path / "out"))
    assert_one_line_error(result, str(bad))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src"]  # no output, no staging folder left behind


def test_missing_counterpart_through_the_cli(tmp_path):
    fx.chase(tmp_path / "src")
    (tmp_path / "src" / "Image_01R_1stHO.png").unlink()
    line = error_line(invoke("--input", str(tmp_path / "src"), "--output", str(tmp_path / "out")))
    assert "Image_01R.jpg: no vessel annotation (expected" in line


def test_help_lists_every_layout():
    from litemedseg.data.layouts import LAYOUTS

    result = CliRunner().invoke(main, ["convert", "--help"])
    text = "".join(result.output.split())  # the help is wrapped, possibly inside a name like kvasir-seg
    assert result.exit_code == 0 and all(f"{name}," in text or f"{name}(" in text for name in LAYOUTS), result.output
