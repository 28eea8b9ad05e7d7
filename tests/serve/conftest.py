"""A small trained checkpoint, a server on a free port in a background thread, and a real demo image."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PIL import Image

DEMO_IMAGES = Path(__file__).resolve().parents[2] / "src" / "litemedseg" / "data" / "demo" / "dsb2018_mini" / "images"


@contextmanager
def serving(server) -> Iterator:
    """Run `server` in a daemon thread; shut it down and close its socket afterwards."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def checkpoint(tmp_path_factory) -> Path:
    """Mini-Net trained for 2 epochs at 64x64 on the shipped demo set (a few seconds on 2 CPU cores)."""
    from litemedseg.config import load_config
    from litemedseg.engine import train

    output = tmp_path_factory.mktemp("serve_runs")
    run = train(load_config(None, {"model": "mininet", "data": "demo", "epochs": 2, "input.size": 64,
                                   "output": str(output), "progress": False, "tensorboard": False}))
    return run.run_dir / "best"


@pytest.fixture(scope="session")
def segmenter(checkpoint):
    from litemedseg.engine.prediction import Segmenter

    return Segmenter.from_weights(checkpoint, device="cpu")


@pytest.fixture(scope="session")
def live_server(segmenter):
    """The real server (default 20 MB limit) on 127.0.0.1 and a free port."""
    from litemedseg.serve import make_server

    with serving(make_server(segmenter, "127.0.0.1", 0)) as server:
        yield server


@pytest.fixture(scope="session")
def demo_image() -> Path:
    """A real nuclei image from the demo set, preferably not square (catches width/height mix-ups)."""
    files = sorted(DEMO_IMAGES.glob("*.png"))
    assert files, f"no demo images in {DEMO_IMAGES}"
    for path in files:
        with Image.open(path) as img:
            if img.width != img.height:
                return path
    return files[0]
