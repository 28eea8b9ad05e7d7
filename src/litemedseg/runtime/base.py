"""What every segmenter shares, whatever runs the network (PyTorch or ONNX Runtime): batching a stream of
images, and the predict / predict_proba conveniences. Subclasses say how to prepare one image and how to turn
a batch of prepared images into logits at each image's original size."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from litemedseg.data.io import say_once, size_note


class SegmenterBase:
    """Subclasses set `spec` (the InputSpec), `num_classes`, `model_name`, `trained_on`, and
    implement `_prepare`, `_flush`, `probabilities` and `mask_from_logits`."""

    spec: Any
    num_classes: int
    model_name: str = "model"
    trained_on: str | None = None  # the training dataset's name, when recorded
    training_image_size: tuple[int, int] | None = None  # median (H, W) of the training images, when recorded

    def _prepare(self, image: Any, source: str | os.PathLike) -> tuple[Any, tuple[int, int]]:
        """One image -> (network input of batch size 1 at training resolution, original (H, W))."""
        raise NotImplementedError

    def _flush(self, pending: list[tuple[Any, tuple[int, int]]]) -> Iterator[Any]:
        """Run prepared images as one batch; yield logits (C, H, W) at each image's original size."""
        raise NotImplementedError

    def probabilities(self, logits: Any) -> Any:
        raise NotImplementedError

    def mask_from_logits(self, logits: Any) -> Any:
        raise NotImplementedError

    @property
    def in_channels(self) -> int:
        return self.spec.in_channels

    def predict_logits_many(self, images: Iterable[tuple[Any, str | os.PathLike]], batch_size: int = 8) -> Iterator[Any]:
        """Logits (C, H, W) at original size for a stream of (image, source name) pairs, batched where sizes
        allow (resize mode: every prepared image has the training size; patch mode: one image at a time)."""
        pending: list[tuple[Any, tuple[int, int]]] = []
        for image, source in images:
            note = size_note(np.shape(image)[:2], self.training_image_size)
            if note:
                say_once("size", note)
            pending.append(self._prepare(image, source))
            if len(pending) >= batch_size or self.spec.mode == "patch":
                yield from self._flush(pending)
                pending = []
        if pending:
            yield from self._flush(pending)

    @staticmethod
    def median_size_of(image_size: Any) -> tuple[int, int] | None:
        """The training images' median (H, W) from the image-size record of a checkpoint or export, if any."""
        median = image_size.get("median") if isinstance(image_size, dict) else None
        if isinstance(median, list) and len(median) == 2 and all(isinstance(v, int) and v > 0 for v in median):
            return int(median[0]), int(median[1])
        return None

    def predict_logits(self, image: Any, source: str | os.PathLike = "image") -> Any:
        """Logits (C, H, W) at the image's original size (bilinear resize of the training-resolution logits)."""
        return next(iter(self.predict_logits_many([(image, source)], batch_size=1)))

    def predict_proba(self, image: Any) -> Any:
        """Foreground probability (H, W) for binary models, class probabilities (C, H, W) otherwise."""
        return self.probabilities(self.predict_logits(image))

    def predict(self, image: Any) -> Any:
        """The mask of one image (H, W, C) or (H, W): uint8 {0, 1} (binary) or class indices."""
        return self.mask_from_logits(self.predict_logits(image))
