"""Find what an evaluation was made from again: its weights, its dataset, and the model's parameter count."""

from __future__ import annotations

from pathlib import Path

from litemedseg.data.folder import DEMO_DATASET_NAME, DEMO_NAME, SegmentationFolder, demo_root, open_dataset
from litemedseg.data.rules import DataRules
from litemedseg.engine.prediction import Segmenter
from litemedseg.errors import DataError, LitemedsegError, WeightsError
from litemedseg.report.loading import Evaluation


def open_weights(evaluation: Evaluation) -> Segmenter:
    """The Segmenter of the weights named in summary.json (path as given to `evaluate`, or a shipped name)."""
    weights = evaluation.summary.get("weights")
    if not weights:
        raise WeightsError(f"{evaluation.path / 'summary.json'}: names no weights")
    segmenter = Segmenter.from_weights(weights, device="cpu", tta=bool(evaluation.summary.get("tta", False)))
    return segmenter


def weights_sha256(evaluation: Evaluation) -> str | None:
    """SHA-256 of the weights file summary.json names, or None when it cannot be found."""
    from litemedseg.checkpoint import file_sha256, resolve_weights_path
    from litemedseg.models.pretrained import resolve_weights

    weights = str(evaluation.summary.get("weights") or "")
    try:
        return file_sha256(resolve_weights_path(resolve_weights(weights)))
    except (LitemedsegError, OSError):
        return None


def open_data(evaluation: Evaluation) -> SegmentationFolder:
    """The dataset folder summary.json names (the shipped demo set is found by name if the package moved)."""
    info = evaluation.summary["dataset"]
    root = info.get("root")
    rules = DataRules.from_dict(evaluation.summary.get("data_rules")) or DataRules()
    if root and Path(root).is_dir():
        return open_dataset(root, num_classes=evaluation.num_classes, **rules.folder_options())
    if info.get("name") == DEMO_DATASET_NAME and demo_root().is_dir():
        return open_dataset(DEMO_NAME, num_classes=evaluation.num_classes)
    raise DataError(f"{root or info.get('name')}: dataset folder not found")


def parameter_count(evaluation: Evaluation, segmenter: Segmenter | None) -> tuple[int | None, str]:
    """(parameters, where the number comes from): the checkpoint's model, else `create_model` defaults."""
    from litemedseg.utils.stats import count_parameters

    if segmenter is not None:
        return count_parameters(segmenter.model), "checkpoint"
    try:
        from litemedseg.models.factory import create_model

        in_channels = int(evaluation.summary.get("input", {}).get("in_channels", 3))
        model = create_model(evaluation.model, in_channels=in_channels, num_classes=evaluation.num_classes)
    except (LitemedsegError, TypeError, ValueError):
        return None, "unknown model"
    return count_parameters(model), "default configuration of the model"
