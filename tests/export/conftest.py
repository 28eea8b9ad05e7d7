"""Checkpoints for the export and runtime tests: a short demo-set training run, and untrained ones with chosen
input settings (parity needs no accuracy)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

DEMO_IMAGES = Path(__file__).resolve().parents[2] / "src" / "litemedseg" / "data" / "demo" / "dsb2018_mini" / "images"


def trained_demo_checkpoint(base: Path) -> Path:
    """Mini-Net, 2 epochs on the shipped demo set at 64x64 (a few seconds); trained once per session."""
    best = base / "demo-checkpoint" / "mininet-demo" / "best"
    if not (best / "model.safetensors").is_file():
        from litemedseg.config import load_config
        from litemedseg.engine import train

        run = train(load_config(None, {"model": "mininet", "data": "demo", "epochs": 2, "input.size": 64,
                                       "output": str(base / "demo-checkpoint"), "progress": False,
                                       "tensorboard": False, "overwrite": True}))
        assert run.run_dir / "best" == best
    return best


def untrained_checkpoint(folder: Path, model: str = "mininet", in_channels: int = 3, num_classes: int = 1,
                         mode: str = "resize", size: tuple[int, int] = (64, 64), scale: float = 1.0,
                         dataset: dict | None = None) -> Path:
    """A randomly initialised checkpoint with the given input settings (seeded)."""
    import litemedseg
    from litemedseg.checkpoint import save_checkpoint

    torch.manual_seed(0)
    net = litemedseg.create_model(model, in_channels=in_channels, num_classes=num_classes).eval()
    spec = {"mode": mode, "size": list(size), "scale": scale, "in_channels": in_channels,
            "mean": [0.2] * in_channels, "std": [0.3] * in_channels}
    names = ["background", "foreground"] if num_classes == 1 else [f"class{c}" for c in range(num_classes)]
    meta = {"input": spec, "num_classes": num_classes, "class_names": names, "epoch": 0,
            "dataset": dataset or {"name": "nowhere", "root": str(folder / "no-such-dataset")}}
    save_checkpoint(folder, net, meta)
    return folder


@pytest.fixture(scope="session")
def demo_checkpoint(tmp_path_factory) -> Path:
    return trained_demo_checkpoint(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="session")
def demo_onnx(tmp_path_factory, demo_checkpoint) -> Path:
    """The demo checkpoint exported to fp32 ONNX (with its accuracy check), once per session."""
    out = tmp_path_factory.getbasetemp() / "demo-export" / "model.onnx"
    if not out.is_file():
        from litemedseg.export import export_model

        result = export_model(demo_checkpoint, "onnx", out)
        assert result.report.ok, result.report.lines()
    return out
