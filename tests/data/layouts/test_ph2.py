"""PH2: one folder per case (IMDxxx) with the image and lesion BMPs; ROIs ignored."""

import pytest

from litemedseg.data.layouts import detect_layout
from litemedseg.errors import DataError
from tests.data.layouts import fixtures as fx


def test_converts_cases_from_the_dataset_folder_or_its_images_folder(tmp_path):
    expected = fx.ph2(tmp_path / "PH2Dataset")
    assert detect_layout(tmp_path / "PH2Dataset") == "ph2"
    assert detect_layout(tmp_path / "PH2Dataset" / "PH2 Dataset images") == "ph2"
    report, ds = fx.convert(tmp_path / "PH2Dataset", tmp_path / "out")
    fx.assert_masks(ds, expected)
    assert report.counts == {"all": 3} and ds.samples["IMD002"].image.name == "IMD002.png"


def test_missing_lesion_mask_names_the_case(tmp_path):
    fx.ph2(tmp_path / "src")
    (tmp_path / "src" / "PH2 Dataset images" / "IMD003" / "IMD003_lesion" / "IMD003_lesion.bmp").unlink()
    with pytest.raises(DataError, match=r"IMD003\.bmp: no lesion mask \(expected .*IMD003_lesion\.bmp\)"):
        fx.convert(tmp_path / "src", tmp_path / "out")
