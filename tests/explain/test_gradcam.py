"""Grad-CAM: the map lies where the evidence is, layers are chosen and checked, bad input is a clear error."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import litemedseg
from litemedseg.data.spec import InputSpec
from litemedseg.engine.prediction import Segmenter
from litemedseg.errors import ConfigError, LitemedsegError
from litemedseg.explain import default_layer_name, grad_cam, grad_cam_maps, resolve_layer
from tests.explain.toys import GREEN_SQUARE, RED_SQUARE, detector_segmenter, two_squares


def mass_in(heat: np.ndarray, square: tuple[slice, slice], margin: int = 3) -> float:
    """Share of the map's total inside `square` grown by `margin` pixels (resizing blurs edges a little)."""
    rows, cols = square
    box = np.zeros(heat.shape, bool)
    box[max(rows.start - margin, 0): rows.stop + margin, max(cols.start - margin, 0): cols.stop + margin] = True
    return float(heat[box].sum() / heat.sum())


def test_each_class_map_lies_on_its_own_square():
    maps = {m.class_index: m for m in grad_cam_maps(detector_segmenter(), two_squares(), layer="features")}
    assert sorted(maps) == [1, 2]  # both classes are predicted, so both are explained
    red, green = maps[1].heatmap, maps[2].heatmap
    assert red.shape == green.shape == (60, 90) and red.dtype == np.float32
    assert red.min() >= 0 and red.max() == pytest.approx(1.0)
    assert mass_in(red, RED_SQUARE) > 0.9 and mass_in(red, GREEN_SQUARE) < 0.05
    assert mass_in(green, GREEN_SQUARE) > 0.9 and mass_in(green, RED_SQUARE) < 0.05
    peak = np.unravel_index(np.argmax(red), red.shape)
    assert RED_SQUARE[0].start <= peak[0] < RED_SQUARE[0].stop and RED_SQUARE[1].start <= peak[1] < RED_SQUARE[1].stop
    assert maps[1].class_name == "red" and maps[1].layer == "features" and maps[1].region_pixels > 0


def test_binary_foreground_map_and_combined_multiclass_map():
    heat = grad_cam(detector_segmenter(num_classes=1), two_squares(), layer="features")
    assert mass_in(heat, RED_SQUARE) > 0.9
    both = grad_cam(detector_segmenter(), two_squares(), layer="features")  # all predicted classes together
    assert mass_in(both, RED_SQUARE) > 0.3 and mass_in(both, GREEN_SQUARE) > 0.3


def test_nothing_predicted_gives_a_finite_map_over_the_whole_image():
    cam = grad_cam_maps(detector_segmenter(num_classes=1), two_squares(red=False), layer="features")[0]
    assert cam.region_pixels == 0
    assert np.isfinite(cam.heatmap).all() and cam.heatmap.max() == 0  # no red anywhere: no evidence


def test_explicit_class_and_region():
    segmenter = detector_segmenter()
    cam = grad_cam_maps(segmenter, two_squares(), layer="features", class_index=2)
    assert len(cam) == 1 and cam[0].class_index == 2
    empty = np.zeros((60, 90), bool)
    cam = grad_cam_maps(segmenter, two_squares(), layer="features", class_index=2, region=empty)[0]
    assert cam.region_pixels == 0 and mass_in(cam.heatmap, GREEN_SQUARE) > 0.9
    with pytest.raises(ConfigError, match="class index 3 is out of range.*2=green"):
        grad_cam_maps(segmenter, two_squares(), layer="features", class_index=3)


@pytest.mark.parametrize("name", litemedseg.list_models())
def test_every_model_has_a_default_layer(name):
    model = litemedseg.create_model(name)
    layer, module = resolve_layer(model)
    assert layer == default_layer_name(model)
    expected = {"unet": "model.1.submodule", "unet_tiny": "model.1.submodule", "basicunet": "upcat_1"}.get(name, f"decoder.{len(model.decoder) - 1}"
                                                                          if hasattr(model, "decoder") else None)
    assert layer == expected and module is dict(model.named_modules())[layer]


@pytest.mark.parametrize("name", ["mininet", "med2dsegnet_s", "unet", "basicunet"])
def test_default_layer_runs_on_real_networks(name):
    segmenter = Segmenter(litemedseg.create_model(name), InputSpec(size=(32, 32)), device="cpu")
    image = np.random.default_rng(0).integers(0, 255, (37, 45, 3), dtype=np.uint8)
    heat = grad_cam(segmenter, image)
    assert heat.shape == (37, 45) and np.isfinite(heat).all() and 0 <= heat.min() and heat.max() <= 1


def test_bad_layers_are_config_errors_naming_valid_ones():
    model = litemedseg.create_model("med2dsegnet_s")
    with pytest.raises(ConfigError, match=r"unknown layer 'decoder\.9' for med2dsegnet_s; valid names include .*"
                                          r"decoder\.2"):
        resolve_layer(model, "decoder.9")
    segmenter = Segmenter(model, InputSpec(size=(32, 32)), device="cpu")
    image = np.zeros((32, 32, 3), np.uint8)
    with pytest.raises(ConfigError, match="'projections' is not used in the forward pass"):
        grad_cam(segmenter, image, layer="projections")  # a ModuleList container never runs itself


def test_missing_captum_is_a_one_line_user_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "captum.attr", None)  # import fails as if captum were not installed
    with pytest.raises(LitemedsegError, match="Grad-CAM needs captum"):
        grad_cam(detector_segmenter(), two_squares(), layer="features")
