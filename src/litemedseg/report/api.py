"""`build_report`: galleries, plots and one HTML page from one or more evaluation folders."""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path

from tqdm.auto import tqdm

from litemedseg.errors import DataError, LitemedsegError
from litemedseg.report.galleries import build_galleries
from litemedseg.report.html import EvaluationSection, relative, render_index
from litemedseg.report.loading import BINARY_SPIDER_METRICS, Evaluation, label_evaluations, load_evaluation
from litemedseg.report.plots import Point, params_vs_score, spider
from litemedseg.report.sources import open_data, open_weights, parameter_count, weights_sha256
from litemedseg.utils.atomic import write_text_atomic
from litemedseg.utils.publish import REPORT, publish_folder

SCATTER_FILE = "params_vs_dice.png"


def _note(evaluation: Evaluation, text: str) -> None:
    """A one-line warning (the CLI prints it as `warning: ...`) that is also shown in the HTML page."""
    evaluation.notes.append(text)
    warnings.warn(f"{evaluation.path}: {text}", stacklevel=3)


def _section(evaluation: Evaluation, output: Path, top_k: int) -> EvaluationSection:
    segmenter = None
    try:
        segmenter = open_weights(evaluation)
    except LitemedsegError as err:
        _note(evaluation, f"galleries skipped: weights not available ({err})")
    params, source = parameter_count(evaluation, segmenter)
    if segmenter is None and params is not None:
        _note(evaluation, f"parameters counted on the {source} of {evaluation.model}")
    section = EvaluationSection(evaluation, params, source)
    if segmenter is None:
        return section
    expected = evaluation.summary.get("weights_sha256")
    if expected and weights_sha256(evaluation) != expected:
        _note(evaluation, "galleries skipped: the weights file changed since this evaluation (sha256 differs)")
        return section
    try:
        dataset = open_data(evaluation)
        written = build_galleries(evaluation, segmenter, dataset, output / "galleries", top_k)
    except DataError as err:
        _note(evaluation, f"galleries skipped: dataset not available ({err})")
        return section
    section.galleries = {kind: relative(path, output) for kind, path in written.items()}
    return section


def _spiders(evaluations: Sequence[Evaluation], output: Path) -> list[tuple[str, str]]:
    """spider_metrics.png for binary evaluations; spider_classes[_N].png per set of class names."""
    plots = []
    binary = [e for e in evaluations if not e.multiclass]
    if binary:
        series = [(e.label, [e.metric_means().get(m, float("nan")) for m in BINARY_SPIDER_METRICS]) for e in binary]
        path = spider(BINARY_SPIDER_METRICS, series, output / "spider_metrics.png", "Per-image metrics (mean)")
        plots.append((relative(path, output), "Per-image means of the binary metrics, one polygon per model"))
    groups: dict[tuple[str, ...], list[Evaluation]] = {}
    for e in (e for e in evaluations if e.multiclass):
        groups.setdefault(tuple(e.class_scores("dice")), []).append(e)
    for i, (names, members) in enumerate(groups.items()):
        axes = [f"Dice {n}" for n in names]
        series = [(e.label, list(e.class_scores("dice").values())) for e in members]
        if len(axes) < 3:  # a radar needs three axes: add per-class IoU
            axes += [f"IoU {n}" for n in names]
            series = [(e.label, list(e.class_scores("dice").values()) + list(e.class_scores("iou").values()))
                      for e in members]
        name = "spider_classes.png" if i == 0 else f"spider_classes_{i + 1}.png"
        path = spider(axes, series, output / name, "Per-class scores (per-image mean)")
        plots.append((relative(path, output), f"Per-class Dice of {', '.join(names)}, one polygon per model"))
    return plots


def build_report(
    eval_dirs: Sequence[str | os.PathLike], output: str | os.PathLike, top_k: int = 4, progress: bool = True
) -> Path:
    """Read evaluation folders and write galleries/, params_vs_dice.png, spider_*.png and index.html into
    `output`; returns the path of index.html. Every folder is checked before anything is written."""
    if not eval_dirs:
        raise DataError("no evaluation folders given")
    if top_k < 1:
        raise DataError(f"--top must be at least 1, got {top_k}")
    evaluations = [load_evaluation(path) for path in eval_dirs]
    label_evaluations(evaluations)
    out = Path(output).expanduser()
    with publish_folder(out, REPORT) as staging:
        _write_report(evaluations, staging, top_k, progress)
    return out / "index.html"


def _write_report(evaluations: Sequence[Evaluation], out: Path, top_k: int, progress: bool) -> None:
    sections = [_section(e, out, top_k) for e in tqdm(evaluations, desc="report", unit="eval", disable=not progress)]
    notes: list[str] = []
    points = [Point(s.evaluation.label, s.params, s.evaluation.headline[1], s.evaluation.headline[0],
                    s.evaluation.headline_ci, s.evaluation.multiclass)
              for s in sections if s.params is not None]
    plots: list[tuple[str, str]] = []
    if points:
        scatter = params_vs_score(points, out / SCATTER_FILE)
        plots.append((relative(scatter, out), "Parameters (log scale) vs headline score, 95 % CI bars"))
    else:
        notes.append("no parameter counts available: the scatter plot was not drawn")
    plots += _spiders(evaluations, out)

    from litemedseg import __version__

    write_text_atomic(out / "index.html", render_index(sections, plots, notes, __version__))
