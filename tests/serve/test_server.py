"""HTTP-level tests of the serve page and API, against a real server on a free port."""

from __future__ import annotations

import base64
import http.client
import inspect
import io
import json
import socket
import urllib.error
import urllib.request

import numpy as np
import pytest
from PIL import Image

from litemedseg.data.io import read_image
from litemedseg.serve import make_server
from litemedseg.viz import mask_overlay
from tests.serve.conftest import serving


def request(server, path: str, data: bytes | None = None, headers: dict | None = None, method: str | None = None):
    """(status, headers, body bytes) of one request; HTTP errors are answers too."""
    req = urllib.request.Request(server.url.rstrip("/") + path, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def post_image(server, data: bytes, content_type: str = "image/png", **headers):
    return request(server, "/api/segment", data, {"Content-Type": content_type, **headers})


def decode_png(url: str) -> np.ndarray:
    assert url.startswith("data:image/png;base64,"), url[:40]
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))))


def assert_json_error(status, headers, body, expected_status: int, *fragments: str) -> dict:
    assert status == expected_status, (status, body[:300])
    assert headers["Content-Type"] == "application/json"
    payload = json.loads(body)
    assert "Traceback" not in payload["error"] and "\n" not in payload["error"]
    for fragment in fragments:
        assert fragment in payload["error"], (fragment, payload["error"])
    return payload


def test_upload_gives_overlay_area_and_mask_matching_predict(live_server, segmenter, demo_image):
    status, headers, body = post_image(live_server, demo_image.read_bytes(), **{"X-Filename": demo_image.name})
    assert status == 200, body[:300]
    result = json.loads(body)
    image = read_image(demo_image, segmenter.in_channels)
    expected = segmenter.predict(image)
    height, width = expected.shape
    assert (result["width"], result["height"]) == (width, height)

    pixels = int(expected.sum())
    assert result["foreground"] == {"pixels": pixels, "percent": pytest.approx(100 * pixels / expected.size)}
    assert result["areas"] == [{"index": 1, "name": segmenter.class_names[1], "pixels": pixels,
                                "percent": pytest.approx(100 * pixels / expected.size)}]
    assert result["mask_values"] == "0/255"

    mask = decode_png(result["mask"])
    assert mask.shape == (height, width) and mask.dtype == np.uint8
    np.testing.assert_array_equal(mask, expected * 255)
    np.testing.assert_array_equal(decode_png(result["overlay"]), mask_overlay(image, expected))
    assert headers["Cache-Control"] == "no-store"


def test_page_is_self_contained_and_locked_down(live_server):
    status, headers, body = request(live_server, "/")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    page = body.decode("utf-8")
    assert '<input type="file" id="file"' in page and 'id="overlay"' in page and 'id="download"' in page
    assert "http://" not in page and "https://" not in page  # no CDN: the machine may be offline
    policy = headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'sha256-" in policy and "unsafe-inline" not in policy
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_info_describes_the_model(live_server, segmenter):
    status, _, body = request(live_server, "/api/info")
    info = json.loads(body)
    assert status == 200
    assert info["model"] == segmenter.model_name == "mininet"
    assert info["class_names"] == segmenter.class_names and info["num_classes"] == 1
    assert info["max_upload_bytes"] == 20 * 1024 * 1024


def test_oversize_upload_is_refused_before_its_body_is_read(segmenter, demo_image):
    with serving(make_server(segmenter, "127.0.0.1", 0, max_upload_bytes=1000)) as server:
        # Headers only: the body is never sent, so a 413 here proves the server did not wait to read it.
        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
        connection.putrequest("POST", "/api/segment")
        connection.putheader("Content-Type", "image/png")
        connection.putheader("Content-Length", str(50 * 1024 * 1024))
        connection.endheaders()
        response = connection.getresponse()
        answer = (response.status, response.headers, response.read())
        assert_json_error(*answer, 413, "over the upload limit", "1000 bytes")
        connection.close()

        # A real body just over the limit.
        assert_json_error(*post_image(server, b"\x89PNG" + bytes(1001)), 413, "over the upload limit")
        # `Expect: 100-continue` (curl's way for large files) gets the 413 instead of the go-ahead.
        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
        connection.putrequest("POST", "/api/segment")
        connection.putheader("Content-Length", "5000")
        connection.putheader("Expect", "100-continue")
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 413
        connection.close()

        small = demo_image.read_bytes()
        assert len(small) > 1000  # the real image is over this tiny limit too
        assert post_image(server, small)[0] == 413
        assert request(server, "/")[0] == 200  # still serving


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"this is not an image at all" * 10, "not a readable image"),
        (b"", "empty upload"),
    ],
)
def test_garbage_upload_is_a_400_naming_the_file(live_server, data, fragment):
    answer = post_image(live_server, data, "application/octet-stream", **{"X-Filename": "scan%2001.png"})
    assert_json_error(*answer, 400, "scan 01.png: ", fragment)


def test_truncated_png_is_a_400(live_server, demo_image):
    data = demo_image.read_bytes()
    assert_json_error(*post_image(live_server, data[: len(data) // 2]), 400, "upload: ", "truncated")


def test_non_image_content_type_is_a_415(live_server):
    assert_json_error(*post_image(live_server, b"hello", "text/plain"), 415, "expected an image", "text/plain")
    assert_json_error(*post_image(live_server, b"--x\r\n", "multipart/form-data; boundary=x"), 415)


def test_unknown_paths_and_methods(live_server):
    assert_json_error(*request(live_server, "/etc/passwd"), 404, "no such page")
    assert_json_error(*request(live_server, "/api/segment"), 405)
    assert_json_error(*request(live_server, "/", b"x", method="POST"), 405)
    payload_headers = request(live_server, "/api/info", method="DELETE")
    assert_json_error(*payload_headers, 405, "DELETE")
    assert payload_headers[1]["Allow"] == "GET, HEAD"


def test_foreign_host_or_origin_is_refused_on_localhost(live_server, demo_image):
    # DNS rebinding: a web page at evil.example resolving to 127.0.0.1 sends Host: evil.example.
    assert_json_error(*request(live_server, "/api/info", headers={"Host": "evil.example"}), 403, "localhost")
    answer = post_image(live_server, demo_image.read_bytes(), Origin="http://evil.example")
    assert_json_error(*answer, 403)
    assert post_image(live_server, demo_image.read_bytes(), Origin=live_server.url.rstrip("/"))[0] == 200


def test_binds_to_localhost_by_default(segmenter):
    assert inspect.signature(make_server).parameters["host"].default == "127.0.0.1"
    server = make_server(segmenter, port=0)
    try:
        assert server.server_address[0] == "127.0.0.1"
        assert server.url == f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.server_close()

    from litemedseg.cli.serve import command

    assert next(p for p in command.params if p.name == "host").default == "127.0.0.1"


@pytest.mark.parametrize("raw", [b"GARBAGE\r\n\r\n", b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", b"\x16\x03\x01"])
def test_malformed_requests_get_no_traceback_and_the_server_survives(live_server, raw):
    with socket.create_connection(("127.0.0.1", live_server.server_port), timeout=30) as connection:
        connection.sendall(raw)
        connection.shutdown(socket.SHUT_WR)
        answer = b"".join(iter(lambda: connection.recv(65536), b""))
    assert b"Traceback" not in answer
    assert request(live_server, "/")[0] == 200
