"""`litemedseg predict --runtime onnx`: no PyTorch on the path, the same masks as the PyTorch runtime."""

import subprocess
import sys

import numpy as np
from click.testing import CliRunner
from PIL import Image

from litemedseg.cli.main import main
from tests.export.conftest import DEMO_IMAGES
from tests.helpers import assert_one_line_error

# What an edge box with `pip install litemedseg[runtime]` lacks: importing any of these now fails.
NO_TORCH = """
import sys
for name in ("torch", "torchvision", "monai", "kornia", "safetensors", "onnx", "scipy", "pydantic", "matplotlib"):
    sys.modules[name] = None
from litemedseg.cli.main import main
main(sys.argv[1:], prog_name="litemedseg")
"""


def test_onnx_runtime_never_imports_torch(tmp_path, demo_onnx):
    images = tmp_path / "images"
    images.mkdir()
    for path in sorted(DEMO_IMAGES.glob("*.png"))[:3]:
        (images / path.name).write_bytes(path.read_bytes())
    result = subprocess.run([sys.executable, "-c", NO_TORCH, "predict", "--weights", str(demo_onnx), "--input",
                             str(images), "--output", str(tmp_path / "out"), "--overlay", "--probabilities",
                             "--no-progress"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "wrote 3 masks" in result.stdout
    for sub in ("masks", "overlays", "probabilities"):
        assert len(list((tmp_path / "out" / sub).glob("*.png"))) == 3
    mask = np.asarray(Image.open(next((tmp_path / "out" / "masks").glob("*.png"))))
    assert set(np.unique(mask)) <= {0, 255}


def test_same_masks_as_the_torch_runtime(tmp_path, demo_checkpoint, demo_onnx):
    runner = CliRunner()
    images = sorted(DEMO_IMAGES.glob("*.png"))[:6]
    folder = tmp_path / "images"
    folder.mkdir()
    for path in images:
        (folder / path.name).write_bytes(path.read_bytes())
    outputs = {}
    # --precision fp32: the run's measured plan may have picked bf16 on this CPU; the export computes in fp32
    for name, args in {"torch": ["--weights", str(demo_checkpoint), "--precision", "fp32"],
                       "onnx": ["--weights", str(demo_onnx)]}.items():  # .onnx picks --runtime onnx by itself
        result = runner.invoke(main, ["predict", *args, "--input", str(folder), "--output", str(tmp_path / name),
                                      "--no-progress"])
        assert result.exit_code == 0, result.output
        outputs[name] = [np.asarray(Image.open(tmp_path / name / "masks" / p.name)) for p in images]
    agree = sum(int((a == b).sum()) for a, b in zip(outputs["torch"], outputs["onnx"]))
    assert agree / sum(a.size for a in outputs["torch"]) >= 0.999


def test_runtime_mismatches_are_one_line_errors(tmp_path, demo_checkpoint, demo_onnx):
    runner = CliRunner()
    image = str(next(DEMO_IMAGES.glob("*.png")))
    result = runner.invoke(main, ["predict", "--weights", str(demo_onnx), "--runtime", "torch", "--input", image,
                                  "--output", str(tmp_path / "o")])
    assert result.exit_code == 1 and "--runtime onnx" in result.stderr and "Traceback" not in result.output
    result = runner.invoke(main, ["predict", "--weights", str(demo_checkpoint), "--runtime", "onnx", "--input",
                                  image, "--output", str(tmp_path / "o")])
    assert result.exit_code == 1 and "needs an .onnx file" in result.stderr


def test_corrupt_onnx_file_in_a_subprocess_is_one_line(tmp_path):
    bad = tmp_path / "broken.onnx"
    bad.write_bytes(b"\x08\x07garbage")
    result = subprocess.run([sys.executable, "-c", NO_TORCH, "predict", "--weights", str(bad), "--input",
                             str(next(DEMO_IMAGES.glob("*.png"))), "--output", str(tmp_path / "o")],
                            capture_output=True, text=True, timeout=300)
    assert_one_line_error(result, "broken.onnx", "cannot load")
