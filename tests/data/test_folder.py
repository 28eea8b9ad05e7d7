"""Dataset folders: pairing by stem, class files, split resolution."""

import json

import pytest

from litemedseg.data import demo_dataset, open_dataset
from litemedseg.data.splits import add_val_split, make_split
from litemedseg.errors import DataError
from tests.helpers import make_folder


def test_pairs_images_and_masks_by_stem(synthetic_folder):
    ds = open_dataset(synthetic_folder)
    assert len(ds.samples) == 12 and ds.num_classes == 1 and not ds.has_fov
    assert sum(len(v) for v in ds.splits.values()) == 12
    assert "80/10/10" in ds.split_source


def test_unpaired_image_is_an_error_naming_both_folders(synthetic_folder):
    (synthetic_folder / "masks" / "case003.png").unlink()
    with pytest.raises(DataError, match=r"images/case003.png \(no mask in .*masks\)"):
        open_dataset(synthetic_folder)
    with pytest.warns(UserWarning, match="skipping 1 unpaired files"):
        ds = open_dataset(synthetic_folder, skip_unpaired=True)
    assert "case003" not in ds.samples


def test_mask_without_image_is_named(synthetic_folder):
    (synthetic_folder / "images" / "case001.png").unlink()
    with pytest.raises(DataError, match=r"masks/case001.png \(no image in"):
        open_dataset(synthetic_folder)


def test_missing_folders(tmp_path):
    with pytest.raises(DataError, match="dataset folder not found"):
        open_dataset(tmp_path / "absent")
    (tmp_path / "x").mkdir()
    with pytest.raises(DataError, match="no images/ folder"):
        open_dataset(tmp_path / "x")


def test_official_split_gets_a_val_share(tmp_path):
    root = make_folder(tmp_path / "d", count=30, with_split=True)
    ds = open_dataset(root)
    assert len(ds.splits["test"]) == 10 and len(ds.splits["val"]) == 2 and len(ds.splits["train"]) == 18
    assert "val: 10% of train" in ds.split_source


def test_split_listing_unknown_stems_is_an_error(tmp_path):
    root = make_folder(tmp_path / "d", count=6)
    (root / "split.json").write_text(json.dumps({"train": ["case000", "ghost"], "test": ["case001"]}))
    with pytest.raises(DataError, match="split.json: 1 listed stems are not in"):
        open_dataset(root)


def test_make_split_is_seeded_and_keeps_patients_together():
    stems = [f"patient{p:03d}_slice{s:02d}" for p in range(20) for s in range(5)]
    a, b = make_split(stems), make_split(list(reversed(stems)))
    assert a == b
    patients = {name: {s.split("_")[0] for s in a[name]} for name in a}
    assert not (patients["train"] & patients["test"]) and not (patients["train"] & patients["val"])
    assert len(a["test"]) == 10 and len(a["val"]) == 10
    assert add_val_split({"train": stems[:50], "test": stems[50:]})["test"] == sorted(stems[50:])


def test_demo_dataset_is_shipped_with_its_split():
    ds = demo_dataset()
    assert ds.name == "DSB2018-mini" and len(ds.samples) == 96
    assert {k: len(v) for k, v in ds.splits.items()} == {"train": 76, "val": 10, "test": 10}
    assert (ds.root / "README.md").read_text().count("CC0") >= 1


def test_fov_folder_is_paired(tmp_path):
    root = make_folder(tmp_path / "v", count=4, with_fov=True)
    ds = open_dataset(root)
    assert ds.has_fov
    (root / "fov" / "case002.png").unlink()
    with pytest.raises(DataError, match="no field-of-view mask for 'case002'"):
        open_dataset(root)


@pytest.mark.shared_data
def test_committed_splits_match_shared_datasets(shared_data):
    expected = {"Kvasir-SEG": (792, 88, 120), "DRIVE": (18, 2, 20), "MoNuSeg": (27, 3, 14), "PH2": (160, 20, 20),
                "CHASE_DB1": (18, 2, 8), "ACDC_2D": (679, 82, 189), "DSB2018": (482, 54, 134)}
    for name, sizes in expected.items():
        ds = open_dataset(shared_data / name, num_classes=4 if name == "ACDC_2D" else None)
        assert tuple(len(ds.splits[k]) for k in ("train", "val", "test")) == sizes, name
        assert ds.split_source == f"splits/{name}.json", ds.split_source  # no machine path in records
    acdc = open_dataset(shared_data / "ACDC_2D")
    assert acdc.num_classes == 4 and acdc.class_names == ["background", "RV", "myocardium", "LV"]
    assert open_dataset(shared_data / "DRIVE").has_fov


def test_a_flat_folder_is_recognised_and_the_fix_is_given(tmp_path):
    import numpy as np
    from PIL import Image

    from litemedseg.data import open_dataset
    from litemedseg.errors import DataError

    flat = tmp_path / "flat"
    flat.mkdir()
    for stem in ("1", "2", "3"):
        Image.fromarray(np.zeros((16, 16, 3), np.uint8)).save(flat / f"{stem}.png")
        Image.fromarray(np.zeros((16, 16), np.uint8)).save(flat / f"{stem}_mask.png")
    with pytest.raises(DataError, match=r"flat: images and masks lie side by side \(3 images, 3 masks named like "
                                        r"'1_mask.png'\); .*mv \*_mask.png masks/ && mv \*.png images/"):
        open_dataset(flat)


def test_group_by_keeps_every_video_in_one_split(tmp_path):
    import numpy as np
    from PIL import Image

    from litemedseg.data import open_dataset

    root = tmp_path / "frames"
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    for video in range(10):
        for frame in range(4):
            stem = f"seq{video}_frame{frame}"
            Image.fromarray(np.zeros((16, 16, 3), np.uint8)).save(root / "images" / f"{stem}.png")
            Image.fromarray(np.zeros((16, 16), np.uint8)).save(root / "masks" / f"{stem}.png")
    (root / "groups.csv").write_text("stem,group\n" + "".join(
        f"seq{v}_frame{f},patient{v // 2}\n" for v in range(10) for f in range(4)))
    for group_by, group_of in ((r"^(seq\d+)_", lambda s: s.split("_")[0]),
                               (str(root / "groups.csv"), lambda s: int(s[3:].split("_")[0]) // 2)):
        dataset = open_dataset(root, group_by=group_by)
        where = {group_of(stem): name for name, stems in dataset.splits.items() for stem in stems}
        for name, stems in dataset.splits.items():
            assert all(where[group_of(stem)] == name for stem in stems)
        assert "whole groups of" in dataset.split_source and dataset.splits["test"]
    ungrouped = open_dataset(root)
    videos = {name: {s.split("_")[0] for s in stems} for name, stems in ungrouped.splits.items()}
    assert videos["train"] & (videos["test"] | videos["val"])  # without it, frames of a video straddle splits
