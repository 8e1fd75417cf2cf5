"""Reading what a fetch brings back: an HTTP body under the size cap, or a local file.

Bodies are read raw and decompressed here (gzip/deflate) rather than by httpx, so that the
size cap counts *decompressed* bytes and stops a decompression bomb after at most ``cap + 1``
bytes of output: zlib is asked for no more than the room left under the cap at each step.
Every problem raises :class:`~tracker.fetch_result._Failure`, which :mod:`tracker.fetch`
turns into a failed :class:`~tracker.fetch_result.FetchResult`.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import httpx

from tracker.fetch_result import FetchFailure, FetchRequest, FetchResult, sha256

_CHUNK = 64 * 1024

#: A 304 or an error page smaller than this is read to its end, so the connection can be
#: reused (closing a half-read response drops it: one more TCP and TLS handshake per poll).
_DRAIN_LIMIT = 64 * 1024


async def drain_body(response: httpx.Response) -> None:
    """Read (and discard) a short body so httpx can return the connection to its pool."""
    length = response.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > _DRAIN_LIMIT):
        return
    seen = 0
    try:
        async for chunk in response.aiter_raw():
            seen += len(chunk)
            if seen > _DRAIN_LIMIT:
                return
    except httpx.HTTPError:
        return


async def read_body(response: httpx.Response, cap: int, url: str) -> bytes:
    coding = response.headers.get("content-encoding", "").strip().lower()
    declared = response.headers.get("content-length", "")
    if coding in {"", "identity"} and declared.isdigit() and int(declared) > cap:
        raise FetchFailure("too_large", _too_large(cap, url, f"announced {int(declared):,} bytes"))
    decoder = _Decoder(coding)
    buf = bytearray()
    raw = 0
    async for chunk in response.aiter_raw(_CHUNK):
        raw += len(chunk)
        if raw > cap:  # even compressed, more than the cap is more than we will keep
            raise FetchFailure("too_large", _too_large(cap, url, f"{raw:,} bytes read"))
        for piece in decoder.feed(chunk, cap + 1 - len(buf)):
            buf += piece
            if len(buf) > cap:
                raise FetchFailure("too_large", _too_large(cap, url, f"{len(buf):,} bytes read"))
    buf += decoder.flush(cap + 1 - len(buf))
    if len(buf) > cap:
        raise FetchFailure("too_large", _too_large(cap, url, f"{len(buf):,} bytes read"))
    return bytes(buf)


def _too_large(cap: int, url: str, how: str) -> str:
    return f"the body of {url} is larger than the {cap:,}-byte cap; stopped ({how})"


class _Decoder:
    """Streaming gzip/deflate decoder that never produces more than it is asked for."""

    def __init__(self, coding: str):
        self._started = False
        self._deflate = coding == "deflate"
        if coding in {"", "identity"}:
            self._z = None
        elif coding in {"gzip", "x-gzip"}:
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif coding == "deflate":
            self._z = zlib.decompressobj()
        else:
            raise FetchFailure("decoding", f"unsupported content encoding {coding!r}")

    def feed(self, data: bytes, room: int) -> Iterator[bytes]:
        if self._z is None:
            yield data
            return
        while data:
            try:
                out = self._z.decompress(data, max(room, 1))
            except zlib.error as exc:
                if self._deflate and not self._started:
                    # "deflate" is meant to be zlib-wrapped, but some servers send raw deflate.
                    self._z, self._deflate = zlib.decompressobj(-zlib.MAX_WBITS), False
                    continue
                raise FetchFailure("decoding", f"corrupt compressed body: {exc}") from None
            self._started = True
            yield out
            room -= len(out)
            if room <= 0:
                return  # the caller has passed the cap and is about to stop
            if not out and self._z.unconsumed_tail == data:
                return
            data = self._z.unconsumed_tail

    def flush(self, room: int) -> bytes:
        if self._z is None:
            return b""
        try:
            return self._z.flush(max(room, 1))
        except zlib.error as exc:
            raise FetchFailure("decoding", f"corrupt compressed body: {exc}") from None


# --- files ----------------------------------------------------------------------------------


def is_local(url: str) -> bool:
    return "://" not in url or url.lower().startswith("file:")


def _local_path(url: str) -> Path:
    if "://" not in url:
        return Path(url).expanduser()
    parts = urlsplit(url)
    if parts.netloc not in {"", "localhost"}:
        raise FetchFailure("invalid_url", f"file URL {url!r} names a remote host {parts.netloc!r}")
    return Path(url2pathname(parts.path))


def read_file(req: FetchRequest, cap: int) -> FetchResult:
    path = _local_path(req.url)
    try:
        with path.open("rb") as f:
            body = f.read(cap + 1)
    except FileNotFoundError:
        raise FetchFailure("not_found", f"file {path} does not exist") from None
    except OSError as exc:
        raise FetchFailure("unreadable", f"cannot read {path}: {exc.strerror or exc}") from None
    if len(body) > cap:
        raise FetchFailure("too_large", f"file {path} is larger than the {cap:,}-byte cap")
    if not body:
        raise FetchFailure("empty", f"file {path} is empty")
    digest = sha256(body)
    unchanged = req.content_hash is not None and digest == req.content_hash
    return FetchResult(
        feed=req.feed,
        url=req.url,
        final_url=req.url,
        status="unchanged" if unchanged else "ok",
        body=None if unchanged else body,
        content_hash=digest,
    )
