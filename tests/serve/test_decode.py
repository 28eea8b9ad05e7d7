"""Decoding uploaded bytes: formats, guards and their HTTP statuses."""

from __future__ import annotations

import io

import numpy as np
import pytest
import tifffile
from PIL import Image

from litemedseg.data import io as image_io
from litemedseg.serve.decode import UploadError, decode_upload


def encoded(array: np.ndarray, fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "BMP"])
def test_common_formats_decode_to_rgb_uint8(fmt):
    array = np.random.default_rng(0).integers(0, 255, (12, 17, 3), dtype=np.uint8)
    image = decode_upload(encoded(array, fmt), 3)
    assert image.shape == (12, 17, 3) and image.dtype == np.uint8


def test_16bit_tiff_is_scaled_to_uint8():
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, np.arange(0, 65536, 256, dtype=np.uint16).reshape(16, 16))
    image = decode_upload(buffer.getvalue(), 1)
    assert image.shape == (16, 16, 1) and image.min() == 0 and image.max() == 255


def test_other_pillow_formats_are_refused():
    gif = encoded(np.zeros((8, 8), np.uint8), "GIF")
    with pytest.raises(UploadError, match="GIF image, not an accepted format") as caught:
        decode_upload(gif, source="a.gif")
    assert caught.value.status == 400 and str(caught.value).startswith("a.gif: ")


def test_pixel_limit_is_a_413(monkeypatch):
    monkeypatch.setattr(image_io, "MAX_PIXELS", 100)
    with pytest.raises(UploadError, match="too large") as caught:
        decode_upload(encoded(np.zeros((20, 20), np.uint8), "PNG"))
    assert caught.value.status == 413


@pytest.mark.parametrize(
    ("data", "fragment"),
    [(b"II*\x00garbage", "TIFF"), (b"\x89PNG\r\n\x1a\n" + bytes(40), "PNG"), (b"", "empty")],
)
def test_corrupt_bytes_are_a_400(data, fragment):
    with pytest.raises(UploadError) as caught:
        decode_upload(data)
    assert caught.value.status == 400 and fragment in str(caught.value) and "\n" not in str(caught.value)


def test_too_small_image_is_a_400():
    with pytest.raises(UploadError, match="too small") as caught:
        decode_upload(encoded(np.zeros((1, 5), np.uint8), "PNG"))
    assert caught.value.status == 400
