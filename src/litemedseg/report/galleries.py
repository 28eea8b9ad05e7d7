"""Galleries of the worst and best images of an evaluation: error overlays (binary) or class maps (multi-class)."""

from __future__ import annotations

import textwrap

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from litemedseg.data.cache import decode_sample
from litemedseg.data.folder import SegmentationFolder
from litemedseg.data.rules import DataRules
from litemedseg.data.spec import InputSpec
from litemedseg.engine.prediction import Segmenter
from litemedseg.errors import DataError
from litemedseg.report.loading import Evaluation
from litemedseg.report.plots import save_figure
from litemedseg.viz import CLASS_TABLE, as_rgb, error_overlay, mask_overlay
from litemedseg.viz.overlay import FN, FP, TP

PANEL_INCHES = 2.4


@dataclass
class GalleryItem:
    stem: str
    score: float
    image: np.ndarray  # (H, W, 3) uint8, original size
    prediction: np.ndarray  # (H, W) uint8 labels
    truth: np.ndarray  # (H, W) uint8 labels
    valid: np.ndarray | None  # field of view, if any


def rank_rows(rows: list[dict[str, Any]], column: str, k: int) -> tuple[list[dict], list[dict]]:
    """(k worst rows ascending, k best rows descending) by `column`; no image is in both when rows are few."""
    scored = [r for r in rows if isinstance(r.get(column), float) and not math.isnan(r[column])]
    ascending = sorted(scored, key=lambda r: (r[column], str(r["image"])))
    worst = ascending[:k]
    rest = ascending[len(worst):]
    best = sorted(rest, key=lambda r: (-r[column], str(r["image"])))[:k]
    return worst, best


def _read_item(segmenter: Segmenter, dataset: SegmentationFolder, stem: str, score: float,
               rules: DataRules) -> GalleryItem:
    sample = dataset.samples.get(stem)
    if sample is None:
        raise DataError(f"{dataset.root}: image {stem!r} of per_image.csv is no longer in the dataset")
    item = decode_sample(sample, InputSpec.native(segmenter.in_channels), segmenter.num_classes, rules.mask_threshold,
                         dataset.palette)
    logits = segmenter.predict_logits(item.image, sample.image)
    prediction = segmenter.mask_from_logits(logits)
    truth = item.mask.astype(np.uint8)
    return GalleryItem(stem, score, item.image, prediction, truth, item.fov)


def collect_items(
    evaluation: Evaluation, segmenter: Segmenter, dataset: SegmentationFolder, rows: list[dict[str, Any]]
) -> list[GalleryItem]:
    """Re-predict the images of `rows` with the evaluation's weights at their original size."""
    column = evaluation.score_column
    # the masks are read as the evaluation read them (its data rules, else the checkpoint's)
    rules = DataRules.from_dict(evaluation.summary.get("data_rules")) or segmenter.record.rules
    return [_read_item(segmenter, dataset, str(r["image"]), float(r[column]), rules) for r in rows]


def _short(stem: str, limit: int = 22) -> str:
    return stem if len(stem) <= limit else stem[: limit - 1] + "…"


def _panels(item: GalleryItem, multiclass: bool) -> list[tuple[str, np.ndarray]]:
    pred, truth = item.prediction, item.truth
    if item.valid is not None:  # scored inside the field of view only; show the same
        pred, truth = pred * (item.valid > 0), truth * (item.valid > 0)
    if multiclass:
        return [("image", item.image), ("prediction", mask_overlay(item.image, pred)),
                ("ground truth", mask_overlay(item.image, truth))]
    return [("image", item.image), ("errors", error_overlay(item.image, pred > 0, truth > 0))]


def render_gallery(
    items: list[GalleryItem], path: Path, title: str, multiclass: bool = False,
    class_names: list[str] | None = None, score_name: str = "Dice",
) -> Path:
    """One PNG, a row per image: image | TP/FP/FN overlay (binary) or image | prediction | truth (multi-class)."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    columns = 3 if multiclass else 2
    rows = max(len(items), 1)
    height = rows * PANEL_INCHES + 0.9  # room for the title above and the legend below
    figure = Figure(figsize=(columns * PANEL_INCHES, height), dpi=100)
    axes = figure.subplots(rows, columns, squeeze=False)
    for row, item in zip(axes, items):
        for ax, (name, picture) in zip(row, _panels(item, multiclass)):
            ax.imshow(as_rgb(picture), interpolation="nearest")  # a grey image in grey, not in a colour map
            caption = f"{_short(item.stem)}\n{score_name} {item.score:.3f}" if name == "image" else f"{name}\n"
            ax.set_title(caption, fontsize=8)
    for ax in axes.flat:
        ax.set_axis_off()
    if multiclass:
        names = class_names or []
        handles = [Patch(color=CLASS_TABLE[c % 256] / 255, label=names[c] if c < len(names) else
                         f"class {c}") for c in range(1, max(len(names), 2))]
    else:
        handles = [Patch(color=np.array(TP) / 255, label="TP (correct)"),
                   Patch(color=np.array(FP) / 255, label="FP (false alarm)"),
                   Patch(color=np.array(FN) / 255, label="FN (missed)")]
    figure.legend(handles=handles, loc="lower center", ncol=min(len(handles), 4), fontsize=8, frameon=False)
    figure.suptitle(textwrap.fill(title, 60), fontsize=10)  # a long label wraps instead of running off the page
    figure.tight_layout(rect=(0, 0.4 / height, 1, 1 - 0.4 / height))
    return save_figure(figure, path)


def build_galleries(
    evaluation: Evaluation, segmenter: Segmenter, dataset: SegmentationFolder, out_dir: Path, top_k: int
) -> dict[str, Path]:
    """galleries/<slug>_worst.png and _best.png; returns {"worst": path, "best": path} (best absent if no rows left)."""
    worst, best = rank_rows(evaluation.rows, evaluation.score_column, top_k)
    score_name = "mean Dice" if evaluation.multiclass else "Dice"
    written: dict[str, Path] = {}
    for kind, rows in (("worst", worst), ("best", best)):
        if not rows:
            continue
        items = collect_items(evaluation, segmenter, dataset, rows)
        title = f"{evaluation.label}: {len(items)} {kind} by {score_name}"
        written[kind] = render_gallery(items, out_dir / f"{evaluation.slug}_{kind}.png", title,
                                       evaluation.multiclass, evaluation.class_names, score_name)
    return written
