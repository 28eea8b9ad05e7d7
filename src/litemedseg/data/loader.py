"""Training batches straight from the uint8 cache: whole resized images or random patches, seeded per epoch."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import torch

from litemedseg.data.cache import CachedSample
from litemedseg.data.spec import InputSpec


def normalize_batch(images: torch.Tensor, spec: InputSpec) -> torch.Tensor:
    """uint8 (B, C, H, W), or float already on the 0-1 scale -> float normalised with the spec's mean/std."""
    if images.dtype == torch.uint8:
        images = images.float().div_(255.0)
    mean = torch.tensor(spec.mean, device=images.device, dtype=images.dtype).view(1, -1, 1, 1)
    std = torch.tensor(spec.std, device=images.device, dtype=images.dtype).view(1, -1, 1, 1)
    return (images - mean) / std


def epoch_generator(seed: int, epoch: int) -> torch.Generator:
    """The generator behind one epoch's order and crops: same (seed, epoch), same batches, resumed or not."""
    return torch.Generator().manual_seed(seed * 100_003 + epoch)


class BatchSource:
    """Yields (images uint8 (B, C, H, W), masks uint8 (B, 1, H, W)) on `device` for one epoch at a time.

    In "resize" mode the whole split is stacked once into one device tensor; in "patch" mode each epoch draws
    `patches_per_image` random crops of `spec.size` per image (zero-padded where an image is smaller).
    With `world_size` > 1 every process gets its `rank`-th share of each global batch (DDP).
    """

    def __init__(
        self,
        items: Sequence[CachedSample],
        spec: InputSpec,
        batch_size: int,
        device: torch.device,
        patches_per_image: int = 1,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        if batch_size % world_size:
            raise ValueError(f"batch size {batch_size} must be divisible by the number of processes {world_size}")
        if any(item.mask is None for item in items):
            raise ValueError("training needs a mask for every image")
        self.items, self.spec, self.device = list(items), spec, device
        self.batch_size, self.rank, self.world_size = batch_size, rank, world_size
        self.patches_per_image = patches_per_image if spec.mode == "patch" else 1
        self._images = self._masks = None
        if spec.mode == "resize":
            self._images = torch.from_numpy(np.stack([i.image for i in self.items])).permute(0, 3, 1, 2).to(device)
            self._masks = torch.from_numpy(np.stack([i.mask for i in self.items]))[:, None].to(device)

    @property
    def samples_per_epoch(self) -> int:
        return len(self.items) * self.patches_per_image

    @property
    def global_batch(self) -> int:
        # A split smaller than one batch still trains: the batch is then the whole split.
        return min(self.batch_size, self.samples_per_epoch)

    def batches_per_epoch(self) -> int:
        return self.samples_per_epoch // self.global_batch

    def epoch(self, seed: int, epoch: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        generator = epoch_generator(seed, epoch)
        order = torch.randperm(self.samples_per_epoch, generator=generator) % len(self.items)
        crops = torch.rand(self.samples_per_epoch, 2, generator=generator)
        local = max(1, self.global_batch // self.world_size)
        for b in range(self.batches_per_epoch()):
            start = b * self.global_batch + self.rank * local
            index, position = order[start : start + local], crops[start : start + local]
            if self._images is not None:
                idx = index.to(self.device)
                yield self._images[idx], self._masks[idx]
            else:
                yield self._patches(index, position)

    def _patches(self, index: torch.Tensor, position: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        ph, pw = self.spec.size
        images, masks = [], []
        for i, (fy, fx) in zip(index.tolist(), position.tolist()):
            item = self.items[i]
            image, mask = _pad_to(item.image, ph, pw), _pad_to(item.mask, ph, pw)
            y = int(fy * (image.shape[0] - ph + 1))
            x = int(fx * (image.shape[1] - pw + 1))
            images.append(image[y : y + ph, x : x + pw])
            masks.append(mask[y : y + ph, x : x + pw])
        image_batch = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2)
        mask_batch = torch.from_numpy(np.stack(masks))[:, None]
        return image_batch.to(self.device), mask_batch.to(self.device)


def _pad_to(array: np.ndarray, height: int, width: int) -> np.ndarray:
    pad_h, pad_w = max(0, height - array.shape[0]), max(0, width - array.shape[1])
    if not pad_h and not pad_w:
        return array
    pad = [(0, pad_h), (0, pad_w)] + [(0, 0)] * (array.ndim - 2)
    return np.pad(array, pad)
