"""Read an evaluation folder (summary.json + per_image.csv, as written by `litemedseg evaluate`)."""

from __future__ import annotations

import csv
import math
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from litemedseg.errors import DataError
from litemedseg.utils.jsonio import read_json
from litemedseg.utils.publish import EVALUATION, MANIFEST, read_manifest

BINARY_SPIDER_METRICS = ("dice", "iou", "precision", "recall", "specificity", "accuracy")
REQUIRED_KEYS = ("model", "dataset", "num_images", "headline")


@dataclass
class Evaluation:
    """One evaluation folder: its summary, its per-image rows, and a label/slug unique within a report."""

    path: Path
    summary: dict[str, Any]
    rows: list[dict[str, Any]]
    label: str = ""
    slug: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def model(self) -> str:
        return str(self.summary.get("model") or "unknown model")

    @property
    def dataset_name(self) -> str:
        return str(self.summary["dataset"].get("name", "?"))

    @property
    def split(self) -> str:
        return str(self.summary.get("split", "?"))

    @property
    def num_classes(self) -> int:
        return int(self.summary["dataset"].get("num_classes", 1))

    @property
    def multiclass(self) -> bool:
        return "per_class" in self.summary or self.num_classes > 1

    @property
    def class_names(self) -> list[str]:
        names = self.summary["dataset"].get("class_names")
        return list(names) if names else ["background", "foreground"]

    @property
    def score_column(self) -> str:
        """The per-image Dice column the galleries rank by."""
        return "mean_dice" if self.multiclass else "dice"

    @property
    def headline(self) -> tuple[str, float]:
        head = self.summary["headline"]
        return str(head.get("metric", "?")), float(head.get("value", math.nan))

    @property
    def headline_ci(self) -> tuple[float, float] | None:
        """The 95 % interval of the headline where the evaluation has one (per-image means; not pooled scores)."""
        metric = self.headline[0]
        if metric == "per_image_dice":
            ci = self.summary.get("per_image", {}).get("dice", {}).get("ci95")
        elif metric == "mean_class_dice":
            ci = self.summary.get("mean_dice_ci95")
        else:
            ci = None
        return interval(ci)

    def metric_means(self) -> dict[str, float]:
        """Per-image means of the binary metrics (dice, iou, precision, recall, specificity, accuracy)."""
        per_image = self.summary.get("per_image", {})
        return {m: float(per_image[m]["mean"]) for m in BINARY_SPIDER_METRICS if m in per_image}

    def class_scores(self, metric: str = "dice") -> dict[str, float]:
        """Per-image mean of `metric` ("dice" or "iou") for every foreground class (multi-class only)."""
        return {name: float(c[metric]["mean"]) for name, c in self.summary.get("per_class", {}).items()}


def interval(value: object) -> tuple[float, float] | None:
    """A [low, high] pair of finite numbers from a summary (written by us, but read back from disk), else None."""
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value):
        return None
    return float(value[0]), float(value[1])


def _number(text: str) -> Any:
    if text in ("", "nan", "NaN"):
        return math.nan
    if text in ("True", "False"):
        return text == "True"
    try:
        return float(text)
    except ValueError:
        return text


def read_rows(path: Path) -> list[dict[str, Any]]:
    """per_image.csv as dicts; numbers as float, empty cells as NaN."""
    try:
        with open(path, newline="") as handle:
            reader = csv.DictReader(handle)
            rows = []
            for row in reader:
                if None in row:  # csv puts the cells beyond the header under the key None
                    raise DataError(f"{path}: line {reader.line_num} has more cells than the header has columns")
                rows.append({k: v if k == "image" else _number(v or "") for k, v in row.items()})
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise DataError(f"{path}: cannot read the per-image scores ({err})") from None
    if not rows or "image" not in rows[0]:
        raise DataError(f"{path}: no per-image rows with an 'image' column")
    return rows


def load_evaluation(path: str | os.PathLike) -> Evaluation:
    """Read one evaluation folder; a missing folder or file is a one-line DataError naming it."""
    path = Path(path).expanduser()
    if not path.exists():
        raise DataError(f"{path}: evaluation folder not found")
    if not path.is_dir():
        raise DataError(f"{path}: not a folder (expected an evaluation folder with summary.json and per_image.csv)")
    summary_path = path / "summary.json"
    if not summary_path.is_file():
        raise DataError(f"{path}: no summary.json, so not an evaluation folder (make one with litemedseg evaluate "
                        "--output DIR)")
    if read_manifest(path, EVALUATION) is None:
        warnings.warn(f"{path}: no {MANIFEST} (written by an older litemedseg, or by hand), so it cannot be "
                      "checked to be whole and unchanged", stacklevel=2)
    try:
        summary = read_json(summary_path)
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise DataError(f"{summary_path}: not readable JSON ({str(err).splitlines()[0]})") from None
    if not isinstance(summary, dict):
        raise DataError(f"{summary_path}: expected a JSON object")
    missing = [k for k in REQUIRED_KEYS if k not in summary]
    if missing:
        raise DataError(f"{summary_path}: missing {', '.join(missing)} (not written by litemedseg evaluate?)")
    if not isinstance(summary["dataset"], dict) or not isinstance(summary["headline"], dict):
        raise DataError(f"{summary_path}: 'dataset' and 'headline' must be JSON objects")
    check_summary_types(summary_path, summary)
    rows_path = path / "per_image.csv"
    if not rows_path.is_file():
        raise DataError(f"{path}: no per_image.csv beside summary.json")
    evaluation = Evaluation(path, summary, read_rows(rows_path))
    column = evaluation.score_column
    if column not in evaluation.rows[0]:
        raise DataError(f"{rows_path}: no {column!r} column")
    for line, row in enumerate(evaluation.rows, 2):
        if not isinstance(row[column], float):  # NaN (an empty cell) is a valid "undefined"
            raise DataError(f"{rows_path}: line {line}: {column} {row[column]!r} is not a number")
    return evaluation


def _number_ok(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _stats_ok(value: Any, keys: tuple[str, ...] = ("mean",)) -> bool:
    return isinstance(value, dict) and all(_number_ok(value.get(k)) for k in keys) and all(
        _number_ok(value[k]) for k in ("std", "n") if k in value)


_MISSING = object()
# dotted key -> (what the report needs, test); absent optional keys are fine, a present value must pass
SUMMARY_TYPES: dict[str, tuple[str, Any]] = {
    "model": ("a model name", lambda v: isinstance(v, str) and bool(v.strip())),
    "num_images": ("a count", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0),
    "split": ("a split name", lambda v: isinstance(v, str)),
    "weights": ("a path or null", lambda v: v is None or isinstance(v, str)),
    "weights_sha256": ("a hex digest or null", lambda v: v is None or isinstance(v, str)),
    "tta": ("true or false", lambda v: isinstance(v, bool)),
    "input": ("an object", lambda v: isinstance(v, dict)),
    "dataset.name": ("a name", lambda v: isinstance(v, str)),
    "dataset.root": ("a path or null", lambda v: v is None or isinstance(v, str)),
    "dataset.num_classes": ("a class count >= 1",
                            lambda v: isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 255),
    "dataset.class_names": ("a list of names or null",
                            lambda v: v is None or (isinstance(v, list) and all(isinstance(n, str) for n in v))),
    "headline.metric": ("a metric name", lambda v: isinstance(v, str)),
    "headline.value": ("a number", _number_ok),
    "per_image": ("an object of {mean, std, n} per metric",
                  lambda v: isinstance(v, dict) and all(_stats_ok(s, ("mean", "std")) for s in v.values())),
    "hd95": ("an object {mean, std, n} or null", lambda v: v is None or _stats_ok(v, ())),
    "per_class": ("an object of {dice, iou} per class", lambda v: isinstance(v, dict) and all(
        isinstance(c, dict) and _stats_ok(c.get("dice")) and _stats_ok(c.get("iou")) for c in v.values())),
    "mean_dice": ("a number", _number_ok),
    "mean_iou": ("a number", _number_ok),
}


def check_summary_types(path: Path, summary: dict[str, Any]) -> None:
    """Refuse, naming the key, a value of the wrong type where the report reads one (an edited or foreign
    summary.json would otherwise fail half-way through writing the report). NaN is a number: evaluate writes it
    for undefined means."""
    for key, (expected, ok) in SUMMARY_TYPES.items():
        value: Any = summary
        for part in key.split("."):
            value = value.get(part, _MISSING) if isinstance(value, dict) else _MISSING
        if value is not _MISSING and not ok(value):
            shown = repr(value)
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            raise DataError(f"{path}: {key} must be {expected}, got {shown}")


def slugify(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_.") or "evaluation"


def label_evaluations(evaluations: list[Evaluation]) -> None:
    """Give each evaluation a readable label ("model · dataset/split") and a file slug, both unique."""
    base = [f"{e.model} · {e.dataset_name}/{e.split}" for e in evaluations]
    for evaluation, label in zip(evaluations, base):
        evaluation.label = label if base.count(label) == 1 else f"{label} [{evaluation.path.name}]"
    seen: dict[str, int] = {}
    for evaluation in evaluations:
        slug = slugify(f"{evaluation.model}_{evaluation.path.name}")
        seen[slug] = seen.get(slug, 0) + 1
        evaluation.slug = slug if seen[slug] == 1 else f"{slug}_{seen[slug]}"
    labels = [e.label for e in evaluations]
    for i, evaluation in enumerate(evaluations):
        if labels.count(evaluation.label) > 1:  # same model, data and folder name: number them
            evaluation.label = f"{evaluation.label} #{i + 1}"
