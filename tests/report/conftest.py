"""Two real evaluations of tiny checkpoints on the shipped demo set, shared by the report tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from litemedseg.config import load_config
from litemedseg.engine import evaluate, train


def tiny_evaluation(root: Path, model: str) -> Path:
    """`model` trained 1 epoch on demo at 64x64, evaluated on the demo test split (10 images)."""
    run = train(load_config(None, {"model": model, "data": "demo", "epochs": 1, "input.size": 64, "lr": 3e-3,
                                   "output": str(root / "runs"), "name": model, "progress": False,
                                   "tensorboard": False, "overwrite": True}))
    out = root / f"eval_{model}"
    evaluate(run.run_dir / "best", "demo", "test", output_dir=out, with_hd95=False, progress=False)
    return out


@pytest.fixture(scope="session")
def evaluations(tmp_path_factory) -> list[Path]:
    root = tmp_path_factory.mktemp("report_evals")
    return [tiny_evaluation(root, "mininet"), tiny_evaluation(root, "med2dsegnet_s")]


@pytest.fixture(scope="session")
def multiclass_evaluation(tmp_path_factory) -> Path:
    """An untrained 3-class Mini-Net scored on a generated 3-class folder (all 6 images)."""
    from litemedseg.checkpoint import save_checkpoint
    from litemedseg.data.spec import InputSpec
    from litemedseg.models import create_model

    root = tmp_path_factory.mktemp("multiclass")
    data = root / "Organs"
    (data / "images").mkdir(parents=True)
    (data / "masks").mkdir()
    (data / "classes.json").write_text(json.dumps({"0": "background", "1": "liver", "2": "kidney"}))
    rng = np.random.default_rng(0)
    for i in range(6):
        mask = np.zeros((40, 48), np.uint8)
        mask[5:20, 5:25], mask[24:36, 20:44] = 1, 2
        image = (rng.normal(60, 15, (40, 48)) + mask * 60).clip(0, 255).astype(np.uint8)
        Image.fromarray(np.stack([image] * 3, -1)).save(data / "images" / f"s{i}.png")
        Image.fromarray(mask).save(data / "masks" / f"s{i}.png")
    weights = root / "weights"
    meta = {"input": InputSpec(size=(32, 32)).to_dict(), "class_names": ["background", "liver", "kidney"],
            "dataset": {"name": "Organs", "root": str(data)}}
    save_checkpoint(weights, create_model("mininet", num_classes=3), meta)
    out = root / "eval"
    evaluate(weights, data, "all", output_dir=out, with_hd95=False, progress=False)
    return out
