"""CVC-ClinicDB: Original/ + Ground Truth/ (TIFF), or the PNG copy; TIFF images become PNG."""

import numpy as np
import pytest

from tests.data.layouts import fixtures as fx


@pytest.mark.parametrize("variant", ["tif", "png"])
def test_converts_frames_by_number(tmp_path, variant):
    expected = fx.cvc(tmp_path / "CVC-ClinicDB", variant)
    report, ds = fx.convert(tmp_path / "CVC-ClinicDB", tmp_path / "out")
    assert report.layout.startswith("CVC-ClinicDB")
    fx.assert_masks(ds, expected)
    assert sorted(ds.samples) == ["1", "2", "3"]
    assert all(s.image.suffix == ".png" for s in ds.samples.values())
    np.testing.assert_array_equal(fx.read(ds.samples["2"].image), fx.noise(2))  # lossless


def test_png_copy_is_preferred_over_the_tiff_copy(tmp_path):
    fx.cvc(tmp_path / "src", "tif", count=3)
    fx.cvc(tmp_path / "src", "png", count=2)
    _, ds = fx.convert(tmp_path / "src", tmp_path / "out")
    assert sorted(ds.samples) == ["1", "2"]


def test_mask_of_another_size_is_an_error_naming_both(tmp_path):
    from litemedseg.errors import DataError

    fx.cvc(tmp_path / "src", "png")
    fx.save(tmp_path / "src" / "PNG" / "Ground Truth" / "2.png", np.zeros((10, 10), np.uint8))
    with pytest.raises(DataError, match=r"Ground Truth/2\.png: mask is 10x10 pixels but its image 2\.png is 24x20"):
        fx.convert(tmp_path / "src", tmp_path / "out")
