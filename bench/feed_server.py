"""A local HTTP server of RSS feeds whose content and behaviour change while a watcher polls.

Used by the RSS watcher's integration tests and the benchmark's ``watch``
phase: a real HTTP/1.1 server (``ThreadingHTTPServer`` on 127.0.0.1, a thread
per connection) that serves, per path, a :class:`Route`: a body with ``ETag``
and ``Last-Modified`` (answering 304 to a matching ``If-None-Match`` /
``If-Modified-Since``), optionally gzip, or a failure — a status with
``Retry-After``, a hang past the client's deadline, a huge body. Every request
is logged (:attr:`FeedServer.requests`) with its conditional headers, the
answer and a ``perf_counter`` time.

Also the RSS helpers (:func:`split_feed`, :func:`assemble`): take a real feed
apart into its items and serve any subset, so "items added between polls" is
the real feed's own bytes.
"""

from __future__ import annotations

import email.utils
import gzip as gzip_module
import hashlib
import re
import threading
import time
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal, Self

_ITEM = re.compile(rb"<item\b.*?</item>\s*", re.DOTALL)

Mode = Literal["ok", "status", "hang", "huge", "redirect"]


@dataclass(frozen=True)
class Route:
    body: bytes = b""
    mode: Mode = "ok"
    status: int = 200
    retry_after: str | None = None
    location: str | None = None
    """Where ``mode="redirect"`` sends the client (302)."""
    hang_seconds: float = 3600.0
    huge_bytes: int = 50 * 1024 * 1024
    validators: bool = True
    """Send ``ETag`` / ``Last-Modified`` and answer 304 when they match."""
    gzip: bool = False
    last_modified: float = field(default_factory=time.time)


@dataclass(frozen=True)
class Request:
    path: str
    if_none_match: str | None
    if_modified_since: str | None
    accept_encoding: str | None
    status: int | None
    at: float
    """``time.perf_counter()`` when the request arrived."""


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


class FeedServer:
    """``with FeedServer() as server: server.set("/cand.xml", body); server.url("/cand.xml")``."""

    def __init__(self) -> None:
        self._routes: dict[str, Route] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.requests: list[Request] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="feed-server", daemon=True
        )

    # -------------------------------------------------------------- control
    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def set(self, path: str, body: bytes, **options: object) -> None:
        """Serve ``body`` at ``path`` (a new ``Last-Modified`` when it changed)."""
        with self._lock:
            old = self._routes.get(path)
            if old is not None and old.mode == "ok" and old.body == body and not options:
                return
            self._routes[path] = Route(body=body, last_modified=time.time(), **options)  # type: ignore[arg-type]

    def behave(self, path: str, **changes: object) -> None:
        """Change how ``path`` answers (``mode="status", status=500``, ``mode="ok"``...), keeping its body."""
        with self._lock:
            self._routes[path] = replace(self._routes.get(path, Route()), **changes)  # type: ignore[arg-type]

    def requests_to(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    # -------------------------------------------------------------- serving
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # quiet
                return

            def do_GET(self) -> None:
                arrived = time.perf_counter()
                path = self.path.split("?", 1)[0]
                with server._lock:
                    route = server._routes.get(path)
                status = server._answer(self, route)
                with server._lock:
                    server.requests.append(
                        Request(
                            path,
                            self.headers.get("If-None-Match"),
                            self.headers.get("If-Modified-Since"),
                            self.headers.get("Accept-Encoding"),
                            status,
                            arrived,
                        )
                    )

        return Handler

    def _answer(self, h: BaseHTTPRequestHandler, route: Route | None) -> int | None:
        try:
            if route is None:
                return self._send(h, 404, b"no such feed\n", {})
            if route.mode == "status":
                headers = {"Retry-After": route.retry_after} if route.retry_after else {}
                return self._send(h, route.status, f"HTTP {route.status}\n".encode(), headers)
            if route.mode == "redirect":
                return self._send(h, 302, b"", {"Location": route.location or "/"})
            if route.mode == "hang":
                self._stop.wait(route.hang_seconds)
                return None
            if route.mode == "huge":
                return self._huge(h, route.huge_bytes)
            return self._feed(h, route)
        except (BrokenPipeError, ConnectionResetError):
            return None

    def _feed(self, h: BaseHTTPRequestHandler, route: Route) -> int:
        headers: dict[str, str] = {"Content-Type": "application/rss+xml; charset=ISO-8859-1"}
        if route.validators:
            etag = etag_of(route.body)
            modified = email.utils.formatdate(route.last_modified, usegmt=True)
            headers.update({"ETag": etag, "Last-Modified": modified})
            inm = h.headers.get("If-None-Match")
            ims = h.headers.get("If-Modified-Since")
            if (inm is not None and inm == etag) or (inm is None and ims == modified):
                return self._send(h, 304, b"", headers)
        body = route.body
        if route.gzip and "gzip" in (h.headers.get("Accept-Encoding") or ""):
            body = gzip_module.compress(body)
            headers["Content-Encoding"] = "gzip"
        return self._send(h, 200, body, headers)

    def _huge(self, h: BaseHTTPRequestHandler, size: int) -> int:
        # no Content-Length: the client must stop reading by itself
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        h.send_header("Connection", "close")
        h.end_headers()
        h.close_connection = True
        chunk = b"<item><title>x</title></item>\n" * 2048
        sent = 0
        h.wfile.write(b'<?xml version="1.0"?><rss version="2.0"><channel>\n')
        while sent < size and not self._stop.is_set():
            h.wfile.write(chunk)
            sent += len(chunk)
        return 200

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str]) -> int:
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k, v)
        if status != 304:
            h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if status != 304:
            h.wfile.write(body)
        return status


# ---------------------------------------------------------------- RSS helpers
def split_feed(xml: bytes) -> tuple[bytes, list[bytes], bytes]:
    """(head, items, tail) of an RSS document, each item its own bytes (newest first, as served)."""
    items = [m.group(0) for m in _ITEM.finditer(xml)]
    if not items:
        return xml, [], b""
    start = xml.index(items[0])
    end = xml.rindex(items[-1]) + len(items[-1])
    return xml[:start], items, xml[end:]


def assemble(head: bytes, items: list[bytes], tail: bytes) -> bytes:
    return head + b"".join(items) + tail
