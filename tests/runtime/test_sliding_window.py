import numpy as np
import pytest
import torch
import torch.nn.functional as F
from monai.inferers import sliding_window_inference as monai_sliding_window

from litemedseg.runtime.sliding_window import gaussian_importance, sliding_window_inference


def _conv_predictor(seed: int = 0):
    # zero padding makes every window's border different, so the blending really matters
    weight = torch.from_numpy(np.random.default_rng(seed).normal(0, 0.3, (2, 3, 3, 3)).astype(np.float32))
    return lambda x: F.conv2d(x, weight, padding=1)


@pytest.mark.parametrize(("image", "roi"), [((70, 90), (32, 32)), ((20, 50), (32, 32)), ((32, 48), (32, 48)),
                                            ((100, 40), (48, 32))])
def test_matches_monai_gaussian_sliding_window(image, roi):
    predictor = _conv_predictor()
    x = torch.from_numpy(np.random.default_rng(1).normal(0, 1, (2, 3, *image)).astype(np.float32))
    expected = monai_sliding_window(x, roi_size=roi, sw_batch_size=8, predictor=predictor, overlap=0.25,
                                    mode="gaussian").numpy()
    got = sliding_window_inference(x.numpy(), roi, lambda a: predictor(torch.from_numpy(a)).numpy(), overlap=0.25,
                                   sw_batch_size=3)
    assert got.shape == expected.shape == (2, 2, *image)
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0)


def test_importance_map_matches_monai():
    from monai.data.utils import compute_importance_map

    expected = compute_importance_map((48, 32), mode="gaussian", sigma_scale=0.125).numpy()
    np.testing.assert_allclose(gaussian_importance((48, 32)), expected, rtol=1e-6)
