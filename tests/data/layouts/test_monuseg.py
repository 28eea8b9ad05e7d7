"""MoNuSeg: Aperio XML polygons rasterised into binary masks; training and test folders."""

import json

import numpy as np
import pytest

from litemedseg.data.layouts import detect_layout
from litemedseg.data.layouts.monuseg import rasterise_xml
from litemedseg.errors import DataError
from tests.data.layouts import fixtures as fx


def test_polygons_are_filled_and_official_split_kept(tmp_path):
    expected = fx.monuseg(tmp_path / "MoNuSeg")
    report, ds = fx.convert(tmp_path / "MoNuSeg", tmp_path / "out")
    fx.assert_masks(ds, expected)  # two squares each; the two-point region adds nothing
    assert json.loads((tmp_path / "out" / "split.json").read_text()) == {
        "train": ["TCGA-18-5592-01Z-00-DX1", "TCGA-21-5784-01Z-00-DX1"], "test": ["TCGA-2Z-A9J9-01A-01-TS1"]}
    assert all(s.image.suffix == ".png" for s in ds.samples.values())


def test_training_or_test_folder_alone(tmp_path):
    fx.monuseg(tmp_path / "src")
    assert detect_layout(tmp_path / "src" / "MoNuSeg 2018 Training Data") == "monuseg"
    report, _ = fx.convert(tmp_path / "src" / "MoNuSegTestData", tmp_path / "out")
    assert report.counts == {"test": 1} and not (tmp_path / "out" / "split.json").exists()


def test_rasterise_keeps_fractional_vertices_inside_the_image(tmp_path):
    path = tmp_path / "a.xml"
    path.write_text(fx.aperio_xml([[(-5.5, -5.5), (4.4, -5.5), (4.4, 2.2), (-5.5, 2.2)]]))
    mask = rasterise_xml(path, (6, 8))
    assert mask.dtype == np.uint8 and mask[:3, :5].all() and mask.sum() == 15  # clipped to the image


@pytest.mark.parametrize(("text", "problem"), [
    ("<Annotations><Region><Vertices><Vertex X=1", "not a readable XML annotation"),
    ('<Annotations><Region Id="4"><Vertices><Vertex X="a" Y="2"/></Vertices></Region></Annotations>',
     "a <Vertex> of region 4 lacks numeric X and Y"),
])
def test_bad_xml_is_a_one_line_error_naming_the_file(tmp_path, text, problem):
    fx.monuseg(tmp_path / "src")
    bad = tmp_path / "src" / "MoNuSegTestData" / "TCGA-2Z-A9J9-01A-01-TS1.xml"
    bad.write_text(text)
    with pytest.raises(DataError) as info:
        fx.convert(tmp_path / "src", tmp_path / "out")
    assert str(info.value).startswith(f"{bad}: {problem}") and "\n" not in str(info.value)
    assert not (tmp_path / "out").exists()
