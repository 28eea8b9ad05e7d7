"""Efficiency table, measured in one run per machine, every figure beside the MONAI U-Net's as a ratio.

    python benchmarks/efficiency.py                       # CPU (and GPU when CUDA is available)
    python benchmarks/efficiency.py --models mininet unet --runs 50 --out benchmarks/results/efficiency_cpu

CPU: batch-1 latency (median, p90) at 3x256x256 in PyTorch eager, TorchScript (frozen) and ONNX Runtime, with
--threads intra-op threads (2 by default: the target machine), batch-16 throughput in ONNX Runtime, and the peak
resident memory that loading the model and running batch-1 ONNX Runtime inference adds to a fresh process. GPU (when present): batch-1 latency
and batch-256 throughput in fp32, bf16, bf16 + channels_last, torch.compile and CUDA graphs, peak memory, and
the bytes the bf16 forward reads and writes (parameters + activations) as a share of the measured device copy
bandwidth. Params and MACs (torch.utils.flop_counter) at 256 and 512.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

import litemedseg
from litemedseg.export.onnx import export_onnx, onnx_session
from litemedseg.utils.provenance import git_commit, hardware
from litemedseg.utils.stats import count_macs, count_parameters

BASELINE = "unet"
DEFAULT_MODELS = litemedseg.list_models()  # every registered model, ours and the baselines and peers
TRAIN_SIZES = (128, 256)
TRAIN_BATCH = 8


def timed(fn: Callable[[], Any], runs: int, warmup: int = 10, sync: Callable[[], None] = lambda: None) -> dict:
    for _ in range(warmup):
        fn()
    sync()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        sync()
        samples.append(time.perf_counter() - start)
    samples.sort()
    return {"median_ms": statistics.median(samples) * 1e3, "p90_ms": samples[int(0.9 * (len(samples) - 1))] * 1e3}


def cpu_figures(name: str, runs: int, threads: int, tmp: Path) -> dict[str, Any]:
    torch.set_num_threads(threads)
    model = litemedseg.create_model(name).eval()
    x = torch.randn(1, 3, 256, 256)
    out: dict[str, Any] = {}
    with torch.inference_mode():
        out["cpu_eager"] = timed(lambda: model(x), runs)
    with torch.no_grad():
        scripted = torch.jit.freeze(torch.jit.script(model))
        out["cpu_torchscript"] = timed(lambda: scripted(x), runs)
    path = export_onnx(model, tmp / f"{name}.onnx")
    session = onnx_session(path, threads)
    xn = x.numpy()
    out["cpu_onnxruntime"] = timed(lambda: session.run(None, {"image": xn}), runs)
    batch = np.repeat(xn, 16, axis=0)
    seconds = timed(lambda: session.run(None, {"image": batch}), max(3, runs // 10), warmup=2)["median_ms"] / 1e3
    out["cpu_onnxruntime_b16_img_per_s"] = 16 / seconds
    out["cpu_peak_rss_mb"] = peak_rss_mb(path, threads)
    return out


def train_rate(model: torch.nn.Module, name: str, threads: int, device: torch.device, steps: int,
               side: int) -> dict[str, Any]:
    """Training img/s of `model` (batch 8, side x side, the default batch augmentation, the model's default loss,
    one full AdamW step) under every plan this device supports, the plan `train` would pick, and the share of
    a step the augmentation takes in that plan. `model` itself is not changed."""
    from litemedseg.config import AugmentConfig
    from litemedseg.data.augment import BatchAugment
    from litemedseg.engine.acceleration import ExecutionPlan, candidate_plans, choose_training_plan, measure_train_step
    from litemedseg.losses import create_loss, default_loss_name

    torch.set_num_threads(threads)
    model = model.to(device)
    loss_fn = create_loss(default_loss_name(name, 1), 1)
    augment = BatchAugment(AugmentConfig(), 3).to(device)
    generator = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (TRAIN_BATCH, 3, side, side), generator=generator, dtype=torch.uint8).to(device)
    masks = (torch.rand(TRAIN_BATCH, 1, side, side, generator=generator) > 0.7).float().to(device)
    augment_seconds: list[float] = []

    def step(trial, optimizer, plan):  # noqa: ANN001, ANN202
        start = time.perf_counter()
        x, y = augment(images.float() / 255.0, masks)
        augment_seconds.append(time.perf_counter() - start)
        x = plan.prepare_input((x - 0.5) / 0.25)
        for parameter in trial.parameters():
            parameter.grad = None
        with plan.autocast(device):
            logits = trial(x)
        loss = loss_fn(logits.float(), y.round())
        loss.backward()
        optimizer.step()
        return float(loss.detach())

    per_plan: dict[str, float] = {}
    shares: dict[str, float] = {}
    for layout, dtype in candidate_plans(device, "auto", "auto"):
        plan = ExecutionPlan(layout, dtype)
        augment_seconds.clear()
        try:
            rate = measure_train_step(step, model, plan, TRAIN_BATCH, steps=steps, warmup=2)
        except (RuntimeError, FloatingPointError):
            continue
        per_plan[plan.label] = rate
        shares[plan.label] = statistics.median(augment_seconds[2:]) / (TRAIN_BATCH / rate)
    chosen = choose_training_plan(step, model, device, TRAIN_BATCH, steps=steps)
    return {"img_per_s": per_plan.get(chosen.label, 0.0), "plan": chosen.label, "per_plan": per_plan,
            "augment_share": shares.get(chosen.label, float("nan"))}


def train_figures(name: str, threads: int, device: torch.device, steps: int) -> dict[str, Any]:
    """`train_rate` at 128 and 256 for a registered model, flattened into table columns."""
    out: dict[str, Any] = {}
    for side in TRAIN_SIZES:
        result = train_rate(litemedseg.create_model(name), name, threads, device, steps, side)
        for label, rate in result["per_plan"].items():
            out[f"train{side}_{label}_img_per_s"] = rate
        out[f"train{side}_auto_img_per_s"] = result["img_per_s"]
        out[f"train{side}_auto_plan"] = result["plan"]
        out[f"train{side}_augment_share"] = result["augment_share"]
    return out


def onnx_latency(model: torch.nn.Module, path: Path, runs: int, threads: int) -> float:
    """Median ONNX Runtime batch-1 latency (ms) at 3x256x256 with `threads` intra-op threads."""
    export_onnx(model.eval(), path)
    session = onnx_session(path, threads)
    x = np.random.default_rng(0).standard_normal((1, 3, 256, 256), dtype=np.float32)
    return timed(lambda: session.run(None, {"image": x}), runs)["median_ms"]


def peak_rss_mb(onnx_path: Path, threads: int) -> float:
    """Peak resident memory added by loading the ONNX file and running 20 batch-1 inferences in a fresh process
    (the runtime's own import footprint is subtracted). Uses VmHWM, which starts afresh at exec, unlike
    getrusage's ru_maxrss, which a forked child inherits from this (large) process."""
    code = (
        "import numpy as np, onnxruntime as ort\n"
        "hwm = lambda: int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])\n"
        "before = hwm()\n"
        "o = ort.SessionOptions(); o.intra_op_num_threads = %d\n"
        "s = ort.InferenceSession(%r, o, providers=['CPUExecutionProvider'])\n"
        "x = np.zeros((1, 3, 256, 256), np.float32)\n"
        "[s.run(None, {'image': x}) for _ in range(20)]\n"
        "print(hwm() - before)\n" % (threads, str(onnx_path))
    )
    kib = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    return int(kib) / 1024


def gpu_figures(name: str, runs: int) -> dict[str, Any]:
    device = torch.device("cuda")
    sync = torch.cuda.synchronize
    model = litemedseg.create_model(name).eval().to(device)
    x1 = torch.randn(1, 3, 256, 256, device=device)
    xb = torch.randn(256, 3, 256, 256, device=device)
    out: dict[str, Any] = {}
    variants: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {"fp32": model}

    def bf16(m):
        def run(x):
            with torch.autocast("cuda", dtype=torch.bfloat16):
                return m(x)
        return run

    variants["bf16"] = bf16(model)
    model_cl = litemedseg.create_model(name).eval().to(device).to(memory_format=torch.channels_last)
    variants["bf16_channels_last"] = lambda x: bf16(model_cl)(x.contiguous(memory_format=torch.channels_last))
    variants["bf16_compiled"] = bf16(torch.compile(model_cl))
    variants["bf16_cuda_graphs"] = bf16(torch.compile(model_cl, mode="reduce-overhead"))
    with torch.inference_mode():
        for label, run in variants.items():
            try:
                out[f"gpu_{label}_b1"] = timed(lambda: run(x1), runs, warmup=20, sync=sync)
                torch.cuda.reset_peak_memory_stats()
                seconds = timed(lambda: run(xb), max(5, runs // 10), warmup=3, sync=sync)["median_ms"] / 1e3
                out[f"gpu_{label}_b256_img_per_s"] = 256 / seconds
                out[f"gpu_{label}_b256_peak_mb"] = torch.cuda.max_memory_allocated() / 2**20
            except Exception as err:  # noqa: BLE001  (report what failed, measure the rest)
                out[f"gpu_{label}_error"] = f"{type(err).__name__}: {str(err)[:120]}"
    out["gpu_bf16_bytes_per_image"] = forward_bytes(model, device)
    return out


def forward_bytes(model: torch.nn.Module, device: torch.device) -> int:
    """Parameters read plus every module output written and read once, in bf16, for one 3x256x256 image."""
    sizes: list[int] = []
    hooks = [m.register_forward_hook(lambda _m, _i, o: sizes.append(o.numel() if torch.is_tensor(o) else 0))
             for m in model.modules() if len(list(m.children())) == 0]
    with torch.inference_mode():
        model(torch.randn(1, 3, 256, 256, device=device))
    for h in hooks:
        h.remove()
    return 2 * (count_parameters(model) + 2 * sum(sizes))


def copy_bandwidth_gbs() -> float:
    a = torch.empty(2**28, dtype=torch.uint8, device="cuda")
    b = torch.empty_like(a)
    ms = timed(lambda: b.copy_(a), 20, warmup=5, sync=torch.cuda.synchronize)["median_ms"]
    return 2 * a.numel() / (ms / 1e3) / 1e9


def ratio_table(rows: dict[str, dict[str, Any]], keys: list[str]) -> list[str]:
    base = rows[BASELINE]
    header = "| model | params | GMACs 256 | GMACs 512 | " + " | ".join(keys) + " |"
    lines = [header, "|" + "---|" * (4 + len(keys))]
    for name, r in rows.items():
        cells = []
        for key in keys:
            value, ref = r.get(key), base.get(key)
            if isinstance(value, dict):
                value, ref = value["median_ms"], ref["median_ms"] if isinstance(ref, dict) else None
                p90 = r[key]["p90_ms"]
                cells.append(f"{value:.2f} (p90 {p90:.2f}) ms = {value / ref:.2f}x" if ref else f"{value:.2f} ms")
            elif isinstance(value, float):
                cells.append(f"{value:,.1f} = {value / ref:.2f}x" if ref else f"{value:,.1f}")
            else:
                cells.append("-" if value is None else str(value))
        lines.append(f"| {name} | {r['params']:,} | {r['gmacs_256']:.3f} | {r['gmacs_512']:.3f} | " + " | ".join(cells) + " |")
    return lines


def _ort_version() -> str:
    import onnxruntime

    return onnxruntime.__version__


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="*", default=DEFAULT_MODELS)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--no-gpu", action="store_true")
    parser.add_argument("--train-steps", type=int, default=6, help="timed optimizer steps per training figure")
    parser.add_argument("--no-train", action="store_true", help="skip the training-throughput figures")
    args = parser.parse_args()
    models = list(dict.fromkeys([*args.models, BASELINE]))
    started = time.perf_counter()
    use_gpu = torch.cuda.is_available() and not args.no_gpu
    rows: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in models:
            model = litemedseg.create_model(name)
            row = {"params": count_parameters(model), "gmacs_256": count_macs(model, 3, 256, 256) / 1e9,
                   "gmacs_512": count_macs(model, 3, 512, 512) / 1e9}
            row.update(cpu_figures(name, args.runs, args.threads, Path(tmp)))
            if not args.no_train:
                row.update(train_figures(name, args.threads, torch.device("cpu"), args.train_steps))
            if use_gpu:
                row.update(gpu_figures(name, args.runs))
            rows[name] = row
            print(f"measured {name}", file=sys.stderr, flush=True)
    from litemedseg.engine.acceleration import cpu_features

    features = cpu_features()
    info = {"commit": git_commit(), "hardware": hardware("cuda" if use_gpu else None), "threads": args.threads,
            "runs": args.runs, "wall_time_s": round(time.perf_counter() - started, 1), "cpu_features": features}
    cpu_keys = ["cpu_eager", "cpu_torchscript", "cpu_onnxruntime", "cpu_onnxruntime_b16_img_per_s", "cpu_peak_rss_mb"]  # noqa: E501
    flags = ", ".join(f"{k}={'yes' if v else 'no'}" for k, v in features.items() if isinstance(v, bool))
    lines = [f"CPU: {features['cpu']} (torch kernels {features['capability']}; {flags}), {args.threads} threads, "
             f"torch {torch.__version__}, onnxruntime {_ort_version()}, batch 1 unless noted, 3x256x256, "
             f"{args.runs} runs; ratios against {BASELINE} in the same run", ""]
    lines += ratio_table(rows, cpu_keys)
    if not args.no_train:
        train_keys = sorted({k for r in rows.values() for k in r if k.startswith("train") and k.endswith("img_per_s")},
                            key=lambda k: (int(k[5:8]), k))
        lines += ["", f"Training img/s (batch {TRAIN_BATCH}, augmentation + default loss + AdamW step, "
                  f"{args.train_steps} timed steps), ratios against {BASELINE}; 'auto' is the plan `train` picks", ""]
        lines += ratio_table(rows, train_keys)
        lines += ["", "Plan picked by train (128 / 256) and the augmentation's share of a step in that plan:"]
        for name, r in rows.items():
            shares = [f"{r[f'train{side}_augment_share']:.0%}" for side in TRAIN_SIZES]
            lines.append(f"- {name}: {r['train128_auto_plan']} / {r['train256_auto_plan']}; augmentation "
                         f"{' / '.join(shares)} of step time")
    if use_gpu:
        bandwidth = copy_bandwidth_gbs()
        info["gpu_copy_bandwidth_gbs"] = bandwidth
        gpu_keys = [k for k in rows[BASELINE] if k.startswith("gpu_") and not k.endswith("bytes_per_image")]
        lines += ["", f"GPU: {info['hardware'].get('gpu')}; copy bandwidth {bandwidth:,.0f} GB/s", ""]
        lines += ratio_table(rows, gpu_keys)
        for name, r in rows.items():
            moved = r["gpu_bf16_bytes_per_image"] * r.get("gpu_bf16_b256_img_per_s", 0) / 1e9
            r["gpu_bf16_bandwidth_share"] = moved / bandwidth
            lines.append(f"- {name}: bf16 forward moves {r['gpu_bf16_bytes_per_image'] / 2**20:.1f} MiB/image; at "
                         f"batch 256 that is {moved:,.0f} GB/s = {moved / bandwidth:.1%} of the copy bandwidth")
    else:
        lines += ["", "GPU: none on this machine; the GPU figures were not measured."]
    lines += ["", f"commit {info['commit']}, wall time {info['wall_time_s']} s"]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "efficiency.md").write_text(text)
        (args.out / "efficiency.json").write_text(json.dumps({"info": info, "rows": rows}, indent=1, default=float))


if __name__ == "__main__":
    main()
