import numpy as np
import pytest
import torch
import torch.nn.functional as F

from litemedseg.runtime.resample import resize_bilinear


@pytest.mark.parametrize(("src", "dst"), [((64, 64), (128, 96)), ((64, 64), (37, 50)), ((16, 24), (161, 17)),
                                          ((5, 7), (5, 7)), ((1, 3), (4, 9))])
@pytest.mark.parametrize("channels", [1, 3])
def test_matches_torch_bilinear_align_corners_false(src, dst, channels):
    maps = np.random.default_rng(0).normal(0, 5, (channels, *src)).astype(np.float32)
    expected = F.interpolate(torch.from_numpy(maps)[None], size=dst, mode="bilinear", align_corners=False)[0].numpy()
    got = resize_bilinear(maps, dst)
    assert got.shape == expected.shape and got.dtype == np.float32
    # both compute source positions in float32 (PyTorch's weights are ~2e-6 off the exact ones), so logits of
    # size ~10 agree to a few 1e-5, as PyTorch fp32 agrees with its own float64 result
    np.testing.assert_allclose(got, expected, atol=1e-4, rtol=0)


def test_pillow_float_resize_would_not_match_when_shrinking():
    # why the runtime does not use Pillow's "F" mode: it antialiases when shrinking, PyTorch does not
    from PIL import Image

    maps = np.random.default_rng(1).normal(0, 5, (1, 64, 64)).astype(np.float32)
    pil = np.asarray(Image.fromarray(maps[0], mode="F").resize((20, 20), Image.Resampling.BILINEAR))
    expected = F.interpolate(torch.from_numpy(maps)[None], size=(20, 20), mode="bilinear", align_corners=False)
    assert np.abs(pil - expected[0, 0].numpy()).max() > 0.1
    np.testing.assert_allclose(resize_bilinear(maps, (20, 20))[0], expected[0, 0].numpy(), atol=1e-4)
