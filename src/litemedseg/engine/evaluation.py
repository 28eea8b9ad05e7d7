"""Score a trained model on a dataset split under the protocol; write per_image.csv, summary.json, report.md."""

from __future__ import annotations

import csv
import io
import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from litemedseg.checkpoint import file_sha256
from litemedseg.data.cache import CachedSample, load_cache
from litemedseg.data.spec import InputSpec
from litemedseg.data.folder import SegmentationFolder, open_dataset
from litemedseg.data.rules import trained_dataset
from litemedseg.data.split_record import find_overlap
from litemedseg.engine.prediction import Segmenter
from litemedseg.errors import DataError
from litemedseg.metrics import SegmentationScorer
from litemedseg.metrics.bootstrap import add_confidence_intervals
from litemedseg.utils.atomic import write_json_atomic, write_text_atomic
from litemedseg.utils.provenance import git_commit, hardware
from litemedseg.utils.publish import EVALUATION, check_output_folder, publish_folder


def headline_for(dataset: SegmentationFolder) -> str:
    """Vessel sets (with a field of view) report pooled F1; multi-class the mean class Dice; else per-image Dice."""
    if dataset.num_classes > 1:
        return "mean_class_dice"
    return "pooled_dice" if dataset.has_fov else "per_image_dice"


def score_items(
    segmenter: Segmenter,
    items: Sequence[CachedSample],
    scorer: SegmentationScorer,
    *,
    batch_size: int = 8,
    progress: bool = True,
    description: str = "scoring",
) -> SegmentationScorer:
    """Predict every decoded item at training resolution and score it at original resolution."""
    stream = ((item.image, item.paths.get("image", item.stem)) for item in items)
    logits_iter = segmenter.predict_logits_many(stream, batch_size=batch_size)
    for item, logits in tqdm(zip(items, logits_iter), total=len(items), desc=description, unit="img",
                             disable=not progress, leave=False):
        pred = segmenter.mask_from_logits(logits)
        prob = segmenter.probabilities(logits) if scorer.with_auc else None
        target = item.mask.astype(bool) if segmenter.num_classes == 1 else item.mask
        scorer.add(item.stem, pred, target, valid=item.fov, prob=prob)
    return scorer


@dataclass
class EvaluationResult:
    summary: dict[str, Any]
    rows: list[dict[str, Any]]
    output_dir: Path | None


def evaluate(
    weights: str | os.PathLike,
    data: str | os.PathLike,
    split: str | None = None,
    output_dir: str | os.PathLike | None = None,
    *,
    zero_shot: bool = False,
    tta: bool = False,
    device: str = "auto",
    batch_size: int = 8,
    split_file: str | os.PathLike | None = None,
    mask_threshold: int | None = None,
    with_hd95: bool = True,
    with_auc: bool | None = None,
    progress: bool = True,
    precision: str = "auto",
    allow_overlap: bool = False,
    skip_unpaired: bool | None = None,
    masks_dir: str | None = None,
    mask_suffix: str | None = None,
) -> EvaluationResult:
    """Score `weights` on `split` of `data`.

    `split=None` means "test", or the whole dataset ("all") when `zero_shot` is set: a dataset the model never
    saw is all test data. An explicit split is always honoured. On the dataset the model was trained on, the
    splits are the model's own (its split record). Masks are read with the checkpoint's data rules unless
    `mask_threshold`, `skip_unpaired`, `masks_dir` or `mask_suffix` override them. A "test" or zero-shot score
    of images the model saw in training or validation (by stem or image hash) is refused unless
    `allow_overlap`; the summary then says so.
    """
    started = time.perf_counter()
    if output_dir is not None:  # refused before any work, not after scoring
        check_output_folder(output_dir, EVALUATION)
    segmenter = Segmenter.from_weights(weights, device=device, tta=tta, precision=precision)
    checkpoint = segmenter.record
    rules = checkpoint.rules.override(mask_threshold=mask_threshold, skip_unpaired=skip_unpaired,
                                      masks_dir=masks_dir, mask_suffix=mask_suffix)
    if split_file is None:
        dataset = trained_dataset(checkpoint, data, segmenter.num_classes, rules)
    else:
        dataset = open_dataset(data, num_classes=segmenter.num_classes, split_file=split_file,
                               **rules.folder_options())
    record = checkpoint.dataset.split_record(weights)
    trained_on = checkpoint.dataset.name
    if split is None:
        split = "all" if zero_shot and trained_on != dataset.name else "test"
    samples = dataset.subset(split)
    if not samples:
        raise DataError(f"{dataset.root}: the {split!r} split is empty")
    items = load_cache(samples, InputSpec.native(segmenter.in_channels), segmenter.num_classes, rules.mask_threshold,
                       palette=dataset.palette, description="reading", progress=progress)
    overlap = find_overlap(record, ((s.stem, s.image) for s in samples))
    claims_unseen = zero_shot or split in ("test", "all")
    if overlap.count and claims_unseen and not allow_overlap:
        kind = "zero-shot" if zero_shot or trained_on != dataset.name else "test"
        run_split = Path(weights).expanduser().parent / "split.json"
        hint = (f"score the split the model was trained with: --split-file {run_split}; or "
                if run_split.is_file() and split_file is None else "score ")
        raise DataError(f"{dataset.root}: {overlap.describe()}; that is not a {kind} score ({hint}--split "
                        "val/train, or pass --allow-overlap and the summary says so)")
    use_auc = dataset.has_fov if with_auc is None else with_auc
    scorer = SegmentationScorer(segmenter.num_classes, segmenter.class_names, with_hd95=with_hd95,
                                with_auc=use_auc and segmenter.num_classes == 1, headline=headline_for(dataset))
    score_items(segmenter, items, scorer, batch_size=batch_size, progress=progress)
    summary = add_confidence_intervals(scorer.summary(), scorer.rows)
    weights_file = checkpoint.weights_file
    summary = {
        "model": segmenter.model_name,
        "weights": str(weights),
        "weights_sha256": file_sha256(weights_file),
        "trained_on": trained_on,
        "trained_split_sha256": record.digest if record else None,
        "dataset": dataset.describe(),
        "split": split,
        "zero_shot": bool(zero_shot or (trained_on is not None and trained_on != dataset.name))
        and not overlap.count,
        "overlap": {**overlap.to_dict(), "allowed": bool(allow_overlap and overlap.count)},
        "data_rules": rules.to_dict(),
        "tta": tta,
        "input": segmenter.spec.to_dict(),
        "protocol": "predict at training resolution, bilinear-resize logits to original size, threshold 0.5 / "
                    "arg-max, score at original resolution" + (", inside the FOV" if dataset.has_fov else ""),
        "commit": git_commit(),
        "hardware": hardware(segmenter.device),
        "wall_time_s": round(time.perf_counter() - started, 2),
        **summary,
    }
    out = Path(output_dir) if output_dir else None
    if out is not None:
        write_results(out, summary, scorer.rows)
    return EvaluationResult(summary, scorer.rows, out)


def rows_to_csv(rows: Sequence[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    fields = list(rows[0])
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _fmt(v) for k, v in row.items()})
    return buffer.getvalue()


def _fmt(value: Any) -> Any:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.6g}"
    return value


def write_results(out: Path, summary: dict[str, Any], rows: Sequence[dict[str, Any]]) -> None:
    """per_image.csv, summary.json and report.md, published as one folder (an old evaluation there is
    replaced whole, so old and new files never mix; see `litemedseg.utils.publish`)."""
    with publish_folder(out, EVALUATION, {"weights_sha256": summary.get("weights_sha256")}) as staging:
        write_text_atomic(staging / "per_image.csv", rows_to_csv(rows))
        write_json_atomic(staging / "summary.json", summary)
        write_text_atomic(staging / "report.md", markdown_report(summary))


def trained_on_line(summary: dict[str, Any]) -> str:
    """"trained on X (split abc123); zero-shot: yes/no" for summaries, report.md and the HTML page."""
    split_hash = summary.get("trained_split_sha256")
    where = f"{summary.get('trained_on')} (split {split_hash})" if split_hash else \
        f"{summary.get('trained_on')} (no split record)"
    return f"trained on {where}; zero-shot: {'yes' if summary.get('zero_shot') else 'no'}"


def overlap_line(summary: dict[str, Any]) -> str:
    o = summary.get("overlap") or {}
    if not o.get("checked"):
        return "overlap with the training data: unknown (the weights carry no split record)"
    n = o.get("images_seen_in_training", 0)
    if not n:
        return "overlap with the training data: none (by stem and by image hash)"
    return (f"overlap with the training data: {n} of {summary.get('num_images')} scored images were in the model's "
            f"train/val split ({o.get('by_stem')} by stem, {o.get('by_image_hash')} by image hash)"
            + ("; scored anyway (--allow-overlap): not a test or zero-shot score" if o.get("allowed") else ""))


def _pm(stats: dict[str, Any], digits: int = 4) -> str:
    """mean ± std, and the 95 % confidence interval of the mean where the summary has one."""
    if stats.get("n", 1) == 0 or math.isnan(stats["mean"]):
        return "n/a"
    text = f"{stats['mean']:.{digits}f} ± {stats['std']:.{digits}f}"
    ci = stats.get("ci95")
    return text + (f" [{ci[0]:.{digits}f}, {ci[1]:.{digits}f}]" if ci else "")


def markdown_report(summary: dict[str, Any]) -> str:
    """A short human-readable report of one evaluation."""
    ds = summary["dataset"]
    lines = [
        f"# Evaluation: {summary['model']} on {ds['name']} ({summary['split']}, {summary['num_images']} images)",
        "",
        f"- headline: **{summary['headline']['metric']} = {summary['headline']['value']:.4f}**",
        f"- weights: `{summary['weights']}` (sha256 {summary['weights_sha256'][:12]}), {trained_on_line(summary)}",
        f"- {overlap_line(summary)}",
        f"- protocol: {summary['protocol']}; test-time flips: {'on' if summary['tta'] else 'off'}",
        f"- commit {summary['commit']}, {summary['hardware']['cpu']}"
        + (f", {summary['hardware']['gpu']}" if "gpu" in summary["hardware"] else "")
        + f", wall time {summary['wall_time_s']} s",
        "",
    ]
    if "per_image" in summary:
        lines += ["| metric | per-image mean ± std [95 % CI] | pooled |", "| --- | --- | --- |"]
        for metric, stats in summary["per_image"].items():
            pooled = summary["pooled"].get(metric)
            lines.append(f"| {metric} | {_pm(stats)} | {'' if pooled is None else f'{pooled:.4f}'} |")
        if "hd95" in summary:
            h = summary["hd95"]
            lines.append(f"| hd95 (px) | {_pm(h, 2)} | undefined for {h['undefined']} images |")
        e = summary["empty_masks"]
        lines += ["", f"Empty masks: both empty in {e['both']} images; an empty truth with a prediction (a false "
                      f"alarm) in {e['truth_only']}; an empty prediction where the truth has foreground (a missed "
                      f"image) in {e['prediction_only']}."]
    else:
        lines += ["| class | Dice mean ± std [95 % CI] | IoU mean ± std [95 % CI] | pooled Dice | HD95 (px) |",
                  "| --- | --- | --- | --- | --- |"]
        for name, c in summary["per_class"].items():
            hd = _pm(c["hd95"], 2) if "hd95" in c else "n/a"
            lines.append(f"| {name} | {_pm(c['dice'])} | {_pm(c['iou'])} | {c['pooled_dice']:.4f} | {hd} |")
        ci = summary.get("mean_dice_ci95")
        interval = f" [95 % CI {ci[0]:.4f}, {ci[1]:.4f}]" if ci else ""
        lines += ["", f"Mean foreground Dice {summary['mean_dice']:.4f}{interval}, mean IoU {summary['mean_iou']:.4f}."]
    if summary.get("confidence"):
        c = summary["confidence"]
        lines += ["", f"Intervals: {c['level']:.0%} {c['method']} ({c['resamples']} resamples, seed {c['seed']})."]
    return "\n".join(lines) + "\n"
