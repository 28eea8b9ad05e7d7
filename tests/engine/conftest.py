from pathlib import Path

import pytest

from litemedseg.config import load_config
from litemedseg.engine import train


def quick_config(output: Path, **overrides):
    settings = {"model": "mininet", "data": "demo", "epochs": 10, "input.size": 96, "batch_size": 8, "lr": 3e-3,
                "warmup_epochs": 0.5, "output": str(output), "progress": False, "tensorboard": False,
                "overwrite": True}
    settings.update(overrides)
    return load_config(None, settings)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """Mini-Net trained for 10 epochs on the shipped demo set at 96x96 (about 10 s on 2 CPU cores)."""
    output = tmp_path_factory.mktemp("runs")
    config = quick_config(output, name="demo", tensorboard=True)
    return train(config)
