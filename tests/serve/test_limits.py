"""Issue 15 class 4: what one client may take from the server (docs/serve.md, "Bounded work").

A total deadline per request (a trickle cannot hold a worker or an upload slot), a bounded pool of workers,
a 4xx answer to every malformed Content-Length, 405 with Allow for every other method, and a decode budget in
pixels and bytes checked before decoding.
"""

from __future__ import annotations

import http.client
import io
import json
import socket
import threading
import time

import numpy as np
import pytest
from PIL import Image

from litemedseg.serve import ServeLimits, make_server
from tests.serve.conftest import serving
from tests.serve.test_server import assert_json_error, post_image, request


def _raw(server, payload: bytes, timeout: float = 10.0) -> bytes:
    """Send `payload` as is and return everything the server answers before closing."""
    with socket.create_connection(("127.0.0.1", server.server_port), timeout=timeout) as connection:
        connection.sendall(payload)
        return b"".join(iter(lambda: connection.recv(65536), b""))


def _status(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1."), answer[:200]
    return int(answer.split(b" ", 2)[1])


def _trickle(server, stop: threading.Event, answers: list, headers_only: bool = False) -> None:
    """One byte every 0.2 s: of the request line and headers, or of a declared 1000-byte body."""
    try:
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=30) as connection:
            head = (b"POST /api/segment HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\n"
                    b"Content-Length: 1000\r\n\r\n")
            if not headers_only:
                connection.sendall(head)
            data = head if headers_only else b"\x89" * 1000
            for byte in data:
                if stop.is_set():
                    break
                try:
                    connection.sendall(bytes([byte]))
                except OSError:
                    break
                time.sleep(0.2)
            answers.append(b"".join(iter(lambda: connection.recv(65536), b"")))
    except OSError as err:
        answers.append(repr(err).encode())


def test_a_trickled_upload_gets_a_408_at_the_deadline(segmenter):
    limits = ServeLimits(request_deadline_s=1.5)
    with serving(make_server(segmenter, "127.0.0.1", 0, limits=limits)) as server:
        answers: list = []
        stop = threading.Event()
        started = time.monotonic()
        _trickle(server, stop, answers)
        elapsed = time.monotonic() - started
        assert _status(answers[0]) == 408 and b"longer than 1.5 s" in answers[0]
        assert elapsed < 5, elapsed


def test_trickling_clients_do_not_lock_out_everyone(segmenter, demo_image):
    limits = ServeLimits(request_deadline_s=2.0, parallel_uploads=2, workers=8)
    with serving(make_server(segmenter, "127.0.0.1", 0, limits=limits)) as server:
        stop = threading.Event()
        answers: list = []
        threads = [threading.Thread(target=_trickle, args=(server, stop, answers, i % 2 == 1), daemon=True)
                   for i in range(6)]  # body trickles fill both upload slots; header trickles hold workers
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        started = time.monotonic()
        status, _, body = post_image(server, demo_image.read_bytes())
        waited = time.monotonic() - started
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
        assert status == 200, body[:300]
        assert waited < 2.0 + 5, waited  # served once the deadline freed a slot, not never


def test_a_header_trickle_is_cut_at_the_deadline(segmenter):
    with serving(make_server(segmenter, "127.0.0.1", 0, limits=ServeLimits(request_deadline_s=1.0))) as server:
        answers: list = []
        started = time.monotonic()
        _trickle(server, threading.Event(), answers, headers_only=True)
        assert time.monotonic() - started < 4
        assert b"Traceback" not in answers[0]


def test_workers_are_bounded_and_the_one_over_gets_a_503(segmenter):
    limits = ServeLimits(workers=2, request_deadline_s=5.0)
    with serving(make_server(segmenter, "127.0.0.1", 0, limits=limits)) as server:
        idle = [socket.create_connection(("127.0.0.1", server.server_port), timeout=10) for _ in range(2)]
        try:
            time.sleep(0.3)  # both accepted and waiting for a request line
            answer = _raw(server, b"GET /api/info HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert _status(answer) == 503 and b"too many connections" in answer
        finally:
            for connection in idle:
                connection.close()
        time.sleep(0.3)
        assert request(server, "/api/info")[0] == 200  # workers come back



def test_ctrl_c_while_a_worker_starts_stops_the_server_and_gives_the_slot_back_once(segmenter, monkeypatch):
    """Ctrl-C can land in Thread.start() after the worker already answered and gave its slot back (CI, 2026-12-03)."""
    import litemedseg.serve.server as server_module

    class FinishesThenInterrupted(threading.Thread):
        def start(self) -> None:
            self.run()  # the worker runs to the end first...
            raise KeyboardInterrupt  # ...then the signal arrives in the accepting thread

    server = make_server(segmenter, "127.0.0.1", 0, limits=ServeLimits(workers=2))
    try:
        monkeypatch.setattr(server_module, "Thread", FinishesThenInterrupted)
        client = socket.create_connection(("127.0.0.1", server.server_port), timeout=10)
        client.sendall(b"GET /api/info HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        with pytest.raises(KeyboardInterrupt):  # not swallowed as "request failed: ValueError"
            server._handle_request_noblock()
        assert _status(b"".join(iter(lambda: client.recv(65536), b""))) == 200
        client.close()
        for _ in range(2):  # both slots free again, and no third
            assert server.workers.acquire(blocking=False)
        assert not server.workers.acquire(blocking=False)
    finally:
        server.server_close()

@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("\u00b2".encode("latin-1"), 400),  # superscript two: str.isdigit() says yes, int() says no
        ("\u0663".encode(), 400),  # Arabic-Indic three, as UTF-8 bytes
        (b"1" * 400, 413),
        (b"1" * 5000, 413),  # more digits than int() converts by default
        (b"-5", 400),
        (b"12 34", 400),
        (b"0x10", 400),
    ],
    ids=["superscript", "arabic-indic", "400-digits", "5000-digits", "negative", "space", "hex"],
)
def test_every_malformed_content_length_gets_an_answer(live_server, value: bytes, status: int):
    answer = _raw(live_server, b"POST /api/segment HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\n"
                               b"Content-Length: " + value + b"\r\n\r\n")
    assert _status(answer) == status, answer[:300]
    assert b"Traceback" not in answer
    body = json.loads(answer.split(b"\r\n\r\n", 1)[1])
    assert body["status"] == status and "\n" not in body["error"]


def test_conflicting_content_lengths_are_a_400(live_server):
    answer = _raw(live_server, b"POST /api/segment HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n"
                               b"Content-Length: 4\r\n\r\nabcd")
    assert _status(answer) == 400 and b"conflicting" in answer


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "FOO"])
@pytest.mark.parametrize(("path", "allowed"), [("/api/segment", "POST"), ("/", "GET, HEAD"),
                                                ("/api/info", "GET, HEAD")])
def test_other_methods_get_a_405_with_allow(live_server, method: str, path: str, allowed: str):
    connection = http.client.HTTPConnection("127.0.0.1", live_server.server_port, timeout=10)
    connection.request(method, path)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    assert response.status == 405, body[:200]
    assert response.headers["Allow"] == allowed
    assert json.loads(body)["status"] == 405


def test_head_answers_like_get_without_a_body(live_server):
    connection = http.client.HTTPConnection("127.0.0.1", live_server.server_port, timeout=10)
    connection.request("HEAD", "/api/info")
    response = connection.getresponse()
    assert response.status == 200 and response.read() == b""
    connection.close()


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_small_file_of_a_huge_image_is_refused_before_decoding(segmenter):
    huge = _png(np.zeros((3000, 3000), np.uint8))  # 9 MP of zeros: a few kB on the wire
    assert len(huge) < 200_000
    limits = ServeLimits(max_image_pixels=4_000_000)
    with serving(make_server(segmenter, "127.0.0.1", 0, limits=limits)) as server:
        started = time.monotonic()
        assert_json_error(*post_image(server, huge), 413, "too large", "3000x3000")
        assert time.monotonic() - started < 5


def test_the_decode_budget_counts_bytes_per_sample(segmenter, tmp_path):
    import tifffile

    limits = ServeLimits(max_image_pixels=1_000_000, max_decoded_bytes=1_000_000)
    floats, small = io.BytesIO(), io.BytesIO()
    tifffile.imwrite(floats, np.zeros((400, 400), np.float64))  # 160 k pixels x 8 bytes = 1.28 MB decoded
    tifffile.imwrite(small, np.zeros((400, 400), np.uint8))  # the same pixels, 160 kB decoded
    with serving(make_server(segmenter, "127.0.0.1", 0, limits=limits)) as server:
        assert_json_error(*post_image(server, floats.getvalue(), "image/tiff"), 413, "8 byte(s)", "limit 1 MB")
        assert post_image(server, small.getvalue(), "image/tiff")[0] == 200


def test_an_upload_waits_for_the_model_only_so_long(segmenter, demo_image):
    limits = ServeLimits(inference_wait_s=0.5)
    with serving(make_server(segmenter, "127.0.0.1", 0, limits=limits)) as server:
        with server.predict_lock:  # another upload is being segmented
            assert_json_error(*post_image(server, demo_image.read_bytes()), 503, "busy")
        assert post_image(server, demo_image.read_bytes())[0] == 200


@pytest.mark.parametrize("bad", [{"workers": 0}, {"request_deadline_s": -1}, {"max_decoded_bytes": 0}])
def test_limits_must_be_positive(bad):
    with pytest.raises(ValueError, match="must be positive"):
        ServeLimits(**bad)
