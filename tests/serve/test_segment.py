"""Areas, mask encoding and error handling with a stand-in model (no training needed)."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request

import numpy as np
import pytest
from PIL import Image

from litemedseg.serve import make_server
from litemedseg.serve.segment import class_areas, segment_upload
from tests.serve.conftest import serving


class StubSegmenter:
    """Predicts a fixed pattern: left third class 1, right third class 2 (or 1 for a binary model)."""

    def __init__(self, num_classes: int, fail: Exception | None = None) -> None:
        self.num_classes = num_classes
        self.in_channels = 3
        self.class_names = ["background", "foreground"] if num_classes == 1 else ["bg", "RV", "LV"]
        self.model_name, self.trained_on = "stub", None
        self.fail = fail

    def predict(self, image: np.ndarray) -> np.ndarray:
        if self.fail is not None:
            raise self.fail
        assert image.dtype == np.uint8 and image.shape[-1] == 3
        mask = np.zeros(image.shape[:2], np.uint8)
        third = image.shape[1] // 3
        mask[:, :third] = 1
        mask[:, -third:] = 1 if self.num_classes == 1 else 2
        return mask


def png(shape=(20, 30), mode="L") -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full(shape, 100, np.uint8)).convert(mode).save(buffer, format="PNG")
    return buffer.getvalue()


def test_class_areas_per_class():
    mask = np.array([[0, 1, 1, 2], [0, 0, 2, 2]], np.uint8)
    areas = class_areas(mask, 3, ["bg", "a", "b"])
    assert areas == [{"index": 1, "name": "a", "pixels": 2, "percent": 25.0},
                     {"index": 2, "name": "b", "pixels": 3, "percent": 37.5}]
    assert class_areas(np.zeros((2, 2), np.uint8), 4, ["bg"])[-1] == {"index": 3, "name": "class 3", "pixels": 0,
                                                                      "percent": 0.0}


def test_multiclass_upload_reports_each_class_and_keeps_indices():
    result = segment_upload(StubSegmenter(3), png((20, 30), "L"))  # a grey image is converted to RGB
    assert result["num_classes"] == 3 and result["mask_values"] == "class indices"
    assert result["note"].startswith("Grey image(s) given to a model that takes colour (RGB) images")
    assert [(a["name"], a["pixels"]) for a in result["areas"]] == [("RV", 200), ("LV", 200)]
    assert result["foreground"]["pixels"] == 400
    assert result["foreground"]["percent"] == pytest.approx(100 * 400 / 600)
    mask = np.asarray(Image.open(io.BytesIO(_png_bytes(result["mask"]))))
    assert mask.shape == (20, 30) and set(np.unique(mask)) == {0, 1, 2}


def test_colour_for_a_grey_model_is_a_400_naming_the_upload():
    from litemedseg.serve.decode import UploadError

    segmenter = StubSegmenter(1)
    segmenter.in_channels = 1
    colour = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(colour, format="PNG")
    with pytest.raises(UploadError, match="photo.png: colour image, but the model takes grey images") as caught:
        segment_upload(segmenter, colour.getvalue(), "photo.png")
    assert caught.value.status == 400


def test_binary_mask_is_0_255():
    result = segment_upload(StubSegmenter(1), png((10, 9), "RGBA"))
    assert result["note"] is None
    mask = np.asarray(Image.open(io.BytesIO(_png_bytes(result["mask"]))))
    assert set(np.unique(mask)) == {0, 255}
    assert result["areas"] == [{"index": 1, "name": "foreground", "pixels": 60, "percent": pytest.approx(66.666667)}]


def test_a_failing_model_gives_500_and_the_server_keeps_serving():
    lines = []
    server = make_server(StubSegmenter(1, fail=RuntimeError("boom\nsecond line")), "127.0.0.1", 0, log=lines.append)
    with serving(server):
        request = urllib.request.Request(server.url + "api/segment", data=png(), headers={"Content-Type": "image/png"})
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=30)
        assert caught.value.code == 500
        assert json.loads(caught.value.read())["error"] == "upload: internal error (RuntimeError)"
        with urllib.request.urlopen(server.url, timeout=30) as response:
            assert response.status == 200
    assert any("internal error on upload: RuntimeError: boom" in line for line in lines)


def _png_bytes(url: str) -> bytes:
    import base64

    return base64.b64decode(url.split(",", 1)[1])
