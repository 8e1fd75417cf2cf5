"""Poll feeds: fetch (concurrently), parse, record; one feed's failure never stops the rest.

:func:`poll_feeds` is what ``tracker poll``, the daemon and the demo call. For each feed it
sends the validators remembered from the last poll (conditional GET, content hash), parses
what came back, and records new and revised entries in batched transactions. Every outcome
updates the feed's health row; only outcomes that change something reach the event log.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tracker.application import TrackerApp
from tracker.backoff import next_poll_at
from tracker.commands import FeedBatch, record_batches, record_failure
from tracker.config import FeedConfig, Settings
from tracker.fetch import FetchRequest, FetchResult, fetch_many
from tracker.feedstate import FeedState, FeedStateStore
from tracker.interpret import Interpreter
from tracker.parse import parse_feed

#: Feeds recorded per transaction: big enough to batch writes, small enough to bound memory.
RECORD_EVERY = 50


@dataclass
class FeedOutcome:
    """What happened to one feed in one poll (the row of the summary table)."""

    feed: str
    status: str  # ok | not_modified | unchanged | failed
    new: int = 0
    revised: int = 0
    entries: int = 0
    http_status: int | None = None
    error: str | None = None
    error_kind: str | None = None
    problem: str | None = None
    next_poll_at: datetime | None = None
    elapsed_s: float = 0.0


@dataclass
class PollReport:
    outcomes: list[FeedOutcome] = field(default_factory=list)
    position: int | None = None  # last notification id written by this poll

    @property
    def failed(self) -> list[FeedOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def new(self) -> int:
        return sum(o.new for o in self.outcomes)

    @property
    def revised(self) -> int:
        return sum(o.revised for o in self.outcomes)


def _state_for(feed: FeedConfig, states: dict[str, FeedState]) -> FeedState:
    state = states.get(feed.name)
    if state is None or state.config_url != feed.url:
        # New feed, or the user edited its URL: forget validators and remembered moves.
        state = FeedState(name=feed.name, config_url=feed.url, url=feed.url)
        states[feed.name] = state
    return state


def _request(feed: FeedConfig, state: FeedState) -> FetchRequest:
    return FetchRequest(
        feed=feed.name, url=state.url, etag=state.etag, last_modified=state.last_modified,
        content_hash=state.content_hash, max_bytes=feed.max_bytes,
    )


def poll_feeds(
    app: TrackerApp,
    interpreter: Interpreter,
    feeds: Sequence[FeedConfig],
    store: FeedStateStore,
    *,
    settings: Settings | None = None,
    clock: Callable[[], datetime],
    on_outcome: Callable[[FeedOutcome], None] | None = None,
    jitter: Callable[[], float] | None = None,
) -> PollReport:
    """Poll ``feeds`` once now and record what they bring.

    Never raises for a feed's own problems (network, HTTP, bad XML, not a feed): each is a
    failed :class:`FeedOutcome` with a reason, recorded in the feed's health row and, when a
    failure run starts, in the log.
    """
    settings = settings or Settings()
    states = store.load()
    by_name = {f.name: f for f in feeds}
    requests = [_request(f, _state_for(f, states)) for f in feeds]
    report = PollReport()
    pending: list[tuple[FeedBatch, FeedOutcome]] = []
    extra: dict[str, Any] = {"jitter": jitter} if jitter is not None else {}

    def finish(outcome: FeedOutcome, state: FeedState, failed: bool, result: FetchResult) -> None:
        now = clock()
        state.last_polled_at = now
        state.polls += 1
        state.http_status = result.http_status
        state.last_status = result.status
        if failed:
            state.failures += 1
            state.last_error, state.error_kind = outcome.error, outcome.error_kind
        else:
            state.failures = 0
            state.last_success_at = now
            state.last_error = state.error_kind = None
        state.problem = outcome.problem
        state.next_poll_at = next_poll_at(
            now, by_name[state.name].interval, state.failures,
            retry_after=result.retry_after, ceiling=settings.backoff_max, **extra,
        )
        outcome.next_poll_at = state.next_poll_at
        report.outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)

    def flush() -> None:
        if not pending:
            return
        batch = record_batches(app, interpreter, [b for b, _ in pending])
        for res, (_, outcome) in zip(batch.results, pending, strict=True):
            outcome.new, outcome.revised = res.new, res.revised
            states[outcome.feed].new_last_poll = res.new
        if batch.position is not None:
            report.position = batch.position
        for _, outcome in pending:
            finish(outcome, states[outcome.feed], False, _results[outcome.feed])
        pending.clear()

    _results: dict[str, FetchResult] = {}

    def handle(result: FetchResult) -> None:
        feed = by_name[result.feed]
        state = states[feed.name]
        outcome = FeedOutcome(
            feed=feed.name, status=result.status, http_status=result.http_status,
            elapsed_s=result.elapsed_s,
        )
        _results[feed.name] = result
        if result.status == "failed":
            outcome.error, outcome.error_kind = result.error, result.error_kind
            _fail(app, feed, outcome, clock)
            finish(outcome, state, True, result)
            return
        if result.status in ("not_modified", "unchanged"):
            state.new_last_poll = 0
            finish(outcome, state, False, result)
            return
        assert result.body is not None
        parsed = parse_feed(result.body, result.headers, feed=feed.name, url=result.final_url)
        if not parsed.is_feed:
            outcome.status = "failed"
            outcome.error = parsed.problem or f"{feed.name}: not a feed"
            outcome.error_kind = "not_a_feed"
            _fail(app, feed, outcome, clock)
            finish(outcome, state, True, result)
            return
        # Only a successfully parsed body updates the validators: a failed parse retries.
        state.etag, state.last_modified = result.etag, result.last_modified
        state.content_hash = result.content_hash
        if result.permanent_redirect:
            state.url = result.permanent_redirect
        outcome.problem = parsed.problem
        outcome.entries = len(parsed.entries)
        pending.append((
            FeedBatch(
                feed=feed, entries=parsed.entries, polled_at=clock(),
                http_status=result.http_status, moved_to=result.permanent_redirect,
            ),
            outcome,
        ))
        if len(pending) >= RECORD_EVERY:
            flush()

    fetch_many(
        requests, settings, concurrency=settings.concurrency, per_host=settings.per_host,
        on_result=handle, clock=clock,
    )
    flush()
    store.save(list(states[f.name] for f in feeds if f.name in states))
    return report


def _fail(app: TrackerApp, feed: FeedConfig, outcome: FeedOutcome, clock: Callable[[], datetime]) -> None:
    record_failure(
        app, feed, failed_at=clock(), error=outcome.error or "unknown error",
        kind=outcome.error_kind or "error",
    )
