"""The uint8 cache, batch sources and device augmentation."""

import numpy as np
import pytest
import torch

from litemedseg.data import InputSpec, load_cache, open_dataset
from litemedseg.config import AugmentConfig
from litemedseg.data.augment import BatchAugment
from litemedseg.data.cache import channel_statistics
from litemedseg.data.loader import BatchSource
from litemedseg.errors import DataError


def test_resize_cache_and_batches_are_seeded(synthetic_folder, tmp_path):
    ds = open_dataset(synthetic_folder)
    spec = InputSpec("resize", (32, 32), in_channels=3)
    items = load_cache(ds.subset("all"), spec, progress=False, cache_dir=tmp_path / "c")
    assert items[0].image.shape == (32, 32, 3) and items[0].original_size == (48, 64)
    again = load_cache(ds.subset("all"), spec, progress=False, cache_dir=tmp_path / "c")  # from the npz
    assert np.array_equal(items[3].mask, again[3].mask)
    source = BatchSource(items, spec, batch_size=4, device=torch.device("cpu"))
    first = [m.sum().item() for _, m in source.epoch(seed=0, epoch=1)]
    assert first == [m.sum().item() for _, m in source.epoch(seed=0, epoch=1)]
    assert first != [m.sum().item() for _, m in source.epoch(seed=0, epoch=2)]
    assert len(first) == 3


def test_patch_mode_crops_and_pads(synthetic_folder):
    ds = open_dataset(synthetic_folder)
    spec = InputSpec("patch", (64, 64), scale=1.0, in_channels=3, mean=(0.5,) * 3, std=(0.25,) * 3)
    items = load_cache(ds.subset("all"), spec, progress=False)
    assert items[0].image.shape == (48, 64, 3)
    source = BatchSource(items, spec, batch_size=5, device=torch.device("cpu"), patches_per_image=2)
    images, masks = next(iter(source.epoch(0, 1)))
    assert images.shape == (5, 3, 64, 64) and masks.shape == (5, 1, 64, 64) and images.dtype == torch.uint8


def test_ddp_shards_partition_the_global_batch(synthetic_folder):
    ds = open_dataset(synthetic_folder)
    spec = InputSpec("resize", (16, 16), in_channels=3)
    items = load_cache(ds.subset("all"), spec, progress=False)
    for item, value in zip(items, range(len(items))):
        item.image[:] = value  # tag each image with its index
    whole = [b[0][:, 0, 0, 0].tolist() for b in BatchSource(items, spec, 4, torch.device("cpu")).epoch(0, 1)]
    shards = [[b[0][:, 0, 0, 0].tolist() for b in BatchSource(items, spec, 4, torch.device("cpu"), rank=r,
                                                                world_size=2).epoch(0, 1)] for r in (0, 1)]
    assert [a + b for a, b in zip(*shards)] == whole


def test_mask_size_mismatch_names_both_files(synthetic_folder):
    from PIL import Image

    Image.fromarray(np.zeros((10, 10), np.uint8)).save(synthetic_folder / "masks" / "case000.png")
    ds = open_dataset(synthetic_folder)
    with pytest.raises(DataError, match=r"case000.png: mask is 10x10 but image case000.png is 64x48"):
        load_cache(ds.subset("all"), InputSpec(), progress=False)


def test_channel_statistics(synthetic_folder):
    items = load_cache(open_dataset(synthetic_folder).subset("all"), InputSpec("resize", (16, 16)), progress=False)
    mean, std = channel_statistics(items)
    assert len(mean) == 3 and all(0 < m < 1 for m in mean) and all(s > 0 for s in std)


def test_augmentation_keeps_masks_as_labels():
    torch.manual_seed(0)
    augment = BatchAugment(AugmentConfig(elastic=True, elastic_p=1.0, affine_p=1.0, color_p=1.0), in_channels=3)
    images = torch.rand(6, 3, 32, 32)
    masks = (torch.rand(6, 1, 32, 32) > 0.7).float() * 2
    out_images, out_masks = augment(images, masks)
    assert out_images.shape == images.shape and out_masks.shape == masks.shape
    assert set(out_masks.unique().tolist()) <= {0.0, 2.0}
    assert 0 <= out_images.min() and out_images.max() <= 1
    assert not torch.equal(out_images, images)
    grey = BatchAugment(AugmentConfig(), in_channels=1)
    assert grey(torch.rand(2, 1, 16, 16), torch.zeros(2, 1, 16, 16))[0].shape == (2, 1, 16, 16)
