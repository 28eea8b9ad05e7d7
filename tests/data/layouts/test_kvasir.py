"""Kvasir-SEG: JPEG masks binarised at grey >= 128 and written as PNG; no official split."""

import numpy as np
import pytest

from litemedseg.data.layouts import detect_layout
from tests.data.layouts import fixtures as fx
from tests.helpers import make_folder


def test_jpeg_masks_are_thresholded_into_exact_png_masks(tmp_path):
    expected = fx.kvasir(tmp_path / "Kvasir-SEG")
    stem = next(iter(expected))
    raw = fx.read(tmp_path / "Kvasir-SEG" / "masks" / f"{stem}.jpg")
    assert len(np.unique(raw)) > 2  # the fixture really has JPEG noise to remove
    report, ds = fx.convert(tmp_path / "Kvasir-SEG", tmp_path / "out")
    fx.assert_masks(ds, expected)
    assert ds.samples[stem].mask.suffix == ".png" and ds.samples[stem].image.suffix == ".jpg"
    assert report.counts == {"all": 3} and not (tmp_path / "out" / "split.json").exists()


def test_mask_threshold_option_overrides_the_default(tmp_path):
    fx.kvasir(tmp_path / "src")
    _, ds = fx.convert(tmp_path / "src", tmp_path / "out", mask_threshold=254)
    _, default = fx.convert(tmp_path / "src", tmp_path / "out2")
    stem = sorted(ds.samples)[0]
    assert fx.read(ds.samples[stem].mask).sum() <= fx.read(default.samples[stem].mask).sum()


def test_standard_folder_with_png_masks_is_not_taken_for_kvasir(tmp_path):
    assert detect_layout(make_folder(tmp_path / "std", count=2)) is None


@pytest.mark.parametrize("missing", ["images", "masks"])
def test_unpaired_file_is_an_error(tmp_path, missing):
    from litemedseg.errors import DataError

    expected = fx.kvasir(tmp_path / "src")
    stem = sorted(expected)[1]
    (tmp_path / "src" / missing / f"{stem}.jpg").unlink()
    with pytest.raises(DataError, match=stem):
        fx.convert(tmp_path / "src", tmp_path / "out")
