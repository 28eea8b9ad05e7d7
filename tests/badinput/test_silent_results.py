"""Inputs that used to give a wrong result without a word: palette masks read by colour, float images whose range
overflows, YAML keys given twice and booleans where a number belongs."""

import warnings

import numpy as np
import pytest
from PIL import Image

from litemedseg.config import load_config
from litemedseg.data.io import read_image, read_mask, to_uint8
from litemedseg.errors import ConfigError


def test_a_palette_mask_is_read_by_index_even_with_an_inverted_palette(tmp_path):
    labels = np.array([[0, 1, 1], [0, 0, 1]], np.uint8)
    mask = Image.fromarray(labels, mode="P")
    mask.putpalette([255, 255, 255, 0, 0, 0] + [0] * 762)  # index 0 drawn white, index 1 black
    mask.save(tmp_path / "m.png")
    assert np.array_equal(read_mask(tmp_path / "m.png"), labels)


def test_a_palette_image_is_still_read_by_colour(tmp_path):
    picture = Image.fromarray(np.tile(np.array([[0, 1]], np.uint8), (16, 8)), mode="P")
    picture.putpalette([10, 20, 30, 200, 210, 220] + [0] * 762)
    picture.save(tmp_path / "p.png")
    assert read_image(tmp_path / "p.png")[0, :2].tolist() == [[10, 20, 30], [200, 210, 220]]


def test_a_float_image_spanning_the_whole_double_range_is_scaled_without_a_warning():
    image = np.array([[-1e308, 0.0], [1e308, 5e307]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scaled = to_uint8(image)
    assert scaled.tolist() == [[0, 128], [255, 191]]


def test_yaml_keys_given_twice_are_refused(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("model: mininet\nepochs: 3\nrecipe:\n  ema_decay: 0.99\nepochs: 5\n")
    with pytest.raises(ConfigError, match=r"c.yaml: invalid YAML at line 5 \(key 'epochs' is given twice\)"):
        load_config(config)


@pytest.mark.parametrize(("text", "field"), [("epochs: yes", "epochs"), ("lr: on", "lr"),
                                              ("augment:\n  degrees: no", "degrees")])
def test_booleans_are_not_numbers(tmp_path, text, field):
    config = tmp_path / "c.yaml"
    config.write_text(f"model: mininet\n{text}\n")
    with pytest.raises(ConfigError, match=rf"{field}: expected a number, got (True|False)"):
        load_config(config)
