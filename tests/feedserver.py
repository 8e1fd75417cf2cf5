"""A real loopback HTTP(S) server for tests, with programmable misbehaviour.

Usage::

    with FeedServer() as server:
        server.route("/feed.xml", Conditional(body, etag='"v1"'))
        server.route("/old", Redirect("/feed.xml", status=301))
        server.route("/slow", Response(body=trickle(b"<rss/>"), chunk_delay=1.0))
        server.route("/huge", Response(body=zeros(100 * MB), length=100 * MB))
        server.route("/corpus/", Files(root, headers=lambda path: {...}))
        fetch(FetchRequest("f", server.url("/feed.xml")))
        assert server.requests[-1].headers["if-none-match"] == '"v1"'

Every route answers over HTTP/1.1 (keep-alive, so connection reuse is observable). Bodies
may be iterables of chunks, streamed as they are produced, so a 100 MB body or a gzip bomb
never exists in the server's memory either. A :class:`Gauge`, optionally shared by several
servers (bound to 127.0.0.1, 127.0.0.2, ... — all loopback on Linux), records how many
requests were in flight at once, overall and per host; :class:`Hold` makes a route wait until
a given number of requests are in flight, which turns "the client overlapped requests" into
a deterministic observation instead of a timing bet.
"""

from __future__ import annotations

import contextlib
import gzip
import http.server
import ssl
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any

MB = 1024 * 1024


@dataclass
class Response:
    """What a route answers. ``body`` bytes or an iterable of chunks (streamed).

    ``length``: Content-Length to announce; None streams with chunked transfer encoding
    (or uses ``len(body)`` when body is bytes). ``chunk_delay`` sleeps before every chunk.
    """

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | Iterable[bytes] = b""
    length: int | None = None
    chunk_delay: float = 0.0


@dataclass(frozen=True)
class Request:
    """One request as the server saw it (header names lower-case)."""

    method: str
    path: str
    headers: dict[str, str]
    host: str
    port: int
    client_port: int


Handler = Callable[[Request], Response]


class Gauge:
    """Counts requests in flight, overall and per server host; records the maxima."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.in_flight = 0
        self.max_in_flight = 0
        self.per_host: Counter[str] = Counter()
        self.max_per_host: Counter[str] = Counter()
        self.started: Counter[str] = Counter()

    def enter(self, host: str) -> None:
        with self._cond:
            self.started[host] += 1
            self.in_flight += 1
            self.per_host[host] += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.max_per_host[host] = max(self.max_per_host[host], self.per_host[host])
            self._cond.notify_all()

    def leave(self, host: str) -> None:
        with self._cond:
            self.in_flight -= 1
            self.per_host[host] -= 1
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[Gauge], bool], timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: predicate(self), timeout)


def Static(body: bytes, content_type: str = "application/rss+xml", **headers: str) -> Handler:
    """A fixed 200 answer."""
    return lambda _req: Response(200, {"Content-Type": content_type, **headers}, body)


def Conditional(
    body: bytes,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    content_type: str = "application/rss+xml",
) -> Handler:
    """200 with validators; 304 when the request's If-None-Match / If-Modified-Since match."""

    def handle(req: Request) -> Response:
        headers = {"Content-Type": content_type}
        if etag:
            headers["ETag"] = etag
        if last_modified:
            headers["Last-Modified"] = last_modified
        inm = req.headers.get("if-none-match")
        ims = req.headers.get("if-modified-since")
        if etag and inm is not None:
            if etag in [t.strip() for t in inm.split(",")]:
                return Response(304, headers)
        elif last_modified and ims:
            try:
                if parsedate_to_datetime(ims) >= parsedate_to_datetime(last_modified):
                    return Response(304, headers)
            except (TypeError, ValueError):
                pass
        return Response(200, headers, body)

    return handle


def Redirect(location: str, status: int = 302) -> Handler:
    """Redirect to ``location`` (relative or absolute)."""
    return lambda _req: Response(status, {"Location": location, "Content-Length": "0"})


def Status(status: int, **headers: str) -> Handler:
    """A bare status with a short text body (e.g. 404, or 429 with Retry-After)."""
    headers = {k.replace("_", "-"): v for k, v in headers.items()}
    return lambda _req: Response(status, {"Content-Type": "text/plain", **headers}, b"nope\n")


def Compressed(body: bytes, encoding: str = "gzip", **headers: str) -> Handler:
    """The body compressed with gzip, zlib-wrapped ``deflate`` or ``raw-deflate``."""
    if encoding == "gzip":
        data = gzip.compress(body)
    elif encoding == "deflate":
        data = zlib.compress(body)
    else:
        c = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        data = c.compress(body) + c.flush()
        encoding = "deflate"
    return lambda _req: Response(
        200, {"Content-Type": "application/rss+xml", "Content-Encoding": encoding, **headers}, data
    )


def Hold(
    inner: Handler, gauge: Gauge, until: Callable[[Gauge], bool], timeout: float = 5.0
) -> Handler:
    """Answer with ``inner`` only once ``until(gauge)`` holds (or after ``timeout`` seconds)."""

    def handle(req: Request) -> Response:
        gauge.wait_for(until, timeout)
        return inner(req)

    return handle


class Files:
    """Serve files under ``root`` for a prefix route; ``headers(path)`` adds headers."""

    def __init__(self, root: Path, headers: Callable[[Path], dict[str, str]] | None = None):
        self.root = root.resolve()
        self.headers = headers or (lambda _p: {"Content-Type": "application/xml"})

    def __call__(self, req: Request, rest: str) -> Response:
        path = (self.root / rest).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            return Response(404, {"Content-Type": "text/plain"}, b"no such file\n")
        return Response(200, self.headers(path), path.read_bytes())


def zeros(size: int, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """``size`` bytes of XML-ish filler, produced chunk by chunk (never held whole)."""
    block = b"<!-- " + b"x" * (chunk - 9) + b" -->"
    sent = 0
    while sent < size:
        piece = block[: min(chunk, size - sent)]
        sent += len(piece)
        yield piece


def gzip_stream(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Gzip-compress a stream of chunks on the fly (for decompression bombs)."""
    c = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    for piece in chunks:
        out = c.compress(piece)
        if out:
            yield out
    yield c.flush()


def trickle(body: bytes, size: int = 1) -> Iterator[bytes]:
    """``body`` cut into ``size``-byte chunks (pair with ``Response.chunk_delay``)."""
    for i in range(0, len(body), size):
        yield body[i : i + size]


def http_date(epoch: float) -> str:
    """An RFC 7231 date for Last-Modified / Retry-After headers."""
    from datetime import UTC, datetime

    return format_datetime(datetime.fromtimestamp(epoch, UTC), usegmt=True)


class _Server(http.server.ThreadingHTTPServer):
    # The default listen backlog of 5 drops connections when a client opens dozens at once
    # (the kernel then retries a second later), which would distort concurrency tests.
    request_queue_size = 512


class FeedServer:
    """A threaded HTTP/1.1 server on a loopback address and a free port."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        *,
        gauge: Gauge | None = None,
        tls: ssl.SSLContext | None = None,
    ):
        self.host = host
        self.gauge = gauge or Gauge()
        self.requests: list[Request] = []
        self._routes: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = _Server((host, 0), self._handler_class())
        self._httpd.daemon_threads = True
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self.port = self._httpd.server_address[1]
        self.scheme = "https" if tls is not None else "http"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def url(self, path: str = "/") -> str:
        return f"{self.scheme}://{self.host}:{self.port}{path}"

    def route(self, path: str, handler: Handler | Files) -> str:
        """Register ``handler`` for ``path`` (a ``Files`` route for a prefix ending in /)."""
        self._routes[path] = handler
        return self.url(path)

    def requests_to(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path.split("?")[0] == path]

    def _dispatch(self, req: Request) -> Response:
        path = req.path.split("?")[0]
        handler = self._routes.get(path)
        if handler is not None and not isinstance(handler, Files):
            return handler(req)
        for prefix in sorted(self._routes, key=len, reverse=True):
            route = self._routes[prefix]
            if isinstance(route, Files) and path.startswith(prefix):
                return route(req, path[len(prefix) :])
        return Response(404, {"Content-Type": "text/plain"}, b"no route\n")

    def _handler_class(self) -> type[http.server.BaseHTTPRequestHandler]:
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; with Nagle on, each small
            # response waits for a delayed ACK (~40 ms) and loopback tests crawl.
            disable_nagle_algorithm = True

            def handle(self) -> None:
                # A client hanging up mid-request is part of what we test, not an error.
                with contextlib.suppress(ConnectionError, TimeoutError, ssl.SSLError):
                    super().handle()

            def do_GET(self) -> None:
                req = Request(
                    "GET",
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    server.host,
                    server.port,
                    self.client_address[1],
                )
                with server._lock:
                    server.requests.append(req)
                server.gauge.enter(server.host)
                try:
                    self._answer(server._dispatch(req))
                except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                    self.close_connection = True  # the client gave up; that is its right
                finally:
                    server.gauge.leave(server.host)

            def _answer(self, resp: Response) -> None:
                self.send_response(resp.status)
                headers = {k.lower(): (k, v) for k, v in resp.headers.items()}
                for _key, (name, value) in headers.items():
                    self.send_header(name, value)
                body = resp.body
                if isinstance(body, bytes):
                    if "content-length" not in headers:
                        length = resp.length if resp.length is not None else len(body)
                        self.send_header("Content-Length", str(length))
                    self.end_headers()
                    if resp.status not in (204, 304):
                        self.wfile.write(body)
                    return
                chunked = resp.length is None
                if chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                else:
                    self.send_header("Content-Length", str(resp.length))
                self.end_headers()
                for piece in body:
                    if server._stopping.is_set():
                        break
                    if resp.chunk_delay:
                        time.sleep(resp.chunk_delay)
                    if not piece:
                        continue
                    if chunked:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    else:
                        self.wfile.write(piece)
                    self.wfile.flush()
                if chunked:
                    self.wfile.write(b"0\r\n\r\n")
                self.close_connection = server._stopping.is_set()

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean; requests are recorded in server.requests

        return Handler
