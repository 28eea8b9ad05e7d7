"""Fixtures for the Grad-CAM tests: untrained checkpoints and a folder of odd-sized images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.explain.toys import untrained_checkpoint


@pytest.fixture(scope="session")
def mininet_weights(tmp_path_factory) -> Path:
    return untrained_checkpoint(tmp_path_factory.mktemp("weights") / "mininet")


@pytest.fixture(scope="session")
def multiclass_weights(tmp_path_factory) -> Path:
    return untrained_checkpoint(tmp_path_factory.mktemp("weights") / "mininet3", num_classes=3)


@pytest.fixture
def image_folder(tmp_path) -> Path:
    """Two RGB images of different sizes (neither square nor the network's size)."""
    folder = tmp_path / "images"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for stem, shape in (("a", (40, 56, 3)), ("b", (50, 30, 3))):
        Image.fromarray(rng.integers(0, 255, shape, dtype=np.uint8)).save(folder / f"{stem}.png")
    return folder
