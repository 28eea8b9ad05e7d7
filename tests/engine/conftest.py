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


def train_interrupted(config, after_epoch: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Train `config` and stop it as a crash would, right after the checkpoint of `after_epoch` landed."""
    from litemedseg.engine.training import Trainer

    real_save = Trainer._save

    def save_then_crash(self, epoch, *args):
        real_save(self, epoch, *args)
        if epoch == after_epoch:
            raise KeyboardInterrupt(f"simulated crash after the epoch-{after_epoch} checkpoint")

    with monkeypatch.context() as patch:
        patch.setattr(Trainer, "_save", save_then_crash)
        with pytest.raises(KeyboardInterrupt):
            train(config)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """Mini-Net trained for 10 epochs on the shipped demo set at 96x96 (about 10 s on 2 CPU cores)."""
    output = tmp_path_factory.mktemp("runs")
    config = quick_config(output, name="demo", tensorboard=True)
    return train(config)
