"""The concurrent stages of a poll: fetching on an event loop, parsing off it.

Split from :mod:`tracker.ingest`, which wires the stages together; :mod:`tracker.recorder`
records what they produce. The fetcher runs an asyncio loop in a thread of its own with one
shared httpx client (bounded concurrency overall and per host, and a window of feeds fetched
but not yet recorded); the parser turns bodies into entries in a thread or in worker
processes, which can also run the (pure) extractor ahead of the recorder. See
:mod:`tracker.ingest` for the measurements behind these choices.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import multiprocessing
import os
import pickle
import queue
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from tracker.config import Settings
from tracker.entry import Entry
from tracker.fetch import afetch, make_client
from tracker.fetch_result import FetchRequest, FetchResult
from tracker.interpret import Extractor
from tracker.parse import ParsedFeed, parse_feed
from tracker.values import Claim, EntryText, ParsedEntry, utc

log = logging.getLogger("tracker.ingest")

#: Feeds recorded per transaction: big enough to batch writes, small enough to bound memory.
RECORD_EVERY = 50
#: Polls of at least this many feeds parse in worker processes (when there are 2+ cores).
PROCESS_POOL_MIN = 24
#: Most connections a poll keeps open (in flight are bounded by ``settings.concurrency``).
MAX_CONNECTIONS = 256

Clock = Callable[[], datetime]


def host_of(url: str) -> str:
    """The host name that per-host politeness counts by ('' for local files)."""
    if "://" not in url or url.lower().startswith("file:"):
        return ""
    return urlsplit(url).hostname or ""


def interleave_hosts(requests: list[FetchRequest]) -> list[FetchRequest]:
    """Round-robin over hosts, so a long run of one host's feeds does not go first and
    leave the other hosts' slots idle while it waits on its per-host limit."""
    by_host: dict[str, list[FetchRequest]] = {}
    for r in requests:
        by_host.setdefault(host_of(r.url), []).append(r)
    out: list[FetchRequest] = []
    lanes = list(by_host.values())
    for i in range(max((len(lane) for lane in lanes), default=0)):
        out.extend(lane[i] for lane in lanes if i < len(lane))
    return out


def parse_mode(feeds: int) -> str:
    if feeds >= PROCESS_POOL_MIN and (os.cpu_count() or 1) >= 2:
        return "process"
    return "thread"


# --- parsing (and pre-extraction) -------------------------------------------------------

_WORKER_EXTRACTOR: Extractor | None = None


def _init_worker(extractor_blob: bytes | None) -> None:
    """Worker process start-up: ignore Ctrl-C (the parent decides) and load the extractor."""
    global _WORKER_EXTRACTOR
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _WORKER_EXTRACTOR = pickle.loads(extractor_blob) if extractor_blob else None
    except Exception:  # an extractor that cannot travel is simply run in the parent
        _WORKER_EXTRACTOR = None


def entry_text(feed: str, entry: ParsedEntry) -> EntryText | None:
    """The text the recorder hands the extractor for a *dated* entry (None when undated:
    an undated entry's date comes from the store, which only the recorder can read)."""
    if entry.published_at is None:
        return None
    return EntryText(
        title=entry.title,
        summary=entry.summary,
        published_at=utc(entry.published_at),
        link=entry.link,
        source=feed,
        id=str(Entry.create_id(feed, entry.identity)),
    )


Readings = list[list[Claim] | None]


def _parse_job(
    body: bytes, headers: dict[str, str], feed: str, url: str, extract: bool
) -> tuple[ParsedFeed, Readings | None]:
    parsed = parse_feed(body, headers, feed=feed, url=url)
    extractor = _WORKER_EXTRACTOR if extract else None
    if extractor is None or not parsed.is_feed:
        return parsed, None
    readings: Readings = []
    for pe in parsed.entries:
        text = entry_text(feed, pe)
        readings.append(None if text is None else extractor(text))
    return parsed, readings


class Parser:
    """Where parsing runs: a pool of worker processes, one thread, or inline on the loop."""

    def __init__(self, mode: str, extractor: Extractor):
        self.mode = mode
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="tracker-parse")
        self._pool: Executor | None = None
        self._extract = False
        if mode == "process":
            try:
                blob: bytes | None = pickle.dumps(extractor)
            except Exception:  # e.g. a closure: parse in workers, extract here
                blob = None
            self._extract = blob is not None
            ctx = multiprocessing.get_context("forkserver")
            # Workers fork from a clean single-threaded server with the parser imported once.
            ctx.set_forkserver_preload(["tracker.ingest"])
            self._pool = ProcessPoolExecutor(
                max_workers=min(2, os.cpu_count() or 1),
                mp_context=ctx,
                initializer=_init_worker,
                initargs=(blob,),
            )

    async def parse(self, result: FetchResult) -> tuple[ParsedFeed, Readings | None]:
        assert result.body is not None
        args = (result.body, result.headers, result.feed, result.final_url)
        loop = asyncio.get_running_loop()
        if self.mode == "inline":
            return _parse_job(*args, False)
        if self._pool is not None:
            try:
                return await loop.run_in_executor(self._pool, _parse_job, *args, self._extract)
            except (asyncio.CancelledError, KeyboardInterrupt):
                raise
            except Exception:  # a broken pool (a worker killed): parse here instead
                pass
        return await loop.run_in_executor(self._thread, _parse_job, *args, False)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._thread.shutdown(wait=False, cancel_futures=True)


# --- fetching -----------------------------------------------------------------------------

_DONE = object()
Item = tuple[FetchResult, ParsedFeed | None, Readings | None]


class Fetcher:
    """Fetches (and parses) on an event loop in its own thread; results go to a queue."""

    def __init__(
        self, requests: list[FetchRequest], settings: Settings, clock: Clock, parser: Parser
    ):
        self.requests = requests
        self.settings = settings
        self.clock = clock
        self.parser = parser
        self.stopped = False
        self.window_size = settings.concurrency + RECORD_EVERY
        # Room in the pool for a kept-alive connection per host slot: requests go round-robin
        # over hosts, and a smaller pool closes each connection before its host's next turn
        # (measured: 200 feeds on 20 hosts opened 200 connections with a pool of 16, 26 now).
        hosts = len({host_of(r.url) for r in requests})
        self.connections = min(
            MAX_CONNECTIONS, max(settings.concurrency, hosts * settings.per_host)
        )
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._main: asyncio.Task[None] | None = None
        self._window: asyncio.Semaphore | None = None
        self._thread = threading.Thread(target=self._run, name="tracker-fetch", daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._ready.wait()

    def items(self, stop: threading.Event | None) -> Iterator[Item | None]:
        """Finished feeds as they come; None when nothing came for a moment (idle tick)."""
        while True:
            if stop is not None and stop.is_set() and not self.stopped:
                self.stopped = True
                self._call(lambda: self._main.cancel() if self._main else None)
            try:
                item = self._queue.get(timeout=0.05)
            except queue.Empty:
                yield None
                continue
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            if not self.stopped:
                yield item

    def release(self) -> None:
        """The recorder took one feed: let one more be fetched."""
        self._call(lambda: self._window.release() if self._window else None)

    def close(self) -> None:
        if self._thread.is_alive():
            self.stopped = True
            self._call(lambda: self._main.cancel() if self._main else None)
            self._thread.join(timeout=30)

    def _call(self, fn: Callable[[], Any]) -> None:
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already finished
                loop.call_soon_threadsafe(fn)

    def _run(self) -> None:
        try:
            asyncio.run(self._fetch_all())
        except BaseException as exc:  # a bug here must reach the caller, not vanish
            if not isinstance(exc, asyncio.CancelledError):
                self._queue.put(exc)
        finally:
            self._ready.set()
            self._queue.put(_DONE)

    async def _fetch_all(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._main = asyncio.current_task()
        s = self.settings
        self._window = asyncio.Semaphore(self.window_size)
        overall = asyncio.Semaphore(s.concurrency)
        hosts: dict[str, asyncio.Semaphore] = {}
        self._ready.set()
        async with make_client(s, connections=self.connections) as client:

            async def one(req: FetchRequest) -> None:
                host = host_of(req.url)
                gate = hosts.setdefault(
                    host, asyncio.Semaphore(s.per_host if host else s.concurrency)
                )
                # Host slot first (a task queueing for a busy host holds nothing else), then
                # room in the window (the recorder keeps up), then a global slot.
                async with gate:
                    assert self._window is not None
                    await self._window.acquire()
                    async with overall:
                        result = await afetch(req, s, client=client, clock=self.clock)
                parsed: ParsedFeed | None = None
                readings: Readings | None = None
                if result.status == "ok":
                    parsed, readings = await self.parser.parse(result)
                    result = dataclasses.replace(result, body=None)  # parsed: drop the bytes
                self._queue.put((result, parsed, readings))

            await asyncio.gather(*(one(r) for r in self.requests))


# --- recording ------------------------------------------------------------------------------


class CachedExtractor:
    """The interpreter's extractor, answering first from readings made in worker processes."""

    def __init__(self, inner: Extractor):
        self.inner = inner
        self.version = inner.version
        self.cache: dict[EntryText, list[Claim]] = {}
        self.hits = 0

    def __call__(self, text: EntryText) -> list[Claim]:
        hit = self.cache.pop(text, None)
        if hit is None:
            return self.inner(text)
        self.hits += 1
        return list(hit)

    def mentions(self, text: str) -> set[str]:
        return self.inner.mentions(text)

    def venue_country(self, venue: str) -> str | None:
        return self.inner.venue_country(venue)

    def leader_of(self, party: str, on: Any) -> str | None:
        return self.inner.leader_of(party, on)

    def __getattr__(self, name: str) -> Any:
        # Every other question (a leader's title, a place's kind …) is the inner extractor's:
        # without this, the interpreter's optional lookups fell back to their defaults in
        # process-mode polls only, and a summit's head got a generic title there.
        return getattr(self.inner, name)
