"""A run remembers what it saw: its split as stems with image hashes, and evaluate checks scores against it."""

import json
import shutil

import pytest

from litemedseg.checkpoint import CheckpointRecord, read_checkpoint, save_state
from litemedseg.data import demo_root
from litemedseg.data.split_record import image_hash
from litemedseg.engine import evaluate, train
from litemedseg.engine.evaluation import markdown_report
from litemedseg.errors import ConfigError, DataError
from tests.engine.conftest import quick_config, train_interrupted
from tests.helpers import assert_one_line_error, make_folder, run_cli


def _copy_of_demo(target, keep_split=False, extra=0):
    """The demo set under another name, without its split file (a user's own copy), plus `extra` new images."""
    shutil.copytree(demo_root(), target)
    if not keep_split:
        (target / "split.json").unlink()
    if extra:
        make_folder(target / "_extra", count=extra)
        for sub in ("images", "masks"):
            for path in (target / "_extra" / sub).iterdir():
                shutil.move(path, target / sub / f"added_{path.name}")
        shutil.rmtree(target / "_extra")
    return target


def test_run_folder_and_checkpoint_store_the_split_as_stems_with_image_hashes(demo_run):
    saved = json.loads((demo_run.run_dir / "split.json").read_text())
    _, meta = read_checkpoint(demo_run.run_dir / "best")
    record = CheckpointRecord.from_meta(meta).dataset.split_record()
    assert record is not None and record.stems == {k: saved[k] for k in ("train", "val", "test")}
    assert record.digest == saved["sha256"] and len(record.stems["test"]) == 10
    stem = record.stems["train"][0]
    assert record.image_sha256[stem] == image_hash(next((demo_root() / "images").glob(f"{stem}.*")))
    assert meta["dataset"]["split_sizes"] == record.sizes


def test_images_added_to_the_folder_do_not_move_trained_images_into_test(demo_run, tmp_path):
    # the same dataset (by name), now without its split file and with 10 more images: the split made on the fly
    # would differ, but the model's own test stems are scored
    folder = _copy_of_demo(tmp_path / "DSB2018-mini", extra=10)
    result = evaluate(demo_run.run_dir / "best", folder, "test", with_hd95=False, progress=False)
    _, meta = read_checkpoint(demo_run.run_dir / "best")
    assert [r["image"] for r in result.rows] == CheckpointRecord.from_meta(meta).dataset.split_record().stems["test"]
    assert result.summary["overlap"]["checked"] and result.summary["overlap"]["images_seen_in_training"] == 0
    assert "the model's split record" in result.summary["dataset"]["split_source"]


def test_a_renamed_copy_is_caught_by_image_hash_and_refused_as_test_or_zero_shot(demo_run, tmp_path):
    folder = _copy_of_demo(tmp_path / "my_nuclei", extra=10)
    for zero_shot in (False, True):
        with pytest.raises(DataError, match=r"were in the model's train/val split .* by image hash.*--allow-overlap"):
            evaluate(demo_run.run_dir / "best", folder, zero_shot=zero_shot, with_hd95=False, progress=False)
    allowed = evaluate(demo_run.run_dir / "best", folder, zero_shot=True, allow_overlap=True, with_hd95=False,
                       progress=False)
    overlap = allowed.summary["overlap"]
    assert not allowed.summary["zero_shot"] and overlap["allowed"]
    assert overlap["by_image_hash"] == overlap["images_seen_in_training"] == 86  # 96 demo images, 10 in test
    assert overlap["by_stem"] == 86
    report = markdown_report(allowed.summary)
    assert "zero-shot: no" in report and "86 of 106 scored images" in report and "--allow-overlap" in report


def test_scoring_the_train_split_on_purpose_is_allowed_and_says_so(demo_run):
    result = evaluate(demo_run.run_dir / "best", "demo", "train", with_hd95=False, progress=False)
    assert result.summary["overlap"]["images_seen_in_training"] == result.summary["num_images"]
    assert not result.summary["zero_shot"] and not result.summary["overlap"]["allowed"]


def test_a_new_dataset_is_zero_shot_and_the_summary_names_the_training_split(demo_run, synthetic_folder):
    result = evaluate(demo_run.run_dir / "best", synthetic_folder, zero_shot=True, with_hd95=False, progress=False)
    summary = result.summary
    assert summary["zero_shot"] and summary["overlap"] == {
        "checked": True, "by_stem": 0, "by_image_hash": 0, "images_seen_in_training": 0, "examples": [],
        "allowed": False}
    line = f"trained on DSB2018-mini (split {summary['trained_split_sha256']}); zero-shot: yes"
    assert line in markdown_report(summary)


def test_weights_without_a_split_record_say_the_overlap_is_unknown(demo_run, tmp_path, synthetic_folder):
    state, meta = read_checkpoint(demo_run.run_dir / "best")
    del meta["dataset"]["split"]
    save_state(tmp_path / "old", state, {k: v for k, v in meta.items() if k != "format"})
    result = evaluate(tmp_path / "old", synthetic_folder, zero_shot=True, with_hd95=False, progress=False)
    assert result.summary["overlap"]["checked"] is False and result.summary["trained_split_sha256"] is None
    assert "overlap with the training data: unknown" in markdown_report(result.summary)


def test_resume_keeps_the_runs_split_after_images_are_added(tmp_path, monkeypatch):
    folder = make_folder(tmp_path / "toy", count=20, size=(48, 48))
    config = quick_config(tmp_path / "runs", data=str(folder), epochs=2, **{"input.size": 32}, name="r")
    train_interrupted(config, 1, monkeypatch)
    before = json.loads((tmp_path / "runs" / "r" / "split.json").read_text())
    make_folder(tmp_path / "more", count=5, size=(48, 48))
    for sub in ("images", "masks"):
        for path in (tmp_path / "more" / sub).iterdir():
            shutil.move(path, folder / sub / f"new_{path.name}")
    train(quick_config(tmp_path / "runs", data=str(folder), epochs=2, **{"input.size": 32}, name="r",
                       overwrite=False), resume=True)
    after = json.loads((tmp_path / "runs" / "r" / "split.json").read_text())
    assert after["sha256"] == before["sha256"] and after["source"] == before["source"]
    _, meta = read_checkpoint(tmp_path / "runs" / "r" / "last")
    assert meta["dataset"]["split"]["sha256"] == before["sha256"]
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"train": before["train"][1:], "test": before["test"] + before["train"][:1]}))
    with pytest.raises(ConfigError, match="differs from the one this run was trained on"):
        train(quick_config(tmp_path / "runs", data=str(folder), epochs=2, **{"input.size": 32}, name="r",
                           overwrite=False, split_file=str(other)), resume=True)


def test_cli_refuses_an_overlapping_test_score_in_one_line(demo_run, tmp_path):
    folder = _copy_of_demo(tmp_path / "copy")
    result = run_cli("evaluate", "--weights", str(demo_run.run_dir / "best"), "--data", str(folder), "--zero-shot",
                     "--no-hd95", "--no-progress")
    assert_one_line_error(result, "by image hash", "--allow-overlap")
    allowed = run_cli("evaluate", "--weights", str(demo_run.run_dir / "best"), "--data", str(folder), "--zero-shot",
                      "--no-hd95", "--no-progress", "--allow-overlap")
    assert allowed.returncode == 0, allowed.stderr[-2000:]
    assert "zero-shot: no" in allowed.stdout and "scored anyway (--allow-overlap)" in allowed.stdout
