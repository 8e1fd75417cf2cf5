"""Poll feeds: fetch concurrently, parse off the event loop, record in batched transactions.

:func:`poll_feeds` is what ``tracker poll``, the daemon and the demo call. For each feed it
sends the validators remembered from the last poll (conditional GET, content hash), parses
what came back, and records new and revised entries. Every outcome updates the feed's health
row (:mod:`tracker.feedstate`); only outcomes that change something reach the event log (new
or revised entries, a failure starting or ending, a permanent redirect). One feed's failure
never stops the rest: it becomes a failed :class:`FeedOutcome` with a reason.

The pipeline has three stages, so that no stage waits for another::

    fetch thread: asyncio + one httpx client    parse: worker process(es) or a thread
    (global, per-host and window semaphores) --> (parse_feed, and pre-extraction)  --+
                                                                                      |
    caller's thread: records RECORD_EVERY feeds per transaction  <-- queue <---------+

* Fetching runs on an event loop in a thread of its own (:func:`tracker.fetch.afetch` with one
  shared client). Bounded concurrency overall and per host, as in ``fetch_many``; a *window*
  bounds feeds fetched but not yet taken by the recorder, so a slow recorder stops the
  fetching instead of piling up bodies: memory is bounded by ``window x cap`` at worst and by
  ``window x feed size`` in practice. Bodies are dropped as soon as they are parsed.
* Parsing does not run on the event loop (it took the loop for ~30 ms per 50-entry feed, during
  which no socket was read). Large polls parse in a pool of worker processes, which on the
  same trip also run the extractor over every dated entry: extraction is pure, and it is the
  largest single cost of recording (~1 ms per entry). The recorder then finds those readings
  in a cache keyed by the exact text it would have given the extractor, so the events are
  identical to an unassisted poll; anything missing is read in-process as before. Small polls
  (the daemon polls one feed per job) parse in one thread: a pool costs more to start than
  it saves (break-even measured near 24 feeds). ``parse_in="inline"`` (on the loop) remains
  for measurements.
* Recording (:mod:`tracker.recorder`; and the extractor's misses) happens in the caller's
  thread, one transaction per batch of up to ``RECORD_EVERY`` feeds, under the application's
  write lock. Feed state rows are saved after each batch commits, never before, so a crash or
  an abandoned poll at worst re-polls a feed, which appends nothing for entries already
  recorded.

Measured on 2 cores (a shared machine: medians of 3 runs), 200 feeds x 50 real-looking
entries served from 20 loopback hosts, real extractor, fresh SQLite store (see
``benchmarks/bench_poll.py``; bare ``feedparser.parse`` over the same bytes takes 4.6-5.7 s):
parsing on the event loop 12.0 s, in one thread 11.4 s, in two worker processes 8.7 s,
in two worker processes that also pre-extract 7.6 s (what is kept). What remains is mostly
recording: two SELECTs per entry to learn it is new, then the inserts.

A poll can be stopped (``stop`` event, e.g. SIGTERM in the daemon): fetches in flight are
cancelled and parsed-but-unrecorded feeds are abandoned. Nothing half-done is kept, because
each batch is one all-or-nothing transaction and the state of an abandoned feed is not saved:
the next poll simply fetches it again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime

from tracker.application import TrackerApp
from tracker.config import FeedConfig, Settings
from tracker.feedstate import FeedState, FeedStateStore
from tracker.fetch_result import FetchRequest
from tracker.interpret import Interpreter
from tracker.pipeline import Fetcher, Parser, interleave_hosts, parse_mode
from tracker.recorder import FeedOutcome, PollReport, Recorder

Clock = Callable[[], datetime]


def poll_feeds(
    app: TrackerApp,
    interpreter: Interpreter,
    feeds: Sequence[FeedConfig],
    store: FeedStateStore,
    *,
    settings: Settings | None = None,
    clock: Clock,
    on_outcome: Callable[[FeedOutcome], None] | None = None,
    on_fetched: Callable[[str, str], None] | None = None,
    jitter: Callable[[], float] | None = None,
    stop: threading.Event | None = None,
    parse_in: str | None = None,
) -> PollReport:
    """Poll ``feeds`` once now and record what they bring.

    Args:
        app: the event store application.
        interpreter: reads entries into claims and routes them (the extractor inside).
        feeds: the feeds to poll (each at most once).
        store: the feed state table (validators, health, next poll).
        settings: fetch settings (timeouts, caps, concurrency); defaults when None.
        clock: the wall clock (poll times, next poll).
        on_outcome: called in the caller's thread as each feed's outcome is final (for
            feeds with entries, once their batch is recorded).
        on_fetched: called in the caller's thread with (feed name, fetch status) as each
            feed arrives from fetching and parsing (a progress bar's tick).
        jitter: the backoff's randomness (see :func:`tracker.backoff.next_poll_at`).
        stop: when set, the poll stops early: unfinished feeds are abandoned, not recorded.
        parse_in: ``"process"``, ``"thread"`` or ``"inline"``; None chooses by poll size.

    Returns:
        A :class:`PollReport`. Never raises for a feed's own problems (network, HTTP, bad
        XML, not a feed): each is a failed outcome with a reason, kept in the feed's health
        row and, when a run of failures starts, in the log.
    """
    started = time.perf_counter()
    settings = settings or Settings()
    # A few feeds (a daemon job polls one) read just their rows; a big poll reads them all.
    states = store.load([f.name for f in feeds] if len(feeds) <= 100 else None)
    requests = interleave_hosts([_request(f, _state_for(f, states)) for f in feeds])
    mode = parse_in or parse_mode(len(requests))
    recorder = Recorder(
        app,
        interpreter,
        feeds,
        store,
        states,
        settings,
        clock,
        on_outcome,
        jitter,
        cache=mode == "process",
    )
    parser = Parser(mode, interpreter.extractor)
    fetcher = Fetcher(requests, settings, clock, parser)
    try:
        fetcher.start()
        for item in fetcher.items(stop):
            if item is None:
                recorder.idle()
                continue
            fetcher.release()
            if on_fetched is not None:
                on_fetched(item[0].feed, item[0].status)
            recorder.take(*item)
        if fetcher.stopped:
            recorder.report.abandoned = recorder.abandon([r.feed for r in requests])
        else:
            recorder.flush()
    finally:
        fetcher.close()
        parser.close()
        recorder.save()
    if recorder.cached is not None:
        recorder.report.read_in_workers = recorder.cached.hits
    recorder.report.elapsed_s = round(time.perf_counter() - started, 6)
    return recorder.report


# --- requests ---------------------------------------------------------------------------


def _state_for(feed: FeedConfig, states: dict[str, FeedState]) -> FeedState:
    state = states.get(feed.name)
    if state is None or state.config_url != feed.url:
        # New feed, or the user edited its URL: forget validators and remembered moves.
        state = FeedState(name=feed.name, config_url=feed.url, url=feed.url)
        states[feed.name] = state
    return state


def _request(feed: FeedConfig, state: FeedState) -> FetchRequest:
    return FetchRequest(
        feed=feed.name,
        url=state.url,
        etag=state.etag,
        last_modified=state.last_modified,
        content_hash=state.content_hash,
        max_bytes=feed.max_bytes,
    )
