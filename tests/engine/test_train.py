"""Training on real data lowers the loss and beats an untrained model; resume is exact; NaN stops cleanly."""

import csv
import json

import pytest
import torch
from safetensors.torch import load_file

from litemedseg.checkpoint import load_checkpoint, save_checkpoint
from litemedseg.engine import evaluate, train
from litemedseg.errors import ConfigError, TrainingDivergedError
from litemedseg.models import ModelConfig, build_model
from tests.engine.conftest import quick_config, train_interrupted


def untrained_score(run_dir, data, split_file=None):
    """Validation headline of a freshly initialised model with the run's exact settings."""
    _, record = load_checkpoint(run_dir / "best")
    meta = record.raw
    torch.manual_seed(0)
    fresh = build_model(ModelConfig(**{k: meta["model"][k] for k in ("name", "in_channels", "num_classes")}))
    save_checkpoint(run_dir / "untrained", fresh, {k: v for k, v in meta.items() if k not in ("format", "model")})
    return evaluate(run_dir / "untrained", data, "val", split_file=split_file, with_hd95=False,
                    progress=False).summary["headline"]["value"]


def test_demo_training_learns(demo_run):
    history = demo_run.history
    assert len(history) == 10
    assert history[-1]["train_loss"] < 0.75 * history[0]["train_loss"]
    before = untrained_score(demo_run.run_dir, "demo")
    assert demo_run.best_score >= 0.6, demo_run.best_score
    assert demo_run.best_score >= before + 0.3, (before, demo_run.best_score)


def test_run_folder_contents(demo_run):
    run = demo_run.run_dir
    for path in ("best/model.safetensors", "best/meta.json", "last/model.safetensors", "train_state.pt",
                 "metrics.csv", "config.json", "train_summary.json"):
        assert (run / path).is_file(), path
    assert list((run / "tensorboard").iterdir())
    rows = list(csv.DictReader(open(run / "metrics.csv")))
    assert [int(r["epoch"]) for r in rows] == list(range(1, 11))
    meta = json.loads((run / "best/meta.json").read_text())
    assert meta["model"]["name"] == "mininet" and meta["dataset"]["name"] == "DSB2018-mini"
    assert meta["input"]["size"] == [96, 96] and len(meta["input"]["mean"]) == 3
    assert meta["loss"] == "dice_jaccard_bce" and meta["epoch"] == demo_run.best_epoch
    assert not list(run.rglob("*.tmp"))


@pytest.mark.shared_data
def test_short_training_on_real_kvasir_subset(shared_data, tmp_path):
    from litemedseg.data.splits import committed_split_path

    split = json.loads(committed_split_path("Kvasir-SEG").read_text())
    subset = tmp_path / "split.json"
    subset.write_text(json.dumps({"train": split["train"][:96], "val": split["val"][:24], "test": split["test"][:8]}))
    data = str(shared_data / "Kvasir-SEG")
    result = train(quick_config(tmp_path, data=data, split_file=str(subset), **{"input.size": 64}))
    assert result.history[-1]["train_loss"] < 0.85 * result.history[0]["train_loss"]
    before = untrained_score(result.run_dir, data, subset)
    assert result.best_score >= before + 0.15, (before, result.best_score)


def test_resume_reproduces_an_uninterrupted_run(tmp_path, monkeypatch):
    settings = dict(epochs=3, deterministic=True, **{"input.size": 64})
    full = train(quick_config(tmp_path, name="full", **settings))
    train_interrupted(quick_config(tmp_path, name="cut", **settings), 2, monkeypatch)
    resumed = train(quick_config(tmp_path, name="cut", overwrite=False, **settings), resume=True)
    assert [r["epoch"] for r in resumed.history] == [1, 2, 3]
    a, b = load_file(full.run_dir / "last/model.safetensors"), load_file(resumed.run_dir / "last/model.safetensors")
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_existing_run_folder_needs_resume_or_overwrite(tmp_path):
    train(quick_config(tmp_path, name="r", epochs=1, **{"input.size": 32}))
    with pytest.raises(ConfigError, match="run folder exists"):
        train(quick_config(tmp_path, name="r", epochs=1, overwrite=False, **{"input.size": 32}))
    with pytest.raises(ConfigError, match="nothing to resume"):
        train(quick_config(tmp_path, name="other", epochs=1, **{"input.size": 32}), resume=True)


def test_nan_loss_stops_and_keeps_last_good_checkpoint(tmp_path, monkeypatch):
    import litemedseg.engine.training as train_module

    calls = {"n": 0}
    real = train_module.create_loss

    def poisoned(*args, **kwargs):
        loss = real(*args, **kwargs)

        def forward(logits, target):
            calls["n"] += 1
            value = loss(logits, target)
            return value * float("nan") if calls["n"] > 9 else value  # demo: 9 batches per epoch at batch 8

        return forward

    monkeypatch.setattr(train_module, "create_loss", poisoned)
    with pytest.raises(TrainingDivergedError, match="loss became nan at epoch 2"):
        # a fixed plan and no auxiliary heads: the plan measurement and deep supervision would call the loss too
        train(quick_config(tmp_path, name="nan", epochs=3, amp="off", channels_last="off",
                           **{"input.size": 32, "recipe.deep_supervision": False}))
    _, record = load_checkpoint(tmp_path / "nan" / "last")
    assert record.epoch == 1


def test_size_rule_is_checked_before_training(tmp_path):
    with pytest.raises(ConfigError, match="multiples of 8"):
        train(quick_config(tmp_path, **{"input.size": 36}))
