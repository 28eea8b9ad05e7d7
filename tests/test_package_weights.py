"""tools/package_weights.py's model card states the split stems, the budget and the recipe of the shipped run."""

import json
from pathlib import Path
from types import SimpleNamespace

from tests.helpers import load_script


def _tool():
    return load_script("tools/package_weights.py")


def _run(tmp_path: Path) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "metrics.csv").write_text("epoch,epoch_time_s\n1,30.0\n2,30.0\n")
    (tmp_path / "config.json").write_text(json.dumps({"hardware": {"cpu": "Test CPU"}}))
    (tmp_path / "best").mkdir()
    return tmp_path / "best"


def _meta(**recipe) -> dict:
    split = {"train": ["a1", "a2"], "val": ["v1"], "test": ["t1", "t2"], "sha256": "abc123"}
    config = {"time_budget": 3600.0, "time_budget_clock": "cpu", "threads": 1, "epochs": 10_000, "batch_size": 8,
              "lr": 0.001, "schedule": "one_cycle", "seed": 0, "recipe": recipe,
              "augment": {"enabled": True, "elastic": True}}
    return {"train_config": config, "dataset": {"name": "DRIVE", "split_source": "splits/DRIVE.json",
                                                "split_sizes": {"train": 2, "val": 1, "test": 2}, "split": split},
            "epoch": 2, "metrics": {"val_score": 0.8}, "loss": "dice_jaccard_bce", "commit": "0123456789ab",
            "input": {"mode": "patch", "size": [128, 128], "scale": 1.0}, "storage_dtype": "float32"}


def _summary() -> dict:
    return {"protocol": "p", "split": "test", "num_images": 2, "headline": {"metric": "pooled_dice", "value": 0.81},
            "hardware": {"cpu": "Test CPU"}, "commit": "0123456789ab", "wall_time_s": 1.0}


def test_card_lists_every_stem_budget_and_recipe(tmp_path):
    card = _tool().model_card("mininet", "drive", _meta(deep_supervision=True, ema_decay=None),
                              _summary(), SimpleNamespace(run=_run(tmp_path)), {})
    assert "time budget 60 min of cpu time, 1 thread (2 epochs in 1 min of wall time" in card
    assert "schedule one_cycle, deep supervision on, EMA of the weights off, progressive resizing off" in card
    assert "augmentation on (with elastic deformation)" in card
    assert "## Split (splits/DRIVE.json, split hash abc123)" in card
    assert "test: 2 images</summary>\n\n`t1`, `t2`" in card
    assert "val: 1 images</summary>\n\n`v1`" in card


def test_card_without_a_split_record_has_no_split_section(tmp_path):
    meta = _meta(ema_decay=0.999)
    meta["dataset"].pop("split")
    card = _tool().model_card("mininet", "drive", meta, _summary(), SimpleNamespace(run=_run(tmp_path)), {})
    assert "## Split" not in card and "EMA of the weights on (decay 0.999)" in card


def test_weights_table_has_a_row_per_scores_file(tmp_path):
    tool = _tool()
    summary = {**_summary(), "split": "test"}
    zero = {**_summary(), "split": "all", "num_images": 28, "headline": {"metric": "pooled_dice", "value": 0.61234}}
    record = tool.scores_record("mininet:drive", _meta(deep_supervision=True), summary,
                                {"flip TTA": {**_summary(), "headline": {"metric": "pooled_dice", "value": 0.82}},
                                 "zero-shot on CHASE_DB1 (all images)": zero}, _run(tmp_path / "run"))
    (tmp_path / "w" / "mininet_drive").mkdir(parents=True)
    (tmp_path / "w" / "mininet_drive" / "scores.json").write_text(json.dumps(record))
    (tmp_path / "w" / "unscored").mkdir()
    table = tool.weights_table(tmp_path / "w")
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert len(rows) == 1
    assert "| `mininet:drive` | DRIVE 2/1/2 | 128x128 patches at scale 1.0 |" in rows[0]
    assert "pooled_dice **0.8100** (2 images) | 0.8200 | CHASE_DB1 (all images): pooled_dice 0.6123 |" in rows[0]


def test_weights_whose_run_folder_is_gone_say_so():
    facts = _tool().training_facts(_meta(), None)
    assert facts["budget"] == "time budget 60 min of cpu time, 1 thread (run record not kept, see MODEL_CARD.md"
    assert facts["validation"] == "0.8000"
