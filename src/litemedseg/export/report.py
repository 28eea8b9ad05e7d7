"""How close an exported model is to its PyTorch fp32 original: logit differences and test-split Dice."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from litemedseg.data.cache import CachedSample
from litemedseg.errors import LitemedsegError
from litemedseg.metrics import SegmentationScorer
from litemedseg.data.spec import InputSpec
from litemedseg.runtime.preprocess import prepare
from litemedseg.runtime.sliding_window import pad_to_window

# An fp32 export that differs from PyTorch by more than this is broken (SPEC asks < 1e-4; this leaves headroom
# for other CPUs and onnxruntime versions). Reduced precision is judged by the Dice drop instead.
MAX_FP32_DIFF = 1e-3
DEFAULT_MAX_DICE_DROP = 0.02
DIFF_IMAGES = 4

Network = Callable[[np.ndarray], np.ndarray]


class ExportCheckError(LitemedsegError):
    """An exported model that is clearly broken: logits or Dice too far from the PyTorch original."""


@dataclass
class ExportReport:
    """Parity and accuracy of one exported file against the PyTorch fp32 checkpoint."""

    format: str
    precision: str
    path: str
    size_bytes: int
    source_size_bytes: int
    max_abs_diff: float
    mean_abs_diff: float
    diff_inputs: str
    split: str | None = None
    num_images: int = 0
    headline_metric: str | None = None
    dice_torch: float | None = None
    dice_export: float | None = None
    dice_drop: float | None = None
    mask_agreement: float | None = None
    max_dice_drop: float = DEFAULT_MAX_DICE_DROP
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}

    def lines(self) -> list[str]:
        """A short human-readable report."""
        out = [
            f"exported {self.format} ({self.precision}): {self.path}",
            f"  size: {self.size_bytes / 1024:.1f} KiB (checkpoint weights {self.source_size_bytes / 1024:.1f} KiB)",
            f"  logits vs PyTorch fp32: max |diff| {self.max_abs_diff:.3g}, mean |diff| {self.mean_abs_diff:.3g} "
            f"({self.diff_inputs})",
        ]
        if self.dice_torch is not None:
            out.append(f"  {self.headline_metric} on {self.split} ({self.num_images} images): PyTorch "
                       f"{self.dice_torch:.4f}, exported {self.dice_export:.4f}, drop {self.dice_drop:+.4f} "
                       f"(limit {self.max_dice_drop}); masks agree on {100 * self.mask_agreement:.3f} % of pixels")
        else:
            out.append("  accuracy check skipped (no test split checked)")
        out += [f"  FAILED: {failure}" for failure in self.failures]
        return out


def network_inputs(items: Sequence[CachedSample], info: InputSpec, limit: int = DIFF_IMAGES) -> list[np.ndarray]:
    """(1, C, h, w) network inputs from the first `limit` items, preprocessed as for prediction (patch mode:
    the top-left window of each image)."""
    inputs = []
    for item in items[:limit]:
        x, _ = prepare(item.image, info, item.paths.get("image", item.stem))
        if info.mode == "patch":
            x = pad_to_window(x[None], info.size)[0][0, :, :info.size[0], :info.size[1]]
        inputs.append(np.ascontiguousarray(x[None]))
    return inputs


def logit_difference(reference: Network, exported: Network, inputs: Iterable[np.ndarray]) -> tuple[float, float]:
    """Max and mean absolute difference of the two networks' raw logits over `inputs`."""
    largest, total, count = 0.0, 0.0, 0
    for x in inputs:
        expected, got = reference(x), exported(x)
        if got.shape != expected.shape:
            raise ExportCheckError(f"exported output shape {got.shape} differs from PyTorch {expected.shape}")
        diff = np.abs(got.astype(np.float64) - expected.astype(np.float64))
        largest, total, count = max(largest, float(diff.max())), total + float(diff.sum()), count + diff.size
    return largest, total / max(count, 1)


def compare_on_items(
    reference: Any,
    exported: Any,
    items: Sequence[CachedSample],
    *,
    num_classes: int,
    class_names: Sequence[str],
    headline: str,
    batch_size: int = 8,
    progress: bool = False,
) -> dict[str, Any]:
    """Score both segmenters (PyTorch ``Segmenter`` and an exported one, same API) on `items` at original
    resolution; returns both headline scores and the share of pixels whose masks agree."""
    scorers = [SegmentationScorer(num_classes, class_names, with_hd95=False, headline=headline) for _ in range(2)]
    streams: list[Iterator[Any]] = [
        seg.predict_logits_many(((it.image, it.paths.get("image", it.stem)) for it in items), batch_size=batch_size)
        for seg in (reference, exported)
    ]
    agree = total = 0
    for item, ref_logits, exp_logits in tqdm(zip(items, *streams), total=len(items), desc="checking", unit="img",
                                             disable=not progress, leave=False):
        target = item.mask.astype(bool) if num_classes == 1 else item.mask
        masks = [reference.mask_from_logits(ref_logits), exported.mask_from_logits(exp_logits)]
        for scorer, mask in zip(scorers, masks):
            scorer.add(item.stem, mask, target, valid=item.fov)
        agree += int((masks[0] == masks[1]).sum())
        total += masks[0].size
    values = [scorer.summary()["headline"]["value"] for scorer in scorers]
    return {"dice_torch": float(values[0]), "dice_export": float(values[1]),
            "dice_drop": float(values[0] - values[1]), "mask_agreement": agree / max(total, 1)}


def judge(report: ExportReport) -> ExportReport:
    """Fill `report.failures`: an fp32 export must match PyTorch, any export must keep its Dice."""
    report.failures = []
    if report.precision == "fp32" and not report.max_abs_diff <= MAX_FP32_DIFF:
        report.failures.append(f"fp32 logits differ from PyTorch by {report.max_abs_diff:.3g} (limit {MAX_FP32_DIFF})")
    if report.dice_drop is not None and not report.dice_drop <= report.max_dice_drop:
        report.failures.append(f"{report.headline_metric} drops by {report.dice_drop:.4f} "
                               f"(limit --max-dice-drop {report.max_dice_drop})")
    return report
