"""The fastest correct way to run a model on this machine: memory format, autocast dtype, torch.compile.

`choose_training_plan` times a few real optimizer steps (the run's loss and augmentation, on a copy of the
model) for every candidate this device supports and keeps the fastest; the choice and the timings go into the
run's config.json and checkpoint metadata. Inference (predict, evaluate, serve) applies the same plan: the
memory format always (it changes no number beyond float rounding), bf16 autocast only where the trained
plan used it (validation then scored the model under bf16) and this CPU or GPU supports it.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from litemedseg.errors import LitemedsegError

AMP_CHOICES = ("auto", "bf16", "fp16", "off")
PRECISION_CHOICES = ("auto", "fp32")  # inference: the checkpoint's plan, or plain fp32 (what an fp32 ONNX export computes)
CHANNELS_LAST_CHOICES = ("auto", "on", "off")


def cpu_features() -> dict[str, Any]:
    """CPU model, torch's kernel level and the bf16 matrix extensions (AVX512-BF16, AMX) from /proc/cpuinfo."""
    flags: set[str] = set()
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("flags") and not flags:
                    flags = set(line.split(":", 1)[1].split())
                elif line.startswith("model name") and model == "unknown":
                    model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    try:
        capability = torch.backends.cpu.get_cpu_capability()
    except (AttributeError, RuntimeError):
        capability = "unknown"
    return {"cpu": model, "capability": capability, "avx512_bf16": "avx512_bf16" in flags,
            "amx_bf16": "amx_bf16" in flags, "avx512f": "avx512f" in flags}


def bf16_supported(device: torch.device) -> bool:
    """bf16 arithmetic in hardware: AVX512-BF16 or AMX on CPU, bf16 support on CUDA."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    features = cpu_features()
    return bool(features["avx512_bf16"] or features["amx_bf16"])


@dataclass(frozen=True)
class ExecutionPlan:
    """How a model runs: memory format, autocast dtype (None = fp32), compiled or not, and why."""

    channels_last: bool = False
    amp: str | None = None  # "bf16", "fp16" or None
    compile: bool = False
    measured_img_per_s: dict[str, float] = field(default_factory=dict)
    chosen_by: str = "default"

    @property
    def amp_dtype(self) -> torch.dtype | None:
        return {"bf16": torch.bfloat16, "fp16": torch.float16}.get(self.amp or "")

    @property
    def label(self) -> str:
        return _label(self.channels_last, self.amp)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> ExecutionPlan:
        """A plan read back from metadata; anything malformed gives the plain fp32 plan."""
        if not isinstance(data, dict):
            return cls()
        amp = data.get("amp") if data.get("amp") in ("bf16", "fp16") else None
        measured = data.get("measured_img_per_s")
        measured = {str(k): float(v) for k, v in measured.items() if isinstance(v, (int, float))} \
            if isinstance(measured, dict) else {}
        return cls(bool(data.get("channels_last") is True), amp, bool(data.get("compile") is True),
                   measured, str(data.get("chosen_by", "metadata"))[:40])

    def prepare_model(self, model: nn.Module) -> nn.Module:
        return model.to(memory_format=torch.channels_last) if self.channels_last else model

    def prepare_input(self, x: torch.Tensor) -> torch.Tensor:
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last and x.dim() == 4 else x

    def autocast(self, device: torch.device) -> contextlib.AbstractContextManager:
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device.type, dtype=self.amp_dtype)

    def for_inference(self, device: torch.device, precision: str = "auto") -> ExecutionPlan:
        """The same plan where this device can run it: bf16/fp16 dropped where unsupported or `precision` is
        "fp32", never compiled."""
        if precision not in PRECISION_CHOICES:
            raise ValueError(f"precision must be one of {PRECISION_CHOICES}, got {precision!r}")
        amp = None if precision == "fp32" else self.amp
        if amp == "bf16" and not bf16_supported(device):
            amp = None
        if amp == "fp16" and device.type != "cuda":
            amp = None
        return ExecutionPlan(self.channels_last, amp, False, dict(self.measured_img_per_s), self.chosen_by)


def _label(channels_last: bool, amp: str | None) -> str:
    return f"{'channels_last' if channels_last else 'contiguous'}+{amp or 'fp32'}"


def candidate_plans(device: torch.device, amp: str = "auto", channels_last: str = "auto") -> list[tuple[bool, str | None]]:
    """(channels_last, amp) pairs allowed by the settings and supported by `device`."""
    if amp not in AMP_CHOICES:
        raise ValueError(f"amp must be one of {AMP_CHOICES}, got {amp!r}")
    if channels_last not in CHANNELS_LAST_CHOICES:
        raise ValueError(f"channels_last must be one of {CHANNELS_LAST_CHOICES}, got {channels_last!r}")
    layouts = {"auto": [False, True], "on": [True], "off": [False]}[channels_last]
    if amp == "off":
        dtypes: list[str | None] = [None]
    elif amp == "bf16":
        dtypes = ["bf16"]
    elif amp == "fp16":
        dtypes = ["fp16"] if device.type == "cuda" else [None]
    else:  # auto: bf16 where the hardware does it, fp32 always as the reference
        dtypes = [None, "bf16"] if bf16_supported(device) else [None]
    pairs = [(layout, dtype) for layout in layouts for dtype in dtypes]
    if device.type == "cpu" and amp == "auto":
        # bf16 autocast with channels_last gave a NaN loss in 1 of 5 identical CPU runs here (oneDNN, torch 2.13);
        # contiguous bf16 and channels_last fp32 never did, so auto never combines the two on CPU
        pairs = [(layout, dtype) for layout, dtype in pairs if not (layout and dtype == "bf16")]
    return pairs


StepFn = Callable[[nn.Module, torch.optim.Optimizer, "ExecutionPlan"], float]


def measure_train_step(step: StepFn, model: nn.Module, plan: ExecutionPlan, batch_size: int, steps: int = 4,
                       warmup: int = 2, lr: float = 1e-3) -> float:
    """Images per second of `step` (one full optimizer step) on a copy of `model`; the model is untouched."""
    trial = plan.prepare_model(copy.deepcopy(model)).train()
    optimizer = torch.optim.AdamW(trial.parameters(), lr=lr)
    device = next(trial.parameters()).device
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    for _ in range(warmup):
        step(trial, optimizer, plan)
    sync()
    start = time.perf_counter()
    losses = [step(trial, optimizer, plan) for _ in range(steps)]
    sync()
    if not all(math.isfinite(loss) for loss in losses):
        raise FloatingPointError(f"non-finite loss under {plan.label}")
    return batch_size * steps / max(time.perf_counter() - start, 1e-9)


def choose_training_plan(step: StepFn, model: nn.Module, device: torch.device, batch_size: int, *,
                         amp: str = "auto", channels_last: str = "auto", compile: bool = False,
                         steps: int = 4, say: Callable[[str], None] | None = None) -> ExecutionPlan:
    """The fastest of the allowed candidates by measured img/s; one candidate is taken without timing. `say`
    gets one line per candidate timed, so the seconds this takes are not silent."""
    candidates = candidate_plans(device, amp, channels_last)
    if len(candidates) == 1:
        layout, dtype = candidates[0]
        return ExecutionPlan(layout, dtype, compile, {}, "settings")
    rng_state = torch.get_rng_state()
    measured: dict[str, float] = {}
    try:
        for number, (layout, dtype) in enumerate(candidates, 1):
            plan = ExecutionPlan(layout, dtype)
            try:
                measured[plan.label] = round(measure_train_step(step, model, plan, batch_size, steps), 2)
            except (RuntimeError, FloatingPointError):  # a missing kernel or a NaN: not a candidate here
                continue
            finally:
                if say is not None:
                    shown = f"{measured[plan.label]:.1f} img/s" if plan.label in measured else "not usable here"
                    say(f"timing execution plan {number}/{len(candidates)}: {plan.label}: {shown}")
    finally:
        torch.set_rng_state(rng_state)  # timing must not change the run's random stream
    if not measured:
        return ExecutionPlan(False, None, compile, {}, "fallback")
    best = max(measured, key=measured.__getitem__)
    reference = measured.get(_label(False, None), 0.0)
    if measured[best] < 1.05 * reference:  # within noise of plain fp32: keep the simplest path
        best = _label(False, None)
    layout, dtype = next((c for c in candidates if _label(*c) == best))
    return ExecutionPlan(layout, dtype, compile, measured, "measured")


def plan_cache_file() -> Path | None:
    """Where measured plans are kept per machine: $LITEMEDSEG_CACHE/plans.json (default ~/.cache/litemedseg);
    None when LITEMEDSEG_CACHE is "off"."""
    root = os.environ.get("LITEMEDSEG_CACHE")
    if root and root.lower() == "off":
        return None
    return Path(root or Path.home() / ".cache" / "litemedseg") / "plans.json"


def plan_cache_key(device: torch.device, **settings: Any) -> str:
    """The machine (CPU or GPU name, threads, torch) and everything that changes which plan is fastest."""
    machine = torch.cuda.get_device_name(device) if device.type == "cuda" else cpu_features().get("cpu", "cpu")
    record = {"machine": machine, "device": device.type, "torch": torch.__version__,
              "threads": torch.get_num_threads(), **settings}
    return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()[:24]


def cached_plan(key: str) -> ExecutionPlan | None:
    path = plan_cache_file()
    if path is None or not path.is_file():
        return None
    try:
        entry = json.loads(path.read_text()[:1_000_000]).get(key)
    except (OSError, ValueError, AttributeError):
        return None  # a damaged cache is only a cache: measure again
    if not isinstance(entry, dict):
        return None
    plan = ExecutionPlan.from_dict(entry)
    return ExecutionPlan(plan.channels_last, plan.amp, plan.compile, plan.measured_img_per_s, "cached")


def remember_plan(key: str, plan: ExecutionPlan) -> None:
    """Keep a measured plan for the next run of the same model and settings on this machine (best effort)."""
    path = plan_cache_file()
    if path is None or plan.chosen_by != "measured":
        return
    try:
        entries = json.loads(path.read_text()[:1_000_000]) if path.is_file() else {}
        entries = entries if isinstance(entries, dict) else {}
        entries[key] = plan.to_dict()
        from litemedseg.utils.atomic import write_json_atomic

        write_json_atomic(path, dict(list(entries.items())[-200:]))
    except (OSError, ValueError, LitemedsegError):
        pass
