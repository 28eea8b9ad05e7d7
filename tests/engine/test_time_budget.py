"""`train --time-budget`: the schedule spans wall-clock time, the run ends on time and says how far it got."""

import json
import re

import pytest

from litemedseg.config import MAX_EPOCHS, load_config, parse_duration
from litemedseg.engine import train
from litemedseg.errors import ConfigError

from .conftest import quick_config


@pytest.mark.parametrize(("text", "seconds"), [("90", 90), ("90s", 90), ("15m", 900), ("1h", 3600),
                                               ("1h30m", 5400), ("2m30s", 150), (" 1.5h ", 5400), ("10min", 600)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds
    assert load_config(None, {"time_budget": text}).time_budget == seconds


@pytest.mark.parametrize("text", ["", "soon", "15 minutes", "-5", "0", "1d", "h", "9" * 60])
def test_bad_durations_are_one_line_config_errors(text):
    with pytest.raises(ConfigError, match="time_budget"):
        load_config(None, {"time_budget": text})


def test_the_run_ends_on_time_and_records_its_epochs(tmp_path):
    budget = 15.0
    # cosine, not Mini-Net's one-cycle default, whose rate climbs first: the check below is cosine's shape
    result = train(quick_config(tmp_path, name="t", epochs=10_000, time_budget=budget, schedule="cosine",
                                **{"input.size": 32}))
    assert result.stopped_on_time and 1 <= result.epochs_run < 10_000
    summary = json.loads((result.run_dir / "train_summary.json").read_text())
    epoch_times = [row["epoch_time_s"] for row in result.history]
    assert summary["time_budget_s"] == budget and summary["stopped_on_time_budget"] is True
    assert summary["epochs_run"] == len(result.history) == result.epochs_run
    assert summary["training_time_s"] <= budget + max(epoch_times)  # within one epoch of the budget
    lrs = [row["lr"] for row in result.history]
    if len(lrs) >= 3:  # after warm-up the rate only decays, by the share of the budget spent
        assert lrs[-1] < lrs[1] and all(b <= a + 1e-12 for a, b in zip(lrs[1:], lrs[2:]))
    assert (result.run_dir / "best" / "model.safetensors").is_file()


def test_resuming_a_run_whose_budget_is_spent_says_how_to_go_on(tmp_path):
    config = quick_config(tmp_path, name="t", epochs=10_000, time_budget=2.0, **{"input.size": 32})
    train(config)
    finished = r"already finished \(its time budget was reached\).*--init .*t/best --name NEW_NAME --time-budget"
    with pytest.raises(ConfigError, match=finished):
        train(quick_config(tmp_path, name="t", epochs=10_000, time_budget=2.0, overwrite=False,
                           **{"input.size": 32}), resume=True)
    with pytest.raises(ConfigError, match="planned for time_budget=2.0, not 60.0.*--init .*t/best"):
        train(quick_config(tmp_path, name="t", epochs=10_000, time_budget=60.0, overwrite=False,
                           **{"input.size": 32}), resume=True)


def test_with_a_budget_the_default_cap_and_patience_do_not_end_the_run():
    config = load_config(None, {"time_budget": "10m"}).with_model_defaults()
    assert config.epochs == MAX_EPOCHS and config.patience == 0
    chosen = load_config(None, {"time_budget": "10m", "epochs": 7, "patience": 3}).with_model_defaults()
    assert (chosen.epochs, chosen.patience) == (7, 3)  # set by the user: they apply, and the stop says so
    plain = load_config(None, {}).with_model_defaults()
    assert (plain.epochs, plain.patience) == (50, 20)  # no budget: the defaults stand


def test_a_default_config_trains_until_the_budget_is_spent(tmp_path):
    settings = {"model": "mininet", "data": "demo", "input.size": 32, "batch_size": 16, "output": str(tmp_path),
                "progress": False, "tensorboard": False, "time_budget": 6.0, "name": "t", "schedule": "cosine"}
    result = train(load_config(None, settings))  # no epochs or patience given: 50 and 20 would be the defaults
    assert result.stop_reason == "time_budget" and result.describe_stop() == "time budget reached"
    summary = json.loads((result.run_dir / "train_summary.json").read_text())
    assert summary["stop_reason"] == "time_budget" and summary["training_time_s"] >= 6.0 * 0.5


def test_an_explicit_cap_that_ends_a_budget_run_early_says_so(tmp_path):
    result = train(quick_config(tmp_path, name="t", epochs=2, time_budget=3600.0, **{"input.size": 32}))
    assert not result.stopped_on_time and result.epochs_run == 2
    assert result.stop_reason == "epochs"
    assert re.fullmatch(r"epoch cap reached after \d+% of the time budget", result.describe_stop())
    summary = json.loads((result.run_dir / "train_summary.json").read_text())
    assert summary["stopped_on_time_budget"] is False and summary["stop_reason"] == "epochs"
