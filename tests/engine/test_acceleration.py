"""The execution plan: candidates per device, the fastest measured one, and where the choice is recorded."""

import json

import pytest
import torch

from litemedseg.engine import acceleration as acc
from litemedseg.engine.acceleration import ExecutionPlan, candidate_plans, choose_training_plan

from .conftest import quick_config, train_interrupted

CPU = torch.device("cpu")


def test_candidates_follow_the_settings_and_the_hardware(monkeypatch):
    monkeypatch.setattr(acc, "bf16_supported", lambda device: True)
    assert candidate_plans(CPU, "off", "off") == [(False, None)]
    assert candidate_plans(CPU, "bf16", "on") == [(True, "bf16")]  # forced: the user's choice stands
    assert candidate_plans(CPU, "auto", "auto") == [(False, None), (False, "bf16"), (True, None)]
    assert candidate_plans(CPU, "fp16", "off") == [(False, None)]  # no fp16 autocast on CPU
    monkeypatch.setattr(acc, "bf16_supported", lambda device: False)
    assert candidate_plans(CPU, "auto", "auto") == [(False, None), (True, None)]
    with pytest.raises(ValueError, match="amp"):
        candidate_plans(CPU, "int8", "auto")


def _fake_step(rates, losses=None):
    """A step whose timing makes `rates` (label -> img/s) come out, via a patched measure_train_step."""
    def measure(step, model, plan, batch_size, steps=4, warmup=2, lr=1e-3):
        if losses and losses.get(plan.label) is not None:
            raise FloatingPointError("non-finite")
        return rates[plan.label]
    return measure


def test_the_fastest_plan_wins_and_near_ties_keep_fp32(monkeypatch):
    monkeypatch.setattr(acc, "bf16_supported", lambda device: True)
    model = torch.nn.Conv2d(3, 1, 1)
    rates = {"contiguous+fp32": 10.0, "contiguous+bf16": 30.0, "channels_last+fp32": 20.0}
    monkeypatch.setattr(acc, "measure_train_step", _fake_step(rates))
    plan = choose_training_plan(None, model, CPU, 8)
    assert (plan.channels_last, plan.amp, plan.chosen_by) == (False, "bf16", "measured")
    assert plan.measured_img_per_s == rates
    rates.update({"contiguous+bf16": 10.3, "channels_last+fp32": 10.2})
    assert choose_training_plan(None, model, CPU, 8).label == "contiguous+fp32"


def test_a_plan_that_gives_a_non_finite_loss_is_never_chosen(monkeypatch):
    monkeypatch.setattr(acc, "bf16_supported", lambda device: True)
    rates = {"contiguous+fp32": 10.0, "contiguous+bf16": 50.0, "channels_last+fp32": 20.0}
    monkeypatch.setattr(acc, "measure_train_step", _fake_step(rates, {"contiguous+bf16": "nan"}))
    plan = choose_training_plan(None, torch.nn.Conv2d(3, 1, 1), CPU, 8)
    assert plan.label == "channels_last+fp32" and "contiguous+bf16" not in plan.measured_img_per_s


def test_measuring_leaves_the_model_and_the_random_stream_alone():
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.BatchNorm2d(4))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x = torch.randn(2, 3, 16, 16)

    def step(trial, optimizer, plan):
        loss = trial(plan.prepare_input(torch.rand_like(x))).square().mean()
        loss.backward()
        optimizer.step()
        return float(loss.detach())

    torch.manual_seed(5)
    expected = torch.rand(1)
    torch.manual_seed(5)
    choose_training_plan(step, model, CPU, 2, amp="off", channels_last="auto", steps=1)
    assert torch.equal(torch.rand(1), expected)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


@pytest.mark.parametrize("data", [None, 5, "x", {"channels_last": "yes", "amp": "int4", "measured_img_per_s": [1]}])
def test_malformed_plans_in_metadata_read_as_plain_fp32(data):
    plan = ExecutionPlan.from_dict(data)
    assert (plan.channels_last, plan.amp, plan.compile) == (False, None, False)


def test_inference_drops_what_the_device_cannot_run(monkeypatch):
    monkeypatch.setattr(acc, "bf16_supported", lambda device: False)
    assert ExecutionPlan(True, "bf16").for_inference(CPU).label == "channels_last+fp32"
    assert ExecutionPlan(False, "fp16").for_inference(CPU).amp is None


def test_fp32_precision_drops_autocast_and_keeps_the_memory_format(monkeypatch):
    monkeypatch.setattr(acc, "bf16_supported", lambda device: True)
    assert ExecutionPlan(False, "bf16").for_inference(CPU).amp == "bf16"
    assert ExecutionPlan(True, "bf16").for_inference(CPU, "fp32").label == "channels_last+fp32"
    with pytest.raises(ValueError, match="precision must be one of"):
        ExecutionPlan().for_inference(CPU, "int8")


def test_the_run_records_its_plan_and_resume_reuses_it(tmp_path, monkeypatch):
    from litemedseg.checkpoint import read_checkpoint
    from litemedseg.engine import train

    train_interrupted(quick_config(tmp_path, name="p", epochs=2, **{"input.size": 32}), 1, monkeypatch)
    run_dir = tmp_path / "p"
    execution = json.loads((run_dir / "config.json").read_text())["execution"]
    assert execution["chosen_by"] in ("measured", "settings", "cached")
    assert set(execution) >= {"channels_last", "amp", "measured_img_per_s"}
    _, meta = read_checkpoint(run_dir / "best")
    assert meta["execution"] == execution
    state = torch.load(run_dir / "train_state.pt", weights_only=True)
    state["plan"] = ExecutionPlan(True, None, chosen_by="saved").to_dict()
    torch.save(state, run_dir / "train_state.pt")
    resumed = train(quick_config(tmp_path, name="p", epochs=2, overwrite=False, **{"input.size": 32}), resume=True)
    assert json.loads((resumed.run_dir / "config.json").read_text())["execution"]["chosen_by"] == "saved"


def test_deterministic_runs_do_not_depend_on_timing(tmp_path):
    from litemedseg.engine import train

    result = train(quick_config(tmp_path, name="d", epochs=1, deterministic=True, **{"input.size": 32}))
    execution = json.loads((result.run_dir / "config.json").read_text())["execution"]
    assert (execution["channels_last"], execution["amp"], execution["chosen_by"]) == (False, None, "deterministic")


def test_measured_plans_are_said_and_cached_per_machine_and_model(tmp_path, monkeypatch, capsys):
    from litemedseg.engine import train

    monkeypatch.setenv("LITEMEDSEG_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(acc, "bf16_supported", lambda device: False)  # two candidates: plain and channels_last
    first = train(quick_config(tmp_path, name="a", epochs=1, progress=True, **{"input.size": 32}))
    said = capsys.readouterr().err
    assert "timing execution plan 1/2: contiguous+fp32" in said and "timing execution plan 2/2" in said
    assert json.loads((first.run_dir / "config.json").read_text())["execution"]["chosen_by"] == "measured"
    second = train(quick_config(tmp_path, name="b", epochs=1, progress=True, **{"input.size": 32}))
    assert "measured on this machine before" in capsys.readouterr().err
    execution = json.loads((second.run_dir / "config.json").read_text())["execution"]
    assert execution["chosen_by"] == "cached"
    assert execution["measured_img_per_s"] == json.loads((first.run_dir / "config.json").read_text())[
        "execution"]["measured_img_per_s"]
    other = train(quick_config(tmp_path, name="c", epochs=1, model="mininet_half", **{"input.size": 32}))
    assert json.loads((other.run_dir / "config.json").read_text())["execution"]["chosen_by"] == "measured"
