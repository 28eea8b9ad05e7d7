"""Plots across evaluations: parameters vs headline score (log x, error bars) and spider (radar) charts.

Figures are built with ``matplotlib.figure.Figure`` (the Agg canvas, no pyplot state), so reports work on
headless machines and inside other programs' matplotlib sessions.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from litemedseg.utils.atomic import atomic_path


def save_figure(figure, path: str | os.PathLike, dpi: int = 110) -> Path:  # noqa: ANN001
    """Save a matplotlib Figure as PNG atomically (the temporary file keeps the .png suffix)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    path = Path(path)
    with atomic_path(path) as tmp:
        # "tight": axis labels, legends below the axes and long titles are kept, never cut at the edge
        figure.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight", pad_inches=0.15)
    return path


@dataclass(frozen=True)
class Point:
    """One evaluation on the parameters-vs-score plot; `ci` is the headline's 95 % interval when it has one."""

    label: str  # "model · dataset/split"
    params: int
    value: float
    metric: str
    ci: tuple[float, float] | None = None
    multiclass: bool = False


def params_vs_score(points: Sequence[Point], path: str | os.PathLike) -> Path:
    """Parameter count (log x) against headline score with 95 % error bars; one panel per headline metric
    (per-image Dice, pooled Dice and mean class Dice are different numbers), every point named model + dataset.
    Labels of points that sit close together are stacked apart, and the legend sits below the panel."""
    from matplotlib.figure import Figure

    metrics = sorted({p.metric for p in points}) or ["Dice"]
    groups = [(metric, [p for p in points if p.metric == metric]) for metric in metrics]
    figure = Figure(figsize=(7.0 * len(groups), 5.2 + 0.16 * max(len(m) for _, m in groups)))
    axes = figure.subplots(1, len(groups), squeeze=False)[0]
    colours = iter(_colours(len(points)))
    for ax, (metric, members) in zip(axes, groups):
        placed: list[tuple[float, float]] = []
        for point in members:
            colour = next(colours)
            error = None
            if point.ci is not None:
                error = [[max(0.0, point.value - point.ci[0])], [max(0.0, point.ci[1] - point.value)]]
            ax.errorbar(point.params, point.value, yerr=error, fmt="o", markersize=8, color=colour,
                        markeredgecolor="black", markeredgewidth=0.6, capsize=4, zorder=3,
                        label=f"{point.label} ({_params_text(point.params)}, {point.metric} {point.value:.3f})")
            # points within 15 % in parameters and 0.03 in score share a spot: stack their labels
            crowd = sum(1 for x, y in placed if abs(math.log(point.params / x)) < 0.14 and abs(point.value - y) < 0.03)
            placed.append((point.params, point.value))
            ax.annotate(point.label, (point.params, point.value), textcoords="offset points",
                        xytext=(7, 5 + 10 * crowd), fontsize=7,
                        arrowprops={"arrowstyle": "-", "lw": 0.4, "color": "0.5"} if crowd else None)
        ax.set_xscale("log")
        if members:
            low, high = min(p.params for p in members), max(p.params for p in members)
            ax.set_xlim(low / 3, high * 3)
            values = [v for p in members for v in ((p.value,) + (p.ci or ())) if math.isfinite(v)]
            if values:
                ax.set_ylim(max(0.0, min(values) - 0.1), min(1.05, max(values) + 0.08 + 0.02 * len(members)))
        ax.set_xlabel("parameters (log scale)")
        ax.set_ylabel(f"headline: {metric}")
        ax.set_title(f"Parameters vs {metric} (bars: 95 % CI over images)", fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        if members:
            ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), frameon=False, ncol=1)
    figure.tight_layout()
    return save_figure(figure, path)


def spider(
    axes_labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], path: str | os.PathLike, title: str
) -> Path:
    """Radar chart on a 0-1 radius, one closed polygon per series; a grouped bar chart below three axes."""
    from matplotlib.figure import Figure

    if len(axes_labels) < 3:
        return bars(axes_labels, series, path, title)
    figure = Figure(figsize=(6.4, 6.0))
    ax = figure.add_subplot(projection="polar")
    angles = np.linspace(0, 2 * np.pi, len(axes_labels), endpoint=False)
    closed = np.append(angles, angles[0])
    for (label, values), colour in zip(series, _colours(len(series))):
        ring = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
        ring = np.append(ring, ring[0])
        ax.plot(closed, ring, color=colour, linewidth=1.8, label=label)
        ax.fill(closed, ring, color=colour, alpha=0.12)
    ax.set_xticks(angles)
    ax.set_xticklabels(axes_labels, fontsize=9)
    ax.set_ylim(0, 1)
    ax.set_yticks([0.2, 0.4, 0.6, 0.8, 1.0])
    ax.tick_params(axis="y", labelsize=7)
    ax.set_title(title, fontsize=10, pad=18)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.06), fontsize=8, ncol=1, frameon=False)
    figure.tight_layout()
    return save_figure(figure, path)


def bars(
    axes_labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], path: str | os.PathLike, title: str
) -> Path:
    """Grouped bars (one group per axis label), for score sets too small for a radar chart."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 4.4))
    ax = figure.subplots()
    width = 0.8 / max(len(series), 1)
    positions = np.arange(len(axes_labels))
    for i, ((label, values), colour) in enumerate(zip(series, _colours(len(series)))):
        ax.bar(positions + i * width, values, width, color=colour, label=label)
    ax.set_xticks(positions + width * (len(series) - 1) / 2)
    ax.set_xticklabels(axes_labels)
    ax.set_ylim(0, 1)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    figure.tight_layout()
    return save_figure(figure, path)


def _colours(count: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    return [cmap(i % 10) for i in range(count)]


def _params_text(params: int) -> str:
    return f"{params / 1e6:.2f} M" if params >= 1e6 else f"{params / 1e3:.1f} k"
