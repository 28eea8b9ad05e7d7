from pathlib import Path

import pytest

from litemedseg.config import load_config, parse_override
from litemedseg.errors import ConfigError
from tests.helpers import with_training_defaults

CONFIGS = sorted((Path(__file__).resolve().parents[1] / "configs").glob("*.yaml"))


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_shipped_configs_validate(path):
    config = load_config(path)
    assert config.epochs >= 1 and config.model


def test_overrides_reach_nested_fields():
    config = load_config(CONFIGS[0], dict([parse_override("input.size=[64, 96]"), parse_override("augment.elastic=true"),
                                           parse_override("lr=3e-3")]))
    assert config.input.size == (64, 96) and config.augment.elastic and config.lr == pytest.approx(3e-3)


def test_bad_values_name_the_field_and_file(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("epochs: 0\n")
    with pytest.raises(ConfigError, match=r"c.yaml: epochs: .*greater than or equal to 1 \(got 0\)"):
        load_config(path)
    path.write_text("lernrate: 0.1\n")
    with pytest.raises(ConfigError, match="lernrate"):
        load_config(path)


def test_model_training_defaults_fill_only_what_the_config_left_unset(monkeypatch):
    with_training_defaults(monkeypatch, "unet", {"schedule": "cosine_restarts", "lr": 5e-3,
                                         "recipe": {"progressive_resize": True, "ema_decay": 0.99}})
    config = load_config(None, {"model": "unet", "lr": 2e-3, "recipe.ema_decay": 0.95}).with_model_defaults()
    assert config.schedule == "cosine_restarts" and config.recipe.progressive_resize  # unset: the model's
    assert config.lr == pytest.approx(2e-3) and config.recipe.ema_decay == pytest.approx(0.95)  # set: the user's
    # an explicit value equal to the global default still wins over the model's default
    assert load_config(None, {"model": "unet", "schedule": "cosine"}).with_model_defaults().schedule == "cosine"
    # resolving twice changes nothing: what a run records is what --resume replays
    assert config.with_model_defaults() == config


def test_models_without_training_defaults_keep_the_global_ones():
    config = load_config(None, {"model": "unet"})
    assert config.with_model_defaults() is config


def test_a_default_recipe_option_that_cannot_apply_stays_off_but_an_explicit_one_is_kept(monkeypatch):
    with_training_defaults(monkeypatch, "med2dsegnet", {"recipe": {"progressive_resize": True, "deep_supervision": True}})
    patch = load_config(None, {"model": "med2dsegnet", "input.mode": "patch"})
    assert not patch.with_model_defaults().recipe.progressive_resize
    assert not load_config(None, {"model": "med2dsegnet"}).with_model_defaults(distributed=True).recipe.deep_supervision
    explicit = load_config(None, {"model": "med2dsegnet", "input.mode": "patch", "recipe.progressive_resize": True})
    assert explicit.with_model_defaults().recipe.progressive_resize  # the trainer refuses it, naming the option
