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
SOCKET_TIMEOUT_S = 30  # a client that stalls mid-request is dropped instead of holding a thread forever
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


class SegmentServer(ThreadingHTTPServer):
    """ThreadingHTTPServer holding one loaded `Segmenter`; see `make_server`."""

    daemon_threads = True  # Ctrl-C must not wait for a stalled client

    def __init__(self, address: tuple[str, int], segmenter: Any, max_upload_bytes: int, log: Log | None) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.segmenter = segmenter
        self.max_upload_bytes = int(max_upload_bytes)
        self.log = log or (lambda line: None)
        self.loopback_only = is_loopback(address[0])
        self.predict_lock = threading.Lock()  # one inference at a time: predictable memory and CPU use
        self.upload_slots = threading.BoundedSemaphore(MAX_PARALLEL_UPLOADS)
        self.page, self.content_security_policy = _page_and_policy()
        super().__init__(address, SegmentHandler)

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
        meta = getattr(self.segmenter, "meta", {}) or {}
        return {
            "model": (meta.get("model") or {}).get("name", "model"),
            "dataset": (meta.get("dataset") or {}).get("name"),
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

    # -- routing -------------------------------------------------------------------------------------------
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
            known = path in ("/", "/index.html", "/api/info")
            self._refuse(HTTPStatus.METHOD_NOT_ALLOWED if known else HTTPStatus.NOT_FOUND,
                         f"no upload endpoint at {path}; POST to /api/segment")
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
        declared = self.headers.get("Content-Length")
        if declared is None:
            return HTTPStatus.LENGTH_REQUIRED, "Content-Length header required"
        if not declared.strip().isdigit():
            return HTTPStatus.BAD_REQUEST, f"bad Content-Length {declared[:40]!r}"
        if int(declared) > self.server.max_upload_bytes:
            return (HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                    f"{self._source()}: {_size(int(declared))} is over the upload limit of "
                    f"{_size(self.server.max_upload_bytes)}")
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
            self._refuse(HTTPStatus.SERVICE_UNAVAILABLE, "server busy; try again")
            return
        try:
            length = int(self.headers["Content-Length"])
            try:
                data = self.rfile.read(min(length, self.server.max_upload_bytes))  # capped even if headers lie
            except TimeoutError:
                self._send_error(HTTPStatus.REQUEST_TIMEOUT, f"{self._source()}: upload stalled")
                return
            if len(data) < length:
                self._send_error(HTTPStatus.BAD_REQUEST, f"{self._source()}: incomplete upload "
                                 f"({len(data)} of {length} bytes)")
                return
            self._answer_upload(data)
        finally:
            self.server.upload_slots.release()

    def _answer_upload(self, data: bytes) -> None:
        source = self._source()
        started = time.perf_counter()
        try:
            with self.server.predict_lock:
                result = segment_upload(self.server.segmenter, data, source)
        except UploadError as err:
            self._send_error(HTTPStatus(err.status), str(err))
            return
        except LitemedsegError as err:
            self._send_error(HTTPStatus.BAD_REQUEST, str(err))
            return
        except MemoryError:
            self._send_error(HTTPStatus.SERVICE_UNAVAILABLE, f"{source}: out of memory; try a smaller image")
            return
        except Exception as err:  # noqa: BLE001  (the server must survive and answer; the log keeps one line)
            self.server.log(f"internal error on {source}: {type(err).__name__}: {err}")
            self._send_error(HTTPStatus.INTERNAL_SERVER_ERROR, f"{source}: internal error ({type(err).__name__})")
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
    def _refuse(self, status: HTTPStatus, message: str) -> None:
        """An error answer to a request whose body we did not read."""
        self._send_error(status, message)
        self._drain()

    def _drain(self) -> None:
        try:
            remaining = min(int(self.headers.get("Content-Length", "0") or 0), LINGER_BYTES)
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
        """http.server's own errors (malformed request line, unsupported method) as JSON too."""
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
) -> SegmentServer:
    """Bind (port 0 picks a free port) and return the server; call `serve_forever()` to run it.

    `segmenter` is a loaded `litemedseg.Segmenter`; `log` receives one line per request (default: silent).
    """
    if max_upload_bytes <= 0:
        raise ValueError("max_upload_bytes must be positive")
    return SegmentServer((host, port), segmenter, max_upload_bytes, log)
