"""Generated fixtures for unit tests (never the demo's data: the demo uses the shipped real set)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image


def disk_image(size: tuple[int, int], seed: int, channels: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """A noisy image with a few bright disks and the matching 0/1 mask."""
    rng = np.random.default_rng(seed)
    h, w = size
    yy, xx = np.mgrid[:h, :w]
    mask = np.zeros((h, w), bool)
    for _ in range(rng.integers(1, 4)):
        cy, cx, r = rng.integers(0, h), rng.integers(0, w), rng.integers(max(3, min(h, w) // 10), max(4, min(h, w) // 4))
        mask |= (yy - cy) ** 2 + (xx - cx) ** 2 <= r**2
    base = rng.normal(70, 20, (h, w)) + mask * 110
    image = np.clip(base, 0, 255).astype(np.uint8)
    if channels == 3:
        image = np.stack([image, np.clip(image * 0.8, 0, 255).astype(np.uint8), image], axis=-1)
    return image, mask.astype(np.uint8)


def make_folder(
    root: Path,
    count: int = 12,
    size: tuple[int, int] = (48, 64),
    channels: int = 3,
    mask_scale: int = 255,
    with_split: bool = False,
    with_fov: bool = False,
) -> Path:
    """A dataset folder in the shared layout: images/, masks/ (0/`mask_scale`), optional fov/ and split.json."""
    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "masks").mkdir(exist_ok=True)
    if with_fov:
        (root / "fov").mkdir(exist_ok=True)
    stems = [f"case{i:03d}" for i in range(count)]
    for i, stem in enumerate(stems):
        image, mask = disk_image(size, i, channels)
        Image.fromarray(image).save(root / "images" / f"{stem}.png")
        Image.fromarray((mask * mask_scale).astype(np.uint8)).save(root / "masks" / f"{stem}.png")
        if with_fov:
            fov = np.zeros(size, np.uint8)
            fov[2:-2, 2:-2] = 255
            Image.fromarray(fov).save(root / "fov" / f"{stem}.png")
    if with_split:
        split = {"train": stems[: count * 2 // 3], "test": stems[count * 2 // 3 :]}
        (root / "split.json").write_text(json.dumps(split))
    return root


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: int = 600):
    """Run `python -m litemedseg ARGS` in a subprocess; returns the CompletedProcess."""
    full_env = {**os.environ, "TQDM_DISABLE": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "litemedseg", *args], cwd=cwd, env=full_env, capture_output=True,
                          text=True, timeout=timeout)


def assert_one_line_error(result, *fragments: str) -> None:
    """A user error: exit status 1, one line on stderr starting 'error:', no traceback, naming `fragments`."""
    lines = [line.rsplit("\r", 1)[-1] for line in result.stderr.splitlines()]  # keep what a terminal would show
    lines = [line for line in lines if line.strip() and not line.startswith("warning:")]
    assert result.returncode == 1, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr[-2000:]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def with_training_defaults(monkeypatch, name: str, defaults: dict) -> None:
    """Give registered model `name` these training_defaults for one test (monkeypatch undoes it)."""
    import dataclasses

    from litemedseg.models import registry

    entry = registry.get_model_entry(name)
    monkeypatch.setitem(registry._ENTRIES, name, dataclasses.replace(entry, training_defaults=defaults))


def load_script(relative_path: str):
    """Import a repository script that is not part of the package (tools/*.py) as a module."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / relative_path
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
