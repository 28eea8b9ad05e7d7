"""nnU-Net raw: dataset.json labels become classes.json, class-index masks kept, channel files stacked."""

import json

import numpy as np
import pytest

pytestmark = pytest.mark.filterwarnings("ignore:skipped 1 cases")

from litemedseg.errors import DataError
from tests.data.layouts import fixtures as fx


def test_multiclass_labels_stay_class_indices(tmp_path):
    expected = fx.nnunet(tmp_path)
    with pytest.warns(UserWarning, match=r"skipped 1 cases of .*imagesTs \(no labelsTs folder"):
        report, ds = fx.convert(tmp_path / "Dataset042_Toy", tmp_path / "out")
    fx.assert_masks(ds, expected, scale=1)
    assert ds.num_classes == 4 and ds.class_names == ["background", "rv", "myo", "lv"]
    assert report.num_classes == 4 and "4 classes" in report.summary()
    assert report.counts == {"train": 2} and not (tmp_path / "out" / "split.json").exists()


def test_three_grey_channels_become_rgb_and_labelled_test_set_is_used(tmp_path):
    expected = fx.nnunet(tmp_path, channels=3, labels={"background": 0, "polyp": 1}, test_labels=True)
    report, ds = fx.convert(tmp_path, tmp_path.parent / "out")  # dataset found one level down
    fx.assert_masks(ds, expected)  # two labels: binary 0/255 masks
    assert ds.num_classes == 1 and ds.class_names == ["background", "polyp"]
    image = fx.read(ds.samples["toy_002"].image)
    np.testing.assert_array_equal(image, np.stack([fx.noise(10 + c, channels=1) for c in range(3)], axis=-1))
    assert report.counts == {"train": 2, "test": 1}


def test_nnunet_v1_label_map(tmp_path):
    expected = fx.nnunet(tmp_path, labels={"0": "background", "1": "a", "2": "b"})
    _, ds = fx.convert(tmp_path / "Dataset042_Toy", tmp_path / "out")
    assert ds.class_names == ["background", "a", "b"]
    fx.assert_masks(ds, expected, scale=1)


@pytest.mark.parametrize(("edit", "problem"), [
    ({"file_ending": ".nii.gz"}, "file_ending '.nii.gz' is not a 2D image type"),
    ({"labels": {"background": 0, "whole": [1, 2]}}, "region-based labels"),
    ({"labels": {"background": 0, "a": 2}}, "label indices must be 0..C-1"),
    ({"labels": {"background": 0, "a": 1, "ignore": 2}}, "the \"ignore\" label is not supported"),
])
def test_bad_dataset_json(tmp_path, edit, problem):
    fx.nnunet(tmp_path)
    path = tmp_path / "Dataset042_Toy" / "dataset.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **edit}))
    with pytest.raises(DataError, match=f"dataset.json: {problem}"):
        fx.convert(tmp_path / "Dataset042_Toy", tmp_path / "out")


def test_label_value_outside_the_classes_names_the_file(tmp_path):
    fx.nnunet(tmp_path, labels={"background": 0, "a": 1, "b": 2})  # the fixture draws label 2 ... and 7 below
    label = tmp_path / "Dataset042_Toy" / "labelsTr" / "toy_002.png"
    fx.save(label, (fx.box(2, 2) * 7).astype(np.uint8))
    with pytest.raises(DataError, match=r"toy_002\.png: label values \{0, 7\} outside the 3 classes"):
        fx.convert(tmp_path / "Dataset042_Toy", tmp_path / "out")


def test_two_channels_cannot_be_converted(tmp_path):
    fx.nnunet(tmp_path, channels=2)
    with pytest.raises(DataError, match=r"toy_001_0000\.png: case 'toy_001' has 2 channel files"):
        fx.convert(tmp_path / "Dataset042_Toy", tmp_path / "out")
