"""What a fetch is asked and what it comes to: :class:`FetchRequest`, :class:`FetchResult`.

Every failure is a :class:`FetchResult` with ``status="failed"``, a plain-words ``error`` that
names the feed, and a short ``error_kind`` (see :data:`ERROR_KINDS`). No network code here:
the fetcher is :mod:`tracker.fetch`, bodies and local files are read by
:mod:`tracker.fetch_body`.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

FetchStatus = Literal["ok", "not_modified", "unchanged", "failed"]

#: What each ``FetchResult.error_kind`` means (``http_<code>`` covers every HTTP status).
ERROR_KINDS = {
    "timeout": "no complete answer within the connect, read or total timeout",
    "connect": "the connection was refused, reset or broke",
    "dns": "the host name could not be resolved",
    "tls": "the TLS handshake failed (bad certificate, or not speaking TLS)",
    "http_<code>": "the server answered with that error status (http_404, http_500, http_429 ...)",
    "too_large": "the (decompressed) body passed the size cap",
    "redirect_loop": "a redirect led back to a URL already visited",
    "too_many_redirects": "more redirects than settings.max_redirects",
    "bad_redirect": "a redirect without a usable Location",
    "empty": "the server or file returned no bytes",
    "not_found": "a local file does not exist",
    "unreadable": "a local path exists but cannot be read (a directory, no permission)",
    "protocol": "the server broke HTTP (malformed response, cut-off body)",
    "decoding": "the body could not be decompressed or uses an unsupported encoding",
    "invalid_url": "the URL is malformed or uses an unsupported scheme",
    "error": "anything else (a bug: the message says what)",
}


@dataclass(frozen=True, slots=True)
class FetchRequest:
    """What to fetch, with what the caller remembers from the last successful poll."""

    feed: str
    url: str
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    max_bytes: int | None = None


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one fetch came to. ``body`` is set only when ``status == "ok"``.

    ``permanent_redirect`` is the new URL when every redirect hop was permanent (301/308):
    the caller should poll that URL from now on. ``retry_after`` is an absolute UTC time the
    server asked us to wait until (429/503 with Retry-After).
    """

    feed: str
    url: str
    final_url: str
    status: FetchStatus
    http_status: int | None = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    permanent_redirect: str | None = None
    retry_after: datetime | None = None
    error: str | None = None
    error_kind: str | None = None
    elapsed_s: float = 0.0


class FetchFailure(Exception):
    """Internal: carries a failure to the one place that turns it into a FetchResult."""

    def __init__(self, kind: str, message: str, **extra: object):
        super().__init__(message)
        self.kind = kind
        self.extra = extra


def sha256(body: bytes) -> str:
    """The content hash used by ``FetchResult.content_hash``: hex SHA-256 of the body."""
    return hashlib.sha256(body).hexdigest()


def failure_result(req: FetchRequest, kind: str, message: str, **extra: object) -> FetchResult:
    fields = {"final_url": req.url, **extra}
    return FetchResult(
        feed=req.feed,
        url=req.url,
        status="failed",
        error=f"{req.feed}: {message}",
        error_kind=kind,
        **fields,  # type: ignore[arg-type]
    )


def replace_elapsed(result: FetchResult, elapsed: float) -> FetchResult:
    return dataclasses.replace(result, elapsed_s=round(elapsed, 6))
