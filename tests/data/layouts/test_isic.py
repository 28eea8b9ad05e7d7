"""ISIC 2016 / 2017 / 2018: official folder names, official splits, superpixel maps ignored."""

import json

import pytest

from litemedseg.errors import DataError
from tests.data.layouts import fixtures as fx


@pytest.mark.parametrize(("year", "splits"), [(2016, ["train", "test"]), (2017, ["train", "val", "test"]),
                                              (2018, ["train", "val", "test"])])
def test_converts_every_official_split(tmp_path, year, splits):
    expected = fx.isic(tmp_path / "src", year)
    report, ds = fx.convert(tmp_path / "src", tmp_path / "out")
    assert report.layout.startswith(f"ISIC {year}")
    fx.assert_masks(ds, expected)
    split = json.loads((tmp_path / "out" / "split.json").read_text())
    assert list(split) == splits and all(len(v) == 2 for v in split.values())
    if "val" in splits:
        assert ds.splits["val"] == split["val"]  # the official validation set is kept, not re-drawn
    # JPEG inputs are copied byte for byte; the 2017 superpixel maps and metadata are not images of the set
    image = ds.samples["ISIC_0000000"].image
    original = tmp_path / "src" / fx.ISIC_FOLDERS[year]["train"][0] / "ISIC_0000000.jpg"
    assert image.read_bytes() == original.read_bytes()
    assert not any("superpixels" in s for s in ds.samples)


def test_split_without_ground_truth_is_skipped_with_one_warning(tmp_path):
    expected = fx.isic(tmp_path / "src", 2018, ground_truth=("train", "val"))
    with pytest.warns(UserWarning, match=r"skipped 2 test images of .*ISIC2018_Task1-2_Test_Input") as record:
        report, ds = fx.convert(tmp_path / "src", tmp_path / "out")
    assert len(record) == 1
    assert report.counts == {"train": 2, "val": 2} and report.skipped_files == 2
    fx.assert_masks(ds, expected)


def test_image_without_its_mask_names_the_expected_file(tmp_path):
    fx.isic(tmp_path / "src", 2016)
    (tmp_path / "src" / "ISBI2016_ISIC_Part1_Training_GroundTruth" / "ISIC_0000001_Segmentation.png").unlink()
    with pytest.raises(DataError, match=r"ISIC_0000001\.jpg: no ground-truth mask \(expected .*0001_Segmentation"):
        fx.convert(tmp_path / "src", tmp_path / "out")
    assert not (tmp_path / "out").exists()
