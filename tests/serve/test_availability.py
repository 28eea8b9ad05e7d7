"""Issue 27: one slow or greedy client cannot stall the others. A header deadline and a body-rate floor free a
slow client's worker and upload slot within seconds, one client address holds at most `per_client`
connections, and overload is answered 503 with Retry-After, never a connection reset."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from litemedseg.serve import ServeLimits, make_server
from tests.serve.conftest import serving
from tests.serve.test_limits import _raw, _status, _trickle
from tests.serve.test_server import post_image


def test_a_header_trickle_loses_its_worker_at_the_header_deadline(segmenter):
    limits = ServeLimits(header_deadline_s=1.0, request_deadline_s=30.0)
    with serving(make_server(segmenter, "127.0.0.1", 0, limits=limits)) as server:
        answers: list = []
        started = time.monotonic()
        _trickle(server, threading.Event(), answers, headers_only=True)
        assert time.monotonic() - started < 4  # the header deadline, not the 30 s request deadline


def test_a_slow_body_is_cut_by_the_rate_floor(segmenter):
    limits = ServeLimits(header_deadline_s=1.0, request_deadline_s=30.0, min_body_bytes_per_s=1000)
    with serving(make_server(segmenter, "127.0.0.1", 0, limits=limits)) as server:
        answers: list = []
        started = time.monotonic()
        _trickle(server, threading.Event(), answers)  # 5 bytes/s of a 1000-byte body: due after 1 + 1 s
        assert time.monotonic() - started < 6
        assert _status(answers[0]) == 408 and b"upload slower than" in answers[0]


def test_one_address_holds_at_most_its_share_of_connections(segmenter):
    limits = ServeLimits(per_client=2, workers=8, request_deadline_s=5.0)
    with serving(make_server(segmenter, "127.0.0.1", 0, limits=limits)) as server:
        idle = [socket.create_connection(("127.0.0.1", server.server_port), timeout=10) for _ in range(2)]
        try:
            time.sleep(0.3)
            answer = _raw(server, b"GET /api/info HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert _status(answer) == 503 and b"too many connections from 127.0.0.1" in answer
            assert b"Retry-After: 2" in answer
        finally:
            for connection in idle:
                connection.close()


def test_overload_is_answered_503_not_reset(segmenter, demo_image):
    """50 uploads at once against 4 workers: every client reads an HTTP answer (200 or 503), none a reset."""
    limits = ServeLimits(workers=4, parallel_uploads=2, per_client=64, request_deadline_s=10.0)
    body = demo_image.read_bytes()
    with serving(make_server(segmenter, "127.0.0.1", 0, limits=limits)) as server:
        with ThreadPoolExecutor(50) as pool:
            statuses = list(pool.map(lambda _: _post_status(server, body), range(50)))
    assert all(status in (200, 503) for status in statuses), statuses
    assert statuses.count(200) >= 1


def _post_status(server, body: bytes) -> int | str:
    try:
        return post_image(server, body)[0]
    except OSError as err:  # a reset shows up here
        return repr(err)


def test_slow_clients_cost_another_client_at_most_one_deadline(segmenter, demo_image):
    """Load test: 16 header trickles hold every worker and 4 slow uploads every upload slot. A normal client,
    retrying on 503 as Retry-After says, is answered within the header deadline plus the body allowance plus
    one retry interval."""
    limits = ServeLimits(workers=16, per_client=64, parallel_uploads=4, header_deadline_s=1.0,
                         request_deadline_s=20.0, min_body_bytes_per_s=1000)
    with serving(make_server(segmenter, "127.0.0.1", 0, limits=limits)) as server:
        stop = threading.Event()
        answers: list = []
        attackers = [threading.Thread(target=_trickle, args=(server, stop, answers, i >= 4), daemon=True)
                     for i in range(20)]
        for thread in attackers:
            thread.start()
        time.sleep(0.3)
        started = time.monotonic()
        status = None
        while time.monotonic() - started < 15:
            status = _post_status(server, demo_image.read_bytes())
            if status == 200:
                break
            time.sleep(0.5)
        waited = time.monotonic() - started
        stop.set()
        for thread in attackers:
            thread.join(timeout=10)
    assert status == 200, status
    bound = limits.header_deadline_s + (limits.header_deadline_s + 1000 / limits.min_body_bytes_per_s) + 2
    assert waited < bound + 2, (waited, bound)  # +2: scheduling on a loaded 2-core machine
