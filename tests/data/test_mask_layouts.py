"""Masks kept the way people keep them: labels/, gt/, <stem>_mask.png, --masks-dir, --mask-suffix; one-line
messages when the layout cannot be decided; warnings that list five names and a count."""

import json
import shutil
import warnings
from pathlib import Path

import pytest

from litemedseg.data.folder import open_dataset
from litemedseg.errors import DataError
from tests.helpers import assert_one_line_error, make_folder, run_cli


def rearranged(root: Path, masks_dir: str = "masks", suffix: str = "", count: int = 12) -> Path:
    """make_folder's set with its masks moved to `masks_dir` and renamed <stem>`suffix`.png."""
    make_folder(root, count=count, size=(40, 40))
    target = root / masks_dir
    target.mkdir(exist_ok=True)
    for path in sorted((root / "masks").iterdir()):
        path.rename(target / f"{path.stem}{suffix}{path.suffix}")
    if masks_dir != "masks":
        (root / "masks").rmdir()
    return root


@pytest.mark.parametrize("folder", ["labels", "annotations", "gt", "GroundTruth"])
def test_common_mask_folders_are_found(tmp_path, folder):
    dataset = open_dataset(rearranged(tmp_path / "ds", folder))
    assert len(dataset.samples) == 12 and dataset.masks_dir == folder
    assert all(s.mask.parent.name == folder for s in dataset.samples.values())


@pytest.mark.parametrize("suffix", ["_mask", "_segmentation", "_Segmentation", "_manual1", "-gt"])
def test_a_common_suffix_is_found(tmp_path, suffix):
    dataset = open_dataset(rearranged(tmp_path / "ds", "masks", suffix))
    assert dataset.mask_suffix == suffix and len(dataset.samples) == 12
    assert all(s.mask.name == f"{s.stem}{suffix}.png" for s in dataset.samples.values())
    assert dataset.describe()["mask_suffix"] == suffix


def test_given_folder_and_suffix(tmp_path):
    root = rearranged(tmp_path / "ds", "my masks", "_m")
    elsewhere = tmp_path / "kept_apart"
    shutil.move(root / "my masks", elsewhere)
    dataset = open_dataset(root, masks_dir=elsewhere, mask_suffix="_m")
    assert len(dataset.samples) == 12 and dataset.masks_dir == str(elsewhere)
    with pytest.raises(DataError, match=r"nowhere: masks folder not found \(--masks-dir\)"):
        open_dataset(root, masks_dir="nowhere")


def test_masks_folder_wins_over_the_others(tmp_path):
    root = make_folder(tmp_path / "ds", count=6, size=(40, 40))
    (root / "labels").mkdir()
    assert open_dataset(root).masks_dir == "masks"


def test_two_candidate_folders_are_named_not_guessed(tmp_path):
    root = rearranged(tmp_path / "ds", "labels")
    shutil.copytree(root / "labels", root / "gt")
    with pytest.raises(DataError, match=r"several folders could hold the masks \(labels/, gt/\); pass --masks-dir"):
        open_dataset(root)
    assert len(open_dataset(root, masks_dir="gt").samples) == 12


def test_no_mask_folder_says_what_was_looked_for(tmp_path):
    root = make_folder(tmp_path / "ds", count=4, size=(40, 40))
    shutil.rmtree(root / "masks")
    with pytest.raises(DataError, match=r"no masks/ folder \(nor labels/, annotations/, gt/; pass --masks-dir NAME\)"):
        open_dataset(root)


def test_names_that_pair_with_no_suffix_name_an_example_of_each(tmp_path):
    root = make_folder(tmp_path / "ds", count=4, size=(40, 40))
    for path in sorted((root / "masks").iterdir()):
        path.rename(path.with_name(f"m_{path.name}"))
    with pytest.raises(DataError, match=r"no image has a mask named after it \(images like 'case000.png', masks like "
                                        r"'m_case000.png'\); pass --mask-suffix SUFFIX"):
        open_dataset(root)


def test_a_tie_between_suffixes_is_refused(tmp_path):
    root = make_folder(tmp_path / "ds", count=2, size=(40, 40))
    (root / "masks" / "case000.png").rename(root / "masks" / "case000_a.png")
    (root / "masks" / "case001.png").rename(root / "masks" / "case001_b.png")
    with pytest.raises(DataError, match=r"either suffix '_a' or '_b'; pass --mask-suffix"):
        open_dataset(root)


def test_unpaired_warning_lists_five_names_and_a_count(tmp_path):
    root = make_folder(tmp_path / "ds", count=20, size=(40, 40))
    for path in sorted((root / "masks").iterdir())[:12]:
        path.unlink()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dataset = open_dataset(root, skip_unpaired=True)
    assert len(dataset.samples) == 8
    (message,) = [str(w.message) for w in caught]
    assert message.startswith(f"{root}: skipping 12 unpaired files: images/case000.png (no mask in masks/); ")
    assert message.endswith("images/case004.png (no mask in masks/); and 7 more")
    assert message.count("(no mask in masks/)") == 5


def test_cli_train_and_evaluate_on_a_labels_folder_with_suffix(tmp_path):
    root = rearranged(tmp_path / "ds", "labels", "_mask", count=20)
    trained = run_cli("train", "--data", str(root), "--epochs", "1", "--size", "32", "--output",
                      str(tmp_path / "runs"), "--name", "r", "--no-progress", "--mask-suffix", "_mask")
    assert trained.returncode == 0, trained.stderr[-2000:]
    config = json.loads((tmp_path / "runs" / "r" / "config.json").read_text())
    assert (config["dataset"]["masks_dir"], config["dataset"]["mask_suffix"]) == ("labels", "_mask")
    assert config["config"]["mask_suffix"] == "_mask"
    scored = run_cli("evaluate", "--weights", str(tmp_path / "runs" / "r" / "best"), "--data", str(root),
                     "--no-progress", "--no-hd95")
    assert scored.returncode == 0, scored.stderr[-2000:]
    wrong = run_cli("evaluate", "--weights", str(tmp_path / "runs" / "r" / "best"), "--data", str(root),
                    "--no-progress", "--no-hd95", "--masks-dir", "nowhere")
    assert_one_line_error(wrong, "nowhere: masks folder not found (--masks-dir)")
