"""Overlays: opacity, outlines, grey drawn in grey, colour-blind-safe colours; palette PNGs keep class indices."""

import json

import numpy as np
import pytest
from PIL import Image

from litemedseg.data.io import read_image, write_png
from litemedseg.viz import CLASS_TABLE, as_rgb, error_overlay, mask_overlay
from litemedseg.viz.overlay import FN, FP, TP, edges, palette


def _square():
    mask = np.zeros((12, 12), np.uint8)
    mask[3:9, 3:9] = 1
    return mask


def test_outline_is_solid_and_fill_follows_the_opacity():
    grey = np.full((12, 12), 100, np.uint8)
    mask = _square()
    out = mask_overlay(grey, mask, alpha=0.25)
    colour = CLASS_TABLE[1].astype(float)
    assert edges(mask).sum() == 20 and not edges(mask)[5, 5]
    assert tuple(out[3, 5]) == tuple(CLASS_TABLE[1])  # edge pixel: the class colour itself
    np.testing.assert_allclose(out[5, 5], np.round(0.75 * 100 + 0.25 * colour), atol=1)
    assert tuple(out[0, 0]) == (100, 100, 100)  # background keeps the grey image, drawn in grey
    outlines_only = mask_overlay(grey, mask, alpha=0.0)
    assert tuple(outlines_only[5, 5]) == (100, 100, 100) and tuple(outlines_only[3, 5]) == tuple(CLASS_TABLE[1])
    with pytest.raises(ValueError, match="opacity"):
        mask_overlay(grey, mask, alpha=1.5)


def test_grey_images_are_drawn_in_grey():
    grey = np.arange(16, dtype=np.uint8).reshape(4, 4)
    rgb = as_rgb(grey[..., None])
    assert rgb.shape == (4, 4, 3) and all(np.array_equal(rgb[..., c], grey) for c in range(3))


def test_error_colours_are_the_okabe_ito_ones_and_distinct():
    truth, pred = _square().astype(bool), np.zeros((12, 12), bool)
    pred[5:11, 5:11] = True
    out = error_overlay(np.zeros((12, 12, 3), np.uint8), pred, truth, alpha=1.0)
    assert tuple(out[6, 6]) == TP and tuple(out[10, 10]) == FP and tuple(out[4, 4]) == FN
    assert len({TP, FP, FN}) == 3
    assert len({tuple(c) for c in CLASS_TABLE[1:8]}) == 7 and all(CLASS_TABLE[c].any() for c in range(1, 256))


def test_palette_png_reads_back_as_indices(tmp_path):
    labels = np.array([[0, 1, 2], [3, 2, 1]], np.uint8)
    path = write_png(tmp_path / "m.png", labels, palette=palette())
    image = Image.open(path)
    assert image.mode == "P" and np.array_equal(np.asarray(image), labels)
    assert tuple(image.convert("RGB").getpixel((1, 0))) == tuple(CLASS_TABLE[1])


def test_multiclass_predictions_are_palette_pngs_with_a_legend(tmp_path):
    from litemedseg.runtime.files import predict_files

    class ThreeClasses:
        num_classes, class_names = 3, ["background", "RV", "LV"]

        def predict_logits(self, image, source="image"):
            return None

        def mask_from_logits(self, logits):
            return np.array([[0, 1], [2, 2]], np.uint8)

        def probabilities(self, logits):
            raise AssertionError

    source = tmp_path / "a.png"
    Image.new("RGB", (2, 2)).save(source)
    predict_files(ThreeClasses(), [source], tmp_path / "out", overlays=True, progress=False, overlay_alpha=0.3)
    mask = Image.open(tmp_path / "out" / "masks" / "a.png")
    assert mask.mode == "P" and np.array_equal(np.asarray(mask), [[0, 1], [2, 2]])
    legend = json.loads((tmp_path / "out" / "classes.json").read_text())
    assert legend["2"] == {"name": "LV", "color": [int(v) for v in CLASS_TABLE[2]]}
    assert read_image(tmp_path / "out" / "overlays" / "a.png").shape == (2, 2, 3)
