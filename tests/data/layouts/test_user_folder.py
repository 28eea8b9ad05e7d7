"""convert can be told a user's own layout (--masks-dir, --mask-suffix) and writes the standard one."""

import json

import numpy as np
from PIL import Image

from litemedseg.data.folder import open_dataset
from tests.data.test_mask_layouts import rearranged
from tests.helpers import assert_one_line_error, run_cli


def test_convert_a_labels_folder_with_suffixed_masks(tmp_path):
    root = rearranged(tmp_path / "mine", "labels", "_mask", count=6)
    result = run_cli("convert", "--input", str(root), "--output", str(tmp_path / "std"), "--masks-dir", "labels",
                     "--mask-suffix", "_mask", "--no-progress")
    assert result.returncode == 0, result.stderr[-2000:]
    converted = open_dataset(tmp_path / "std")
    assert converted.masks_dir == "masks" and converted.mask_suffix == "" and len(converted.samples) == 6
    original = np.asarray(Image.open(root / "labels" / "case003_mask.png")) > 0
    assert np.array_equal(np.asarray(Image.open(tmp_path / "std" / "masks" / "case003.png")) > 0, original)
    assert json.loads((tmp_path / "std" / "conversion.json").read_text())["layout"].startswith("a user's folder")


def test_an_official_layout_with_masks_dir_is_a_one_line_error(tmp_path):
    root = rearranged(tmp_path / "mine", "labels", count=2)
    result = run_cli("convert", "--input", str(root), "--output", str(tmp_path / "std"), "--layout", "drive",
                     "--masks-dir", "labels")
    assert_one_line_error(result, "--masks-dir and --mask-suffix describe your own folder")
    assert not (tmp_path / "std").exists()
