"""Recipe options (EMA, deep supervision, progressive resizing, one-cycle and warm-restart schedules, a CPU-time
budget): each changes training as documented, checkpoints hold the plain network, and --resume replays them."""

from __future__ import annotations

import csv
import json

import pytest
import torch
from safetensors.torch import load_file

import litemedseg
from litemedseg.engine import train
from litemedseg.engine.recipe import DeepSupervision, WeightAverage, progressive_size
from litemedseg.engine.training import decay_factor
from litemedseg.errors import ConfigError
from tests.engine.conftest import quick_config, train_interrupted
from tests.helpers import with_training_defaults

ALL_ON = {"recipe.ema_decay": 0.99, "recipe.deep_supervision": True, "recipe.progressive_resize": True,
          "schedule": "one_cycle"}


def test_schedules_have_the_documented_shapes():
    one_cycle = [decay_factor(p / 100, "one_cycle") for p in range(101)]
    assert one_cycle[0] == pytest.approx(0.04) and max(one_cycle) == pytest.approx(1.0)
    assert one_cycle.index(max(one_cycle)) == 30 and one_cycle[-1] == pytest.approx(1e-4)
    restarts = [decay_factor(p / 99, "cosine_restarts") for p in range(100)]
    assert restarts[0] == pytest.approx(1.0) and restarts[32] < 0.05 and restarts[34] > 0.95
    assert restarts[-1] == pytest.approx(0.01)
    assert decay_factor(0.5, "cosine") == pytest.approx(0.505)


def test_progressive_size_halves_on_the_size_rule_for_the_first_half():
    assert progressive_size((96, 128), 0.2, 16) == (48, 64)
    assert progressive_size((96, 120), 0.2, 8) == (48, 56)
    assert progressive_size((96, 96), 0.5, 16) is None
    assert progressive_size((16, 16), 0.0, 16) is None  # already as small as the rule allows


def test_ema_warms_up_then_follows_slowly():
    torch.manual_seed(0)
    model = torch.nn.Linear(2, 1)
    ema = WeightAverage(model, decay=0.99)
    ema.update(model)  # the first update copies
    with torch.no_grad():
        model.weight.add_(1.0)
    ema.update(model)  # warm-up decay (1 + 1) / (10 + 1): moves 9/11 of the way
    moved = (ema.module.weight - (model.weight - 1.0)).abs().max().item()
    assert moved == pytest.approx(9 / 11, rel=1e-5)


def test_deep_supervision_heads_sit_on_the_deeper_decoder_stages():
    model = litemedseg.create_model("med2dsegnet_s")
    deep = DeepSupervision(model, num_classes=1, probe=torch.zeros(1, 3, 64, 64))
    assert len(deep.heads) == min(3, len(model.decoder) - 1)
    logits = model(torch.zeros(2, 3, 64, 64))
    assert set(deep.features) == set(range(len(deep.heads)))
    loss = deep.loss(lambda a, b: a.mean() * 0 + 1.0, torch.zeros(2, 1, 64, 64), tuple(logits.shape[-2:]))
    assert loss.item() == pytest.approx(sum((0.4, 0.2, 0.1)[: len(deep.heads)]))
    with pytest.raises(ConfigError, match="needs a model with decoder stages"):
        DeepSupervision(litemedseg.create_model("unet"), 1, torch.zeros(1, 3, 64, 64))


def test_a_run_with_every_option_saves_the_plain_network_and_the_average(tmp_path):
    result = train(quick_config(tmp_path, name="all", epochs=3, **{"input.size": 64}, **ALL_ON))
    best = load_file(result.run_dir / "best" / "model.safetensors")
    plain = litemedseg.create_model("mininet").state_dict()
    assert best.keys() == plain.keys()  # no auxiliary heads in the checkpoint
    state = torch.load(result.run_dir / "train_state.pt", weights_only=True)
    last = load_file(result.run_dir / "last" / "model.safetensors")
    raw = state["model"]
    assert any(not torch.equal(last[k], raw[k].cpu()) for k in last if last[k].is_floating_point())  # the EMA
    assert state["deep_supervision"] is not None and state["ema"] is not None
    summary = json.loads((result.run_dir / "train_summary.json").read_text())
    assert summary["recipe"] == {"ema_decay": 0.99, "deep_supervision": True, "progressive_resize": True}
    litemedseg.Segmenter.from_weights(result.run_dir / "best", device="cpu")  # loads as a plain model


def test_resume_replays_the_recipe_exactly(tmp_path, monkeypatch):
    settings = dict(epochs=3, deterministic=True, **{"input.size": 64}, **ALL_ON)
    full = train(quick_config(tmp_path, name="full", **settings))
    train_interrupted(quick_config(tmp_path, name="cut", **settings), 2, monkeypatch)
    resumed = train(quick_config(tmp_path, name="cut", overwrite=False, **settings), resume=True)
    a, b = load_file(full.run_dir / "last/model.safetensors"), load_file(resumed.run_dir / "last/model.safetensors")
    assert all(torch.equal(a[k], b[k]) for k in a)
    with pytest.raises(ConfigError, match="different 'recipe'"):
        train(quick_config(tmp_path, name="cut", overwrite=False, **{**settings, "recipe.ema_decay": 0.95}),
              resume=True)


def test_recipe_options_that_cannot_apply_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="progressive_resize needs input.mode resize"):
        train(quick_config(tmp_path, name="p", epochs=1, **{"input.mode": "patch", "input.size": 32,
                                                            "recipe.progressive_resize": True}))
    with pytest.raises(ConfigError, match="needs a model with decoder stages"):
        train(quick_config(tmp_path, name="d", model="unet", epochs=1, **{"input.size": 32,
                                                                         "recipe.deep_supervision": True}))
    assert not (tmp_path / "p").exists() and not (tmp_path / "d").exists()


def test_a_cpu_time_budget_counts_process_seconds(tmp_path):
    result = train(quick_config(tmp_path, name="cpu", epochs=50, time_budget=3, time_budget_clock="cpu",
                                threads=1, **{"input.size": 32}))
    rows = list(csv.DictReader(open(result.run_dir / "metrics.csv")))
    spent = sum(float(r["epoch_cpu_s"]) for r in rows)
    assert result.stopped_on_time and 1 < len(rows) < 50
    assert spent <= 3 + 2 * spent / len(rows)  # within an epoch of the budget


def test_a_run_trains_and_records_its_models_registered_defaults(tmp_path, monkeypatch):
    with_training_defaults(monkeypatch, "mininet", {"schedule": "one_cycle", "recipe": {"ema_decay": 0.99}})
    result = train(quick_config(tmp_path, name="defaults", epochs=1, **{"input.size": 64}))
    recorded = json.loads((result.run_dir / "config.json").read_text())["config"]
    assert recorded["schedule"] == "one_cycle" and recorded["recipe"]["ema_decay"] == 0.99
    state = torch.load(result.run_dir / "train_state.pt", weights_only=True)
    assert state["ema"] is not None
