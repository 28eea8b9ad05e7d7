from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
# measured execution plans are cached per machine; the tests keep theirs apart from the user's cache
os.environ.setdefault("LITEMEDSEG_CACHE", str(Path(__file__).resolve().parents[1] / ".pytest_cache" / "litemedseg"))


def shared_datasets() -> Path | None:
    """LITEMEDSEG_DATA, else ../shared/datasets beside the checkout, if it exists."""
    env = os.environ.get("LITEMEDSEG_DATA")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[2] / "shared" / "datasets")
    return next((c for c in candidates if c.is_dir()), None)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    root = shared_datasets()
    if root is None:
        pytest.skip("real datasets not found: set LITEMEDSEG_DATA=../shared/datasets")
    return root


@pytest.fixture
def synthetic_folder(tmp_path: Path) -> Path:
    from tests.helpers import make_folder

    return make_folder(tmp_path / "toy")
