"""train --init fine-tunes from weights (shapes checked, a fresh head for another class count); --resume with a
longer schedule refuses and says how to go on."""

import json

import pytest
import torch
from safetensors.torch import load_file

from litemedseg.checkpoint import load_initial_weights, save_checkpoint
from litemedseg.engine import train
from litemedseg.errors import ConfigError, WeightsError
from litemedseg.models import ModelConfig, build_model
from litemedseg.models.pretrained import resolve_weights
from tests.engine.conftest import quick_config
from tests.helpers import assert_one_line_error, run_cli


def _params(path):
    return {k: v for k, v in load_file(path).items() if "running_" not in k and "num_batches" not in k}


def test_init_starts_from_the_given_weights(demo_run, tmp_path):
    source = demo_run.run_dir / "best"
    # a learning rate of 1e-9 leaves the weights where they started, so the result shows where that was
    tuned = train(quick_config(tmp_path, name="tuned", epochs=1, lr=1e-9, init=str(source)))
    fresh = train(quick_config(tmp_path, name="fresh", epochs=1, lr=1e-9))
    start, after, scratch = (_params(p / "best/model.safetensors") for p in (demo_run.run_dir, tuned.run_dir,
                                                                                 fresh.run_dir))
    assert all(torch.allclose(start[k], after[k], atol=1e-5) for k in start)
    assert not all(torch.allclose(start[k], scratch[k], atol=1e-5) for k in start)
    meta = json.loads((tuned.run_dir / "best/meta.json").read_text())
    assert meta["initial_weights"] == {"source": str(source), "model": "mininet", "num_classes": 1,
                                       "reinitialised": []}
    assert meta["train_config"]["init"] == str(source)
    assert tuned.best_score == pytest.approx(demo_run.best_score, abs=0.02)  # same weights, same validation


def test_another_class_count_gets_a_fresh_head_and_keeps_the_rest(tmp_path):
    torch.manual_seed(0)
    binary = build_model(ModelConfig("mininet", 3, 1))
    save_checkpoint(tmp_path / "binary", binary, {})
    torch.manual_seed(1)
    three = build_model(ModelConfig("mininet", 3, 3))
    fresh_head = {k: v.clone() for k, v in three.state_dict().items()}
    record = load_initial_weights(three, tmp_path / "binary", "binary")
    assert record.reinitialised and record.num_classes == 1
    loaded, source = three.state_dict(), binary.state_dict()
    for key, value in loaded.items():
        expected = fresh_head[key] if key in record.reinitialised else source[key]
        assert torch.equal(value, expected), key
    assert all(loaded[k].shape[0] == 3 for k in record.reinitialised)


def test_shipped_weights_by_name():
    model = build_model(ModelConfig("mininet", 3, 1))
    record = load_initial_weights(model, resolve_weights("mininet:ph2"), "mininet:ph2")
    shipped = load_file(resolve_weights("mininet:ph2") / "model.safetensors")
    assert record.source == "mininet:ph2" and not record.reinitialised
    assert all(torch.equal(model.state_dict()[k], shipped[k]) for k in shipped)


@pytest.mark.parametrize(("config", "message"), [
    (ModelConfig("med2dsegnet", 3, 1), "weights of model 'mininet'; this run trains 'med2dsegnet'"),
    (ModelConfig("mininet", 1, 1), "weights for in_channels=3; this run's images give 1"),
    (ModelConfig("mininet", 3, 1, {"act": "gelu"}), "act='relu'; this run has act='gelu'"),
])
def test_weights_that_do_not_fit_are_refused(tmp_path, config, message):
    save_checkpoint(tmp_path / "ckpt", build_model(ModelConfig("mininet", 3, 1)), {})
    with pytest.raises(WeightsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_initial_weights(build_model(config), tmp_path / "ckpt")


def test_cli_init_with_weights_of_another_model_is_one_line(tmp_path):
    save_checkpoint(tmp_path / "ckpt", build_model(ModelConfig("mininet", 3, 1)), {})
    result = run_cli("train", "--model", "med2dsegnet", "--data", "demo", "--epochs", "1", "--size", "32",
                     "--init", str(tmp_path / "ckpt"), "--output", str(tmp_path / "runs"), "--no-progress")
    assert_one_line_error(result, str(tmp_path / "ckpt"), "weights of model 'mininet'")
    assert not (tmp_path / "runs" / "med2dsegnet-demo").exists()


def test_resume_with_more_epochs_refuses_and_names_init(tmp_path):
    train(quick_config(tmp_path, name="r", epochs=1, **{"input.size": 32}))
    with pytest.raises(ConfigError, match=r"planned for epochs=1, not 3; --resume only finishes that plan.*"
                                          r"--init .*r/best --name NEW_NAME"):
        train(quick_config(tmp_path, name="r", epochs=3, overwrite=False, **{"input.size": 32}), resume=True)
    # the message's advice works: a new run from the finished run's weights
    longer = train(quick_config(tmp_path, name="r-more", epochs=2, init=str(tmp_path / "r" / "best"),
                                **{"input.size": 32}))
    assert [row["epoch"] for row in longer.history] == [1, 2]


def test_init_takes_the_model_and_input_of_its_weights_unless_told_otherwise(demo_run, tmp_path):
    from litemedseg.engine.training import inherit_from_init
    from litemedseg.config import load_config

    source = str(demo_run.run_dir / "best")  # mininet, resized to 96x96
    taken, said = inherit_from_init(load_config(None, {"init": source, "data": "demo"}))
    assert taken.model == "mininet" and taken.input.size == (96, 96) and taken.input.mode == "resize"
    assert said == ["model mininet", "input mode resize, size [96, 96], scale 1.0"]
    kept, said = inherit_from_init(load_config(None, {"init": source, "model": "mininet", "input.size": 64}))
    assert kept.input.size == (64, 64) and said == ["input mode resize, scale 1.0"]
