"""What every segmenter shares, whatever runs the network (PyTorch or ONNX Runtime): batching a stream of
images, and the predict / predict_proba conveniences. Subclasses say how to prepare one image and how to turn
a batch of prepared images into logits at each image's original size."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any


class SegmenterBase:
    """Subclasses set `spec` (an InputSpec-like object with `mode` and `in_channels`) and `num_classes`, and
    implement `_prepare`, `_flush`, `probabilities` and `mask_from_logits`."""

    spec: Any
    num_classes: int

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
            pending.append(self._prepare(image, source))
            if len(pending) >= batch_size or self.spec.mode == "patch":
                yield from self._flush(pending)
                pending = []
        if pending:
            yield from self._flush(pending)

    def predict_logits(self, image: Any, source: str | os.PathLike = "image") -> Any:
        """Logits (C, H, W) at the image's original size (bilinear resize of the training-resolution logits)."""
        return next(iter(self.predict_logits_many([(image, source)], batch_size=1)))

    def predict_proba(self, image: Any) -> Any:
        """Foreground probability (H, W) for binary models, class probabilities (C, H, W) otherwise."""
        return self.probabilities(self.predict_logits(image))

    def predict(self, image: Any) -> Any:
        """The mask of one image (H, W, C) or (H, W): uint8 {0, 1} (binary) or class indices."""
        return self.mask_from_logits(self.predict_logits(image))
