"""build_report: galleries, plots and index.html from real evaluations; missing sources are noted, not fatal."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import litemedseg
from litemedseg.errors import DataError
from litemedseg.report import build_report, load_evaluation
from litemedseg.report.galleries import rank_rows
from litemedseg.utils.stats import count_parameters


def referenced_images(index: Path) -> list[str]:
    return re.findall(r'<img src="([^"]+)"', index.read_text())


def test_report_of_two_evaluations(evaluations, tmp_path):
    out = tmp_path / "report"
    index = build_report(evaluations, out, top_k=2, progress=False)
    assert index == out / "index.html"
    sources = referenced_images(index)
    expected = {"params_vs_dice.png", "spider_metrics.png", "galleries/mininet_eval_mininet_worst.png",
                "galleries/mininet_eval_mininet_best.png", "galleries/med2dsegnet_s_eval_med2dsegnet_s_worst.png",
                "galleries/med2dsegnet_s_eval_med2dsegnet_s_best.png"}
    assert set(sources) == expected
    for source in sources:
        with Image.open(out / source) as picture:
            assert picture.format == "PNG" and min(picture.size) > 100
    html = index.read_text()
    for model in ("mininet", "med2dsegnet_s"):
        params = count_parameters(litemedseg.create_model(model))
        assert f"{params:,}" in html  # the parameter count comes from the checkpoint
    summary = json.loads((evaluations[0] / "summary.json").read_text())
    headline, (low, high) = summary["headline"]["value"], summary["per_image"]["dice"]["ci95"]
    assert low <= headline <= high
    assert f'per_image_dice = {headline:.4f} <span class="ci">[{low:.4f}, {high:.4f}]</span>' in html
    assert "<h2>Per-metric scores</h2>" in html and "specificity" in html and "pooled Dice" in html
    summary_table = html.split("<h2>Summary</h2>", 1)[1].split("</table>", 1)[0]
    assert summary_table.count("<th>") == 8  # metrics and hashes live in their own places, so it fits 1280 px
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]  # no temporary files left behind


def test_gallery_rows_show_worst_and_best_images(evaluations):
    evaluation = load_evaluation(evaluations[0])
    worst, best = rank_rows(evaluation.rows, "dice", 3)
    dice = sorted(r["dice"] for r in evaluation.rows)
    assert [r["dice"] for r in worst] == dice[:3] and [r["dice"] for r in best] == dice[::-1][:3]
    assert all(isinstance(r["image"], str) for r in worst)


def test_rank_rows_never_shows_an_image_twice():
    rows = [{"image": f"i{n}", "dice": d} for n, d in enumerate([0.5, 0.1, 0.9, float("nan")])]
    worst, best = rank_rows(rows, "dice", 2)
    assert [r["image"] for r in worst] == ["i1", "i0"] and [r["image"] for r in best] == ["i2"]


def _copy_with(evaluation: Path, target: Path, **changes) -> Path:
    shutil.copytree(evaluation, target)
    summary = json.loads((target / "summary.json").read_text())
    for key, value in changes.items():
        if key == "dataset_root":
            summary["dataset"].update(root=value, name="Gone")
        else:
            summary[key] = value
    (target / "summary.json").write_text(json.dumps(summary))
    from litemedseg.utils.publish import EVALUATION, write_manifest

    write_manifest(target, EVALUATION)  # an evaluation that says this, not a hand-edited one
    return target


def test_missing_weights_or_dataset_skip_the_galleries_with_a_note(evaluations, tmp_path):
    no_weights = _copy_with(evaluations[0], tmp_path / "no_weights", weights=str(tmp_path / "deleted"))
    no_data = _copy_with(evaluations[1], tmp_path / "no_data", dataset_root=str(tmp_path / "deleted_data"))
    changed = _copy_with(evaluations[1], tmp_path / "changed", weights_sha256="0" * 64)
    with pytest.warns(UserWarning) as caught:
        index = build_report([no_weights, no_data, changed], tmp_path / "out", top_k=1, progress=False)
    messages = [str(w.message) for w in caught]
    assert any("galleries skipped: weights not available" in m and "deleted" in m for m in messages)
    assert any("galleries skipped: dataset not available" in m for m in messages)
    assert any("changed: galleries skipped: the weights file changed" in m for m in messages)
    assert all("\n" not in m for m in messages)
    assert not [s for s in referenced_images(index) if s.startswith("galleries/")]
    assert "params_vs_dice.png" in referenced_images(index)  # parameters from create_model's defaults
    assert "weights not available" in index.read_text()


def test_multiclass_report_uses_class_maps_and_per_class_spider(multiclass_evaluation, tmp_path):
    index = build_report([multiclass_evaluation], tmp_path / "out", top_k=1, progress=False)
    sources = referenced_images(index)
    assert "spider_classes.png" in sources and "spider_metrics.png" not in sources
    galleries = [s for s in sources if s.startswith("galleries/")]
    assert len(galleries) == 2
    html = index.read_text()
    assert "liver" in html and "kidney" in html and "predicted classes" in html
    with Image.open(tmp_path / "out" / galleries[0]) as picture:
        width, height = picture.size
    assert width > height  # three panels side by side for one image


def test_bad_evaluation_folders_are_data_errors(tmp_path):
    with pytest.raises(DataError, match="missing: evaluation folder not found"):
        build_report([tmp_path / "missing"], tmp_path / "out")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="empty: no summary.json"):
        build_report([tmp_path / "empty"], tmp_path / "out")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "summary.json").write_text("{not json")
    with pytest.raises(DataError, match="summary.json: not readable JSON"):
        build_report([tmp_path / "broken"], tmp_path / "out")
    assert not (tmp_path / "out").exists()  # nothing written before every folder was checked
    np.testing.assert_equal(sorted(p.name for p in tmp_path.iterdir()), ["broken", "empty"])
