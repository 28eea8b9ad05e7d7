"""GlaS: gland instance labels become one binary mask; train vs testA + testB."""

import json

from tests.data.layouts import fixtures as fx


def test_instances_are_merged_and_test_parts_joined(tmp_path):
    expected = fx.glas(tmp_path / "Warwick QU Dataset (Released 2016_07_08)")
    report, ds = fx.convert(tmp_path / "Warwick QU Dataset (Released 2016_07_08)", tmp_path / "out")
    fx.assert_masks(ds, expected)
    assert json.loads((tmp_path / "out" / "split.json").read_text()) == {
        "train": ["train_1", "train_2"], "test": ["testA_1", "testB_1"]}
