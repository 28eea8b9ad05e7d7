"""Heatmap overlays (litemedseg.viz.heatmap): jet colours, blending, shape checks."""

from __future__ import annotations

import numpy as np
import pytest

from litemedseg.viz import colourise, heatmap_overlay


def test_jet_runs_from_blue_to_red():
    colours = colourise(np.array([[0.0, 1.0]]))
    low, high = colours[0, 0].astype(int), colours[0, 1].astype(int)
    assert low[2] > low[0] and high[0] > high[2]  # 0 is blue, 1 is red
    assert colours.dtype == np.uint8 and colours.shape == (1, 2, 3)


def test_overlay_blends_over_grey_and_rgb_images():
    heat = np.zeros((4, 6), np.float32)
    heat[1, 2] = 1.0
    grey = np.full((4, 6, 1), 100, np.uint8)
    out = heatmap_overlay(grey, heat, alpha=0.5)
    assert out.shape == (4, 6, 3) and out.dtype == np.uint8
    assert out[1, 2, 0] > out[0, 0, 0]  # the hot pixel is redder than a cold one
    np.testing.assert_array_equal(heatmap_overlay(grey, heat, alpha=0.0), np.repeat(grey, 3, -1))
    with pytest.raises(ValueError, match="differs from the image"):
        heatmap_overlay(np.zeros((5, 6, 3), np.uint8), heat)
