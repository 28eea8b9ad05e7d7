"""CHASE_DB1: flat folder, first observer as ground truth, FOV derived by thresholding the image."""

import numpy as np
import pytest

from litemedseg.data.io import read_image
from litemedseg.data.layouts.fov import derive_fov, fill_convex_holes
from tests.data.layouts import fixtures as fx


def test_converts_with_derived_fov_and_second_observer(tmp_path):
    expected = fx.chase(tmp_path / "CHASEDB1")
    report, ds = fx.convert(tmp_path / "CHASEDB1", tmp_path / "out")
    fx.assert_masks(ds, expected)
    assert report.fov == "derived" and "derived by thresholding" in report.summary()
    assert report.counts == {"all": 3} and not (tmp_path / "out" / "split.json").exists()
    for stem, (_, fov) in expected.items():
        derived = fx.read(ds.samples[stem].fov) > 0
        iou = (derived & (fov > 0)).sum() / (derived | (fov > 0)).sum()
        assert iou > 0.9, (stem, iou)  # JPEG and the median filter move the rim of a tiny disk by a pixel
    assert (tmp_path / "out" / "masks_2nd" / "Image_01L.png").is_file()


def test_fill_holes_keeps_dark_regions_inside_the_field_of_view():
    mask = np.zeros((9, 9), bool)
    mask[1:8, 1:8] = True
    mask[3:5, 3:5] = False  # a dark lesion inside the retina
    filled = fill_convex_holes(mask)
    assert filled[3:5, 3:5].all() and filled.sum() == 49 and filled.dtype == np.uint8


def test_derive_fov_ignores_isolated_noise_outside():
    image, fov = fx.fundus(0, size=(40, 44))
    image[2, 2] = 255  # a single hot pixel in the black border (the median filter removes it)
    np.testing.assert_array_equal(derive_fov(image), fov)


@pytest.mark.shared_data
def test_derived_fov_matches_the_shipped_third_party_fov(shared_data):
    """The derived FOV against the third-party FOV masks of the shared CHASE_DB1 (a few images, Dice >= 0.998)."""
    root = shared_data / "CHASE_DB1"
    for stem in ("Image_01L", "Image_07R", "Image_14L"):
        reference = fx.read(root / "fov" / f"{stem}.png") > 127
        derived = derive_fov(read_image(root / "images" / f"{stem}.jpg")).astype(bool)
        dice = 2 * (reference & derived).sum() / (reference.sum() + derived.sum())
        assert dice >= 0.998, (stem, dice)
