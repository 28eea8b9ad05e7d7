"""benchmarks/grid.py's seed tables: mean +- std per cell, the seed-spread test and the issue-13 verdicts."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def grid():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        spec = importlib.util.spec_from_file_location("grid", ROOT / "benchmarks" / "grid.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["grid"] = module  # dataclasses look their module up while the class is built
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop("grid", None)
        sys.path.remove(str(ROOT / "benchmarks"))


def _summary(dataset: str, model: str, value: float, seed: int) -> dict:
    figure = {"mean": value, "std": 0.1}
    return {"dataset": {"name": dataset}, "model": model, "num_images": 10,
            "headline": {"metric": "per_image_dice", "value": value},
            "per_image": {"dice": figure, "iou": figure}, "pooled": {"dice": value},
            "budget": {"epochs": 5, "best_epoch": 4, "best_val": value - 0.01, "time_budget_s": 240.0, "clock": "cpu", "seed": seed,
                       "input": {"mode": "resize", "size": [64, 64]}},
            "train_wall_time_s": 250.0, "commit": "abc", "hardware": {"cpu": "test CPU"}}


def _write(results: Path, dataset: str, model: str, values: list[float]) -> None:
    for seed, value in enumerate(values):
        path = results / dataset / model / f"seed{seed}" / "eval" / "summary.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(_summary(dataset, model, value, seed)))


def test_seed_table_gives_mean_std_and_whether_the_gap_beats_the_spread(grid, tmp_path):
    _write(tmp_path, "PH2", "unet", [0.90, 0.91, 0.92])
    _write(tmp_path, "PH2", "mininet", [0.95, 0.96, 0.97])   # +0.05, spread 0.01 + 0.01: beyond
    _write(tmp_path, "PH2", "unext_s", [0.90, 0.93, 0.96])   # +0.02, spread 0.03 + 0.01: not beyond
    _write(tmp_path, "PH2", "egeunet", [0.99])               # one seed: no spread, no verdict on it
    grid.write_seed_tables(tmp_path)
    rows = {line.split(" | ")[1]: line for line in (tmp_path / "seeds.md").read_text().splitlines()
            if line.startswith("| PH2")}
    assert "0.9600 ± 0.0100 | 0.9500 |" in rows["mininet"] and "+0.0500 | yes" in rows["mininet"]
    assert "0.9300 ± 0.0300" in rows["unext_s"] and "+0.0200 | no" in rows["unext_s"]
    assert "| 1 | 0.9900 ± - |" in rows["egeunet"] and rows["egeunet"].endswith("| - |")
    assert "10 runs, commit(s) abc; test CPU" in (tmp_path / "seeds.md").read_text()
    targets = (tmp_path / "targets.md").read_text()
    assert "| PH2: mininet >= unext_s | 0.9600 ± 0.0100 (3 seeds) | 0.9300 ± 0.0300 (3 seeds) | 1 (0) | met |" \
        in targets
    # behind, but no per-image scores to test: not a miss
    assert "| PH2: mininet >= egeunet | 0.9600 ± 0.0100 (3 seeds) | 0.9900 ± - (1 seeds) | 1 (0) | tie |" in targets
    assert "| DRIVE: mininet >= unext_s | - | - | - | not run |" in targets


def _per_image(results: Path, dataset: str, model: str, seed: int, scores: list[float]) -> None:
    path = results / dataset / model / f"seed{seed}" / "eval" / "per_image.csv"
    path.write_text("image,dice,iou\n" + "".join(f"img{i},{v},{v}\n" for i, v in enumerate(scores)))


def test_verdicts_pair_images_over_seeds_and_weigh_the_seed_spread(grid, tmp_path):
    behind = [0.80 + 0.01 * i for i in range(12)]
    _write(tmp_path, "PH2", "mininet", [0.85, 0.85])
    _write(tmp_path, "PH2", "unext_s", [0.90, 0.90])   # 0.05 ahead, seed std 0: beyond the spread
    _write(tmp_path, "PH2", "egeunet", [0.99, 0.81])   # ahead on the mean, but a wide seed spread
    for seed in (0, 1):
        _per_image(tmp_path, "PH2", "mininet", seed, behind)
        _per_image(tmp_path, "PH2", "unext_s", seed, [v + 0.05 + 0.001 * i for i, v in enumerate(behind)])
        _per_image(tmp_path, "PH2", "egeunet", seed, [v + 0.05 for v in behind])
    grid.write_seed_tables(tmp_path)
    rows = {line.split(" | ")[0][2:]: line for line in (tmp_path / "targets.md").read_text().splitlines()
            if line.startswith("| PH2")}
    assert rows["PH2: mininet >= unext_s"].endswith("(12) | missed |")
    assert float(rows["PH2: mininet >= unext_s"].split(" | ")[3].split()[0]) < 0.05
    assert rows["PH2: mininet >= egeunet"].endswith("(12) | tie |")  # significant, yet within 0 + 0.127 of spread
    assert grid.verdict((0.80, 0.0, 1), (0.90, 0.0, 1), 0.2) == "tie"
    assert grid.verdict((0.80, 0.0, 1), (0.90, 0.0, 1), 0.01) == "missed"
    assert grid.verdict((0.90, 0.0, 1), (0.90, 0.0, 1), 0.01) == "met"


def test_matrix_shows_every_dataset_and_model_with_seed_counts_and_marks_the_best(grid, tmp_path):
    _write(tmp_path, "PH2", "unet", [0.90, 0.92])
    _write(tmp_path, "PH2", "mininet", [0.95])
    _write(tmp_path, "PH2", "mininet_half", [0.97])        # a variant: listed after the seven models
    _write(tmp_path, "DRIVE", "egeunet", [0.70])
    grid.write_seed_tables(tmp_path)
    lines = (tmp_path / "matrix.md").read_text().splitlines()
    assert lines[0] == "| dataset (headline) | mininet | unet | egeunet | mininet_half |"
    assert lines[2] == "| DRIVE (per_image_dice) | - | - | **0.7000** (1) | - |"
    assert lines[3] == "| PH2 (per_image_dice) | 0.9500 (1) | 0.9100 (2) | - | **0.9700** (1) |"
