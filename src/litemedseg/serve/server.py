"""A small local web server: upload an image, get its mask overlay, areas and mask PNG back.

Standard library only (http.server). Safe defaults: binds to 127.0.0.1, refuses uploads over the limit from
their Content-Length before reading them, keeps everything in memory, and answers bad requests with a short
JSON error instead of a traceback.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import re
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from threading import Thread
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import unquote, urlsplit

from litemedseg.errors import LitemedsegError
from litemedseg.serve.decode import UploadError
from litemedseg.serve.segment import segment_upload

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_PARALLEL_UPLOADS = 4  # bounds memory: each one may hold max_upload_bytes
MAX_WORKERS = 16  # connections handled at once; one more is answered 503 at once instead of getting a thread
SOCKET_TIMEOUT_S = 30  # a client that stalls mid-request is dropped instead of holding a thread forever
# The whole request (headers and body) must arrive within this, however it trickles: the per-read timeout
# above alone lets one byte every 29 s hold a worker and an upload slot for ever.
REQUEST_DEADLINE_S = 60.0
# The request line and headers (a few hundred bytes) must arrive within this: a header trickle loses its worker
# after seconds, not after the whole-request deadline.
HEADER_DEADLINE_S = 10.0
# A body must keep arriving at this average rate (after the header allowance as grace), so a slow upload loses
# its upload slot long before the whole-request deadline.
MIN_BODY_BYTES_PER_S = 64 * 1024
PER_CLIENT_CONNECTIONS = 8  # connections one client address may hold at once (of MAX_WORKERS)
RETRY_AFTER_S = 2
INFERENCE_WAIT_S = 60.0  # an upload waits this long for the model before a 503
# Work per upload, checked before decoding: pixels bound the inference time, and decoded bytes (width x height
# x channels x sample size) bound memory, so a small file holding a huge or float64 image is refused cheaply.
DEFAULT_MAX_IMAGE_PIXELS = 16_000_000
DECODED_BYTES_PER_PIXEL = 6  # RGB at 16 bits per sample: what the largest image we accept may take decoded
MAX_CONTENT_LENGTH_DIGITS = 18
ALLOWED = {"/api/segment": "POST", "/": "GET, HEAD", "/index.html": "GET, HEAD", "/api/info": "GET, HEAD"}
# After refusing a body we did not read, drain a little of it so closing the socket does not reset the
# connection before the client reads our answer; bounded so a huge upload is never read in full.
LINGER_S = 2.0
LINGER_BYTES = 16 * 1024 * 1024
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}
ACCEPTED_TYPES = ("", "application/octet-stream")

Log = Callable[[str], None]


def is_loopback(host: str) -> bool:
    """True for localhost names and loopback addresses (127.0.0.0/8, ::1)."""
    name = host.strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _page_and_policy() -> tuple[bytes, str]:
    """The page, and a Content-Security-Policy that allows only its own inline script and style (by hash)."""
    html = resources.files("litemedseg.serve").joinpath("page.html").read_text(encoding="utf-8")
    hashes = {}
    for tag in ("script", "style"):
        hashes[tag] = " ".join(
            "'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii") + "'"
            for body in re.findall(rf"<{tag}>(.*?)</{tag}>", html, flags=re.S)
        )
    policy = (f"default-src 'none'; script-src {hashes['script']}; style-src {hashes['style']}; "
              "img-src data: blob:; connect-src 'self' blob:; form-action 'none'; base-uri 'none'; "
              "frame-ancestors 'none'")
    return html.encode("utf-8"), policy


@dataclass(frozen=True)
class ServeLimits:
    """How much one client may take: time to send a request, connections, uploads in memory, image size."""

    request_deadline_s: float = REQUEST_DEADLINE_S
    header_deadline_s: float = HEADER_DEADLINE_S
    min_body_bytes_per_s: float = MIN_BODY_BYTES_PER_S
    workers: int = MAX_WORKERS
    per_client: int = PER_CLIENT_CONNECTIONS
    parallel_uploads: int = MAX_PARALLEL_UPLOADS
    inference_wait_s: float = INFERENCE_WAIT_S
    max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS
    max_decoded_bytes: int = DEFAULT_MAX_IMAGE_PIXELS * DECODED_BYTES_PER_PIXEL

    @classmethod
    def for_pixels(cls, max_image_pixels: int) -> ServeLimits:
        """Default limits, with images up to `max_image_pixels` and the decode budget that goes with it."""
        return cls(max_image_pixels=max_image_pixels, max_decoded_bytes=max_image_pixels * DECODED_BYTES_PER_PIXEL)

    def __post_init__(self) -> None:
        for name in ("request_deadline_s", "header_deadline_s", "min_body_bytes_per_s", "workers", "per_client",
                     "parallel_uploads", "inference_wait_s", "max_image_pixels", "max_decoded_bytes"):
            value = getattr(self, name)
            if not value > 0:
                raise ValueError(f"{name} must be positive, got {value}")


class _Deadlines:
    """Ends the reading side of connections whose request ran past its deadline.

    A watchdog thread shuts down the read half of an expired connection, so a handler blocked reading a
    trickle sees end-of-file at once and can still answer (408) on the write half.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._due: dict[socket.socket, float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, connection: socket.socket, seconds: float) -> None:
        with self._lock:
            self._due[connection] = time.monotonic() + seconds
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="litemedseg-deadlines", daemon=True)
                self._thread.start()

    def clear(self, connection: socket.socket) -> None:
        with self._lock:
            self._due.pop(connection, None)

    def stop(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        while not self._stop.wait(0.1):
            now = time.monotonic()
            with self._lock:
                expired = [c for c, due in self._due.items() if due <= now]
                for connection in expired:
                    del self._due[connection]
            for connection in expired:
                try:
                    connection.shutdown(socket.SHUT_RD)
                except OSError:
                    pass


def _answer_busy(connection: socket.socket, reason: str = "too many connections") -> None:
    body = json.dumps({"error": f"server busy ({reason}); try again", "status": 503}).encode()
    head = (f"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\nRetry-After: {RETRY_AFTER_S}\r\n\r\n").encode()
    try:
        connection.settimeout(1.0)
        connection.sendall(head + body)
    except OSError:
        pass


_LINGERING = threading.BoundedSemaphore(32)  # closers that read what an overloaded client still sends


def _close_gently(connection: socket.socket) -> None:
    """Close after our answer without a reset: a close with unread request bytes sends RST, which can reach the
    client before it reads the 503. Half-close, read what still comes for a moment, then close; in a bounded
    set of threads, so the accepting thread never waits (past the bound, close at once)."""
    def linger() -> None:
        try:
            connection.shutdown(socket.SHUT_WR)
            connection.settimeout(0.5)
            deadline = time.monotonic() + LINGER_S
            while time.monotonic() < deadline and connection.recv(65536):
                pass
        except OSError:
            pass
        finally:
            connection.close()
            _LINGERING.release()

    if not _LINGERING.acquire(blocking=False):
        connection.close()
        return
    try:
        Thread(target=linger, daemon=True).start()
    except BaseException:
        _LINGERING.release()
        connection.close()
        raise


def parse_content_length(values: list[str]) -> int:
    """The one Content-Length of a request: ASCII digits only, at most 18 of them, every copy the same.

    A ValueError says what is wrong (the caller answers 400); a value with more digits is over any limit (413).
    """
    cleaned = {v.strip() for v in values}
    if len(cleaned) != 1:
        raise ValueError("conflicting Content-Length headers")
    value = cleaned.pop()
    if not value or not value.isascii() or not value.isdigit():
        raise ValueError(f"bad Content-Length {value[:40]!r}")
    if len(value) > MAX_CONTENT_LENGTH_DIGITS:
        return sys.maxsize
    return int(value)


class _ReleaseOnce:
    """Runs `release` on the first call only."""

    def __init__(self, release: Callable[[], None]) -> None:
        self._release = release
        self._lock = threading.Lock()
        self._released = False

    def __call__(self) -> None:
        with self._lock:
            if self._released:
                return
            self._released = True
        self._release()


class SegmentServer(ThreadingHTTPServer):
    """ThreadingHTTPServer holding one loaded `Segmenter`; see `make_server`."""

    daemon_threads = True  # Ctrl-C must not wait for a stalled client
    request_queue_size = 128  # a burst of connections waits in the backlog for its 503 instead of being reset

    def __init__(self, address: tuple[str, int], segmenter: Any, max_upload_bytes: int, log: Log | None, *,
                 limits: ServeLimits | None = None) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.segmenter = segmenter
        self.max_upload_bytes = int(max_upload_bytes)
        self.limits = limits or ServeLimits()
        self.log = log or (lambda line: None)
        self.loopback_only = is_loopback(address[0])
        self.predict_lock = threading.Lock()  # one inference at a time: predictable memory and CPU use
        self.upload_slots = threading.BoundedSemaphore(self.limits.parallel_uploads)
        self.workers = threading.BoundedSemaphore(self.limits.workers)
        self.clients: dict[str, int] = {}  # connections held per client address
        self.clients_lock = threading.Lock()
        self.deadlines = _Deadlines()
        self.page, self.content_security_policy = _page_and_policy()
        super().__init__(address, SegmentHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        """A bounded pool, at most `limits.per_client` of it per client address: past either bound, answer 503
        with Retry-After from here and close without a reset."""
        address = str(client_address[0]) if isinstance(client_address, tuple) else str(client_address)
        with self.clients_lock:
            crowded = self.clients.get(address, 0) >= self.limits.per_client
            if not crowded:
                self.clients[address] = self.clients.get(address, 0) + 1
        if crowded:
            _answer_busy(request, f"too many connections from {address}")
            _close_gently(request)
            return
        if not self.workers.acquire(blocking=False):
            self._leave(address)
            _answer_busy(request)
            _close_gently(request)
            return

        def release() -> None:
            self.workers.release()
            self._leave(address)

        # The slot is given back exactly once, by the worker or by this thread when the worker never ran:
        # Ctrl-C can land inside Thread.start() after the worker has already finished and released it.
        release_once = _ReleaseOnce(release)
        try:
            Thread(target=self._work, args=(request, client_address, release_once), daemon=True).start()
        except BaseException:
            release_once()
            raise

    def _leave(self, address: str) -> None:
        with self.clients_lock:
            left = self.clients.get(address, 1) - 1
            if left > 0:
                self.clients[address] = left
            else:
                self.clients.pop(address, None)

    def _work(self, request: Any, client_address: Any, release: _ReleaseOnce) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            release()

    def server_close(self) -> None:
        self.deadlines.stop()
        super().server_close()

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn), which can hang on an offline machine.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    @property
    def url(self) -> str:
        host = self.server_name
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1" if host == "0.0.0.0" else "::1"  # a wildcard address cannot be browsed to
        return f"http://[{host}]:{self.server_port}/" if ":" in host else f"http://{host}:{self.server_port}/"

    def info(self) -> dict[str, Any]:
        """What the page shows about the model; nothing about the file system."""
        return {
            "model": self.segmenter.model_name,
            "dataset": self.segmenter.trained_on,
            "num_classes": self.segmenter.num_classes,
            "class_names": list(self.segmenter.class_names),
            "max_upload_bytes": self.max_upload_bytes,
        }

    def handle_error(self, request: Any, client_address: Any) -> None:
        # One line instead of socketserver's traceback; a client hanging up is not worth more.
        err = sys.exc_info()[1]
        self.log(f"{client_address[0]}: request failed: {type(err).__name__}: {err}")


class SegmentHandler(BaseHTTPRequestHandler):
    """GET / (the page), GET /api/info, POST /api/segment (raw image bytes in the body)."""

    server: SegmentServer
    server_version = "litemedseg"
    sys_version = ""
    protocol_version = "HTTP/1.1"  # needed to answer `Expect: 100-continue` with a 413 before the body is sent
    timeout = SOCKET_TIMEOUT_S

    def setup(self) -> None:
        super().setup()
        self._started = time.monotonic()
        limits = self.server.limits
        self._due = self._started + min(limits.header_deadline_s, limits.request_deadline_s)
        self.server.deadlines.start(self.connection, self._due - self._started)

    def parse_request(self) -> bool:
        """Headers in: what is left of the whole-request deadline now applies (the body sets its own)."""
        parsed = super().parse_request()
        if parsed:
            self._set_due(self._started + self.server.limits.request_deadline_s)
        return parsed

    def _set_due(self, due: float) -> None:
        self._due = due
        self.server.deadlines.start(self.connection, max(0.0, due - time.monotonic()))

    def finish(self) -> None:
        self.server.deadlines.clear(self.connection)
        super().finish()

    def _past_deadline(self) -> bool:
        return time.monotonic() >= self._due

    # -- routing -------------------------------------------------------------------------------------------
    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        if not self._host_allowed():
            return
        path = urlsplit(self.path).path
        if path in ("/", "/index.html"):
            self._send(HTTPStatus.OK, self.server.page, "text/html; charset=utf-8",
                       {"Content-Security-Policy": self.server.content_security_policy})
        elif path == "/api/info":
            self._send_json(HTTPStatus.OK, self.server.info())
        elif path == "/api/segment":
            self._send_error(HTTPStatus.METHOD_NOT_ALLOWED, "use POST with the image bytes as the body",
                             {"Allow": "POST"})
        else:
            self._send_error(HTTPStatus.NOT_FOUND, f"no such page: {path}")

    def do_POST(self) -> None:
        if not self._host_allowed():
            return
        path = urlsplit(self.path).path
        if path != "/api/segment":
            known = path in ALLOWED
            self._refuse(HTTPStatus.METHOD_NOT_ALLOWED if known else HTTPStatus.NOT_FOUND,
                         f"no upload endpoint at {path}; POST to /api/segment",
                         {"Allow": ALLOWED[path]} if known else None)
            return
        self._segment()

    def handle_expect_100(self) -> bool:
        """Refuse an announced oversize or non-image body before the client sends it."""
        problem = self._check_headers()
        if problem is None:
            return super().handle_expect_100()
        self._send_error(*problem)
        return False

    # -- the upload ------------------------------------------------------------------------------------------
    def _check_headers(self) -> tuple[HTTPStatus, str] | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return HTTPStatus.LENGTH_REQUIRED, "send the image with a Content-Length (chunked uploads are not accepted)"
        declared = self.headers.get_all("Content-Length")
        if not declared:
            return HTTPStatus.LENGTH_REQUIRED, "Content-Length header required"
        try:
            length = parse_content_length(declared)
        except ValueError as err:
            return HTTPStatus.BAD_REQUEST, str(err)
        if length > self.server.max_upload_bytes:
            shown = _size(length) if length < sys.maxsize else "more than 10^18 bytes"
            return (HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                    f"{self._source()}: {shown} is over the upload limit of {_size(self.server.max_upload_bytes)}")
        kind = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if kind not in ACCEPTED_TYPES and not kind.startswith("image/"):
            return (HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                    f"{self._source()}: expected an image (PNG, JPEG, BMP or TIFF) as the raw request body, "
                    f"got {kind[:60]}")
        return None

    def _segment(self) -> None:
        problem = self._check_headers()
        if problem is not None:
            self._refuse(*problem)
            return
        if not self.server.upload_slots.acquire(timeout=SOCKET_TIMEOUT_S):
            self._refuse(HTTPStatus.SERVICE_UNAVAILABLE, "server busy (all upload slots taken); try again",
                         {"Retry-After": str(RETRY_AFTER_S)})
            return
        # given back as soon as the upload's bytes are no longer needed: a client that never reads its answer
        # holds a worker until the send times out, not an upload slot
        slot = _ReleaseOnce(self.server.upload_slots.release)
        try:
            # held only by this list, which the answer empties: the bytes are freed once segmented
            holder = [self._read_body(parse_content_length(self.headers.get_all("Content-Length")))]
            if holder[0] is not None:
                self._answer_upload(holder, slot)
        finally:
            slot()

    def _read_body(self, length: int) -> bytes | None:
        """The body as it arrives (memory grows with the bytes received, not with the length announced), cut
        when it falls below the rate floor or past the request deadline; None after an error answer."""
        limits = self.server.limits
        length = min(length, self.server.max_upload_bytes)  # capped even if headers lie
        started = time.monotonic()
        rate_due = started + limits.header_deadline_s + length / limits.min_body_bytes_per_s
        self._set_due(min(self._started + limits.request_deadline_s, rate_due))
        data = bytearray()
        try:
            while len(data) < length:
                chunk = self.rfile.read1(min(65536, length - len(data)))
                if not chunk:
                    break
                data += chunk
        except TimeoutError:
            self._send_error(HTTPStatus.REQUEST_TIMEOUT, f"{self._source()}: upload stalled")
            return None
        except OSError:
            pass
        self.server.deadlines.clear(self.connection)
        if len(data) == length:
            return bytes(data)
        now = time.monotonic()
        if now - self._started >= limits.request_deadline_s - 0.05:
            self._send_error(HTTPStatus.REQUEST_TIMEOUT, f"{self._source()}: upload took longer than "
                             f"{limits.request_deadline_s:g} s ({len(data)} of {length} bytes)")
        elif now >= rate_due - 0.05:
            self._send_error(HTTPStatus.REQUEST_TIMEOUT, f"{self._source()}: upload slower than "
                             f"{_size(int(limits.min_body_bytes_per_s))}/s ({len(data)} of {length} bytes in "
                             f"{now - started:.1f} s)")
        else:
            self._send_error(HTTPStatus.BAD_REQUEST, f"{self._source()}: incomplete upload "
                             f"({len(data)} of {length} bytes)")
        return None

    def _answer_upload(self, holder: list[bytes | None], slot: Callable[[], None]) -> None:
        data = holder.pop()
        source = self._source()
        started = time.perf_counter()
        limits = self.server.limits
        if not self.server.predict_lock.acquire(timeout=limits.inference_wait_s):
            self._send_error(HTTPStatus.SERVICE_UNAVAILABLE, f"{source}: the model is busy; try again",
                             {"Retry-After": str(RETRY_AFTER_S)})
            return
        try:
            result = segment_upload(self.server.segmenter, data, source, max_pixels=limits.max_image_pixels,
                                    max_decoded_bytes=limits.max_decoded_bytes)
        except UploadError as err:
            failure = (HTTPStatus(err.status), str(err))
        except LitemedsegError as err:
            failure = (HTTPStatus.BAD_REQUEST, str(err))
        except MemoryError:
            failure = (HTTPStatus.SERVICE_UNAVAILABLE, f"{source}: out of memory; try a smaller image")
        except Exception as err:  # noqa: BLE001  (the server must survive and answer; the log keeps one line)
            self.server.log(f"internal error on {source}: {type(err).__name__}: {err}")
            failure = (HTTPStatus.INTERNAL_SERVER_ERROR, f"{source}: internal error ({type(err).__name__})")
        else:
            failure = None
        finally:
            self.server.predict_lock.release()
        del data
        slot()
        self.connection.settimeout(limits.header_deadline_s)  # a client that does not read loses its worker soon
        if failure is not None:
            self._send_error(*failure)
            return
        result["seconds"] = round(time.perf_counter() - started, 3)
        self._note = (f"{source}: {result['width']}x{result['height']}, "
                      f"{result['foreground']['percent']:.2f} % foreground, {result['seconds']:.2f} s")
        self._send_json(HTTPStatus.OK, result)

    def _source(self) -> str:
        """The uploaded file's name from X-Filename (for messages only: never used as a path)."""
        name = unquote(self.headers.get("X-Filename", "")).replace("\\", "/").rsplit("/", 1)[-1]
        name = "".join(ch for ch in name if ch.isprintable())[:120]
        return name or "upload"

    # -- guards ----------------------------------------------------------------------------------------------
    def _host_allowed(self) -> bool:
        """On a loopback address, only loopback Host/Origin headers: a web page elsewhere cannot use the
        server through DNS rebinding or a cross-site form post."""
        if not self.server.loopback_only:
            return True
        host = _hostname(self.headers.get("Host", ""))
        origin = self.headers.get("Origin")
        if host is not None and is_loopback(host) and (origin is None or is_loopback(_hostname(origin, True) or "")):
            return True
        self._refuse(HTTPStatus.FORBIDDEN, "this server only answers pages served from localhost")
        return False

    # -- responses -------------------------------------------------------------------------------------------
    def _refuse(self, status: HTTPStatus, message: str, headers: dict[str, str] | None = None) -> None:
        """An error answer to a request whose body we did not read."""
        self._send_error(status, message, headers)
        self._drain()

    def _drain(self) -> None:
        try:
            remaining = min(parse_content_length(self.headers.get_all("Content-Length") or ["0"]), LINGER_BYTES)
        except ValueError:
            return
        deadline = time.monotonic() + LINGER_S
        try:
            self.connection.settimeout(LINGER_S)
            while remaining > 0 and time.monotonic() < deadline:
                chunk = self.rfile.read1(min(remaining, 65536))
                if not chunk:
                    break
                remaining -= len(chunk)
        except OSError:
            pass

    def _send_error(self, status: HTTPStatus, message: str, headers: dict[str, str] | None = None) -> None:
        self._note = message
        self._send_json(status, {"error": message, "status": int(status)}, headers)

    def _send_json(self, status: HTTPStatus, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(payload).encode("utf-8"), "application/json", headers)

    def _send(self, status: HTTPStatus, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.close_connection = True
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Frame-Options", "DENY")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if getattr(self, "command", None) != "HEAD":
            self.wfile.write(body)

    def version_string(self) -> str:
        return self.server_version  # no Python version on the wire

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (malformed request line, unsupported method) as JSON too; a method this
        server has no handler for is a 405 naming the methods the path allows (not http.server's 501)."""
        if code == HTTPStatus.NOT_IMPLEMENTED and getattr(self, "command", None):
            path = urlsplit(self.path).path
            allowed = ALLOWED.get(path, "GET, HEAD, POST")
            self._send_error(HTTPStatus.METHOD_NOT_ALLOWED, f"method {self.command[:20]} is not allowed here; "
                             f"use {allowed}", {"Allow": allowed})
            return
        self._send_error(HTTPStatus(code), message or HTTPStatus(code).phrase)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """One line per answer: who, what, the status, and the outcome or the error."""
        note = getattr(self, "_note", "")
        command = getattr(self, "command", None)  # unset when the request line itself was bad
        request = f"{command} {urlsplit(self.path).path[:200]}" if command else "(bad request)"
        self.server.log(f"{self.client_address[0]} {request} {int(code)}" + (f" {note}" if note else ""))

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        self.server.log(f"{self.client_address[0]} {format % args}")


def _hostname(value: str, is_url: bool = False) -> str | None:
    try:
        return urlsplit(value if is_url else f"//{value}").hostname
    except ValueError:
        return None


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:.1f} MB" if count >= 1024 * 1024 else f"{count} bytes"


def make_server(
    segmenter: Any,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    log: Log | None = None,
    *,
    limits: ServeLimits | None = None,
) -> SegmentServer:
    """Bind (port 0 picks a free port) and return the server; call `serve_forever()` to run it.

    `segmenter` is a loaded `litemedseg.Segmenter`; `log` receives one line per request (default: silent);
    `limits` bounds what one client may take (default `ServeLimits()`).
    """
    if max_upload_bytes <= 0:
        raise ValueError("max_upload_bytes must be positive")
    return SegmentServer((host, port), segmenter, max_upload_bytes, log, limits=limits)
