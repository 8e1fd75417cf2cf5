"""The recording stage of a poll: fetched-and-parsed feeds become outcomes, batches and rows.

:func:`tracker.ingest.poll_feeds` feeds a :class:`Recorder` in the caller's thread, one feed
at a time as it arrives from fetching and parsing (:mod:`tracker.pipeline`). The recorder
fails a feed, notes it idle, or queues its entries; it records up to ``RECORD_EVERY`` queued
feeds in one transaction (a partial batch once it is big enough or has waited long enough),
then saves their feed-state rows, never before. Here too are what a poll reports:
:class:`FeedOutcome` per feed and the :class:`PollReport` of the whole poll.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from eventsourcing.persistence import PersistenceError

from tracker.application import TrackerApp
from tracker.backoff import next_poll_at
from tracker.commands import FeedBatch, RecordResult, record_batches, record_failure
from tracker.config import FeedConfig, Settings
from tracker.feedstate import FeedState, FeedStateStore
from tracker.fetch_result import FetchResult
from tracker.interpret import Interpreter
from tracker.parse import ParsedFeed
from tracker.pipeline import RECORD_EVERY, CachedExtractor, Readings, entry_text
from tracker.values import ParsedEntry

log = logging.getLogger("tracker.ingest")

#: A partly filled batch is recorded anyway once its oldest feed has waited this long (s).
FLUSH_AFTER = 2.0
#: With nothing else to do, the recorder writes a partial batch of at least this many feeds
#: rather than wait (the benchmark's first poll, medians of 8 runs: 7.0 s -> 6.3 s, as the
#: recorder no longer sits idle while the first full batch is being parsed).
IDLE_BATCH = 8

Clock = Callable[[], datetime]


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
    moved_to: str | None = None


@dataclass
class PollReport:
    """Every feed's outcome, in the order they finished, and where the log now ends."""

    outcomes: list[FeedOutcome] = field(default_factory=list)
    position: int | None = None  # last notification id written by this poll
    abandoned: list[str] = field(default_factory=list)  # stopped before recording
    elapsed_s: float = 0.0
    read_in_workers: int = 0  # entries the parse workers already read for the extractor

    @property
    def failed(self) -> list[FeedOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def new(self) -> int:
        return sum(o.new for o in self.outcomes)

    @property
    def revised(self) -> int:
        return sum(o.revised for o in self.outcomes)


Pending = tuple[FeedBatch, "FeedOutcome", FetchResult]


class Recorder:
    """The caller's side: turns fetched-and-parsed feeds into outcomes, batches and rows."""

    def __init__(
        self,
        app: TrackerApp,
        interpreter: Interpreter,
        feeds: Sequence[FeedConfig],
        store: FeedStateStore,
        states: dict[str, FeedState],
        settings: Settings,
        clock: Clock,
        on_outcome: Callable[[FeedOutcome], None] | None,
        jitter: Callable[[], float] | None,
        *,
        cache: bool,
    ):
        self.app = app
        self.by_name = {f.name: f for f in feeds}
        self.store = store
        self.states = states
        self.settings = settings
        self.clock = clock
        self.on_outcome = on_outcome
        self.backoff: dict[str, Any] = {"jitter": jitter} if jitter is not None else {}
        self.cached = CachedExtractor(interpreter.extractor) if cache else None
        self.interpreter = (
            dataclasses.replace(interpreter, extractor=self.cached) if self.cached else interpreter
        )
        self.report = PollReport()
        self.pending: list[Pending] = []
        self.pending_since = 0.0
        self.unsaved: list[FeedState] = []
        self.done: set[str] = set()

    def take(
        self, result: FetchResult, parsed: ParsedFeed | None, readings: Readings | None
    ) -> None:
        """One feed fetched (and parsed): fail it, note it idle, or queue its entries."""
        feed = self.by_name[result.feed]
        state = self.states[feed.name]
        outcome = FeedOutcome(
            feed=feed.name,
            status=result.status,
            http_status=result.http_status,
            elapsed_s=result.elapsed_s,
        )
        if result.status == "failed":
            self._fail(feed, state, outcome, result, result.error, result.error_kind)
            return
        if parsed is None:  # not_modified / unchanged: nothing to read
            self._idle(feed, state, outcome, result)
            return
        failure = _unusable(feed.name, parsed)
        if failure is not None:
            self._fail(feed, state, outcome, result, *failure)
            return
        # The validators of this body are kept once its entries are recorded (in flush):
        # a body that failed to parse or to record is fetched again next time.
        outcome.problem = _problem(parsed)
        outcome.entries = len(parsed.entries)
        if self.cached is not None and readings is not None:
            for pe, claims in zip(parsed.entries, readings, strict=True):
                text = entry_text(feed.name, pe)
                if text is not None and claims is not None:
                    self.cached.cache[text] = claims
        self._queue(feed, outcome, result, parsed.entries)

    def idle(self) -> None:
        """Nothing arrived for a moment: record a partial batch that is big enough or has
        waited long enough, instead of sitting idle."""
        if len(self.pending) >= IDLE_BATCH or (
            self.pending and time.monotonic() - self.pending_since >= FLUSH_AFTER
        ):
            self.flush()

    def flush(self) -> None:
        """Record the pending feeds in one transaction, then finish their outcomes.

        When the batch cannot be recorded for a reason of its own content (the extractor or
        the domain choking on one entry), each feed is recorded alone so that only the feed
        at fault fails; the store failing (PersistenceError) stops the poll.
        """
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        try:
            recorded = self._record(pending)
        except PersistenceError:
            raise
        except Exception:
            recorded = []
            for one in pending:
                try:
                    recorded += self._record([one])
                except PersistenceError:
                    raise
                except Exception as exc:
                    log.exception("recording %s failed", one[1].feed)
                    _, outcome, result = one
                    feed = self.by_name[outcome.feed]
                    error = f"{feed.name}: recording failed: {type(exc).__name__}: {exc}"
                    self._fail(feed, self.states[feed.name], outcome, result, error, "record")
        finally:
            if self.cached is not None:
                self.cached.cache.clear()
        for res, (_, outcome, result) in recorded:
            outcome.new, outcome.revised = res.new, res.revised
            state = self.states[outcome.feed]
            state.new_last_poll = res.new
            if result.status == "ok":
                state.etag, state.last_modified = result.etag, result.last_modified
                state.content_hash = result.content_hash
            if result.permanent_redirect:
                state.url = result.permanent_redirect
            self._finish(outcome, state, result, failed=False)
        self.save()

    def _record(self, pending: list[Pending]) -> list[tuple[RecordResult, Pending]]:
        batch = record_batches(self.app, self.interpreter, [b for b, _, _ in pending])
        if batch.position is not None:
            self.report.position = batch.position
        return list(zip(batch.results, pending, strict=True))

    def abandon(self, feeds: list[str]) -> list[str]:
        """Stop: forget unrecorded feeds (their state is not saved, so they are re-polled)."""
        for _, outcome, _ in self.pending:
            self.states.pop(outcome.feed, None)
        self.pending.clear()
        if self.cached is not None:
            self.cached.cache.clear()
        return [name for name in feeds if name not in self.done]

    def save(self) -> None:
        if self.unsaved:
            with self.app.write_lock:
                self.store.save(self.unsaved)
            self.unsaved = []

    # ------------------------------------------------------------------ helpers
    def _queue(
        self,
        feed: FeedConfig,
        outcome: FeedOutcome,
        result: FetchResult,
        entries: Sequence[ParsedEntry],
    ) -> None:
        if not self.pending:
            self.pending_since = time.monotonic()
        outcome.moved_to = result.permanent_redirect
        self.pending.append(
            (
                FeedBatch(
                    feed=feed,
                    entries=entries,
                    polled_at=self.clock(),
                    http_status=result.http_status,
                    moved_to=result.permanent_redirect,
                ),
                outcome,
                result,
            )
        )
        if len(self.pending) >= RECORD_EVERY:
            self.flush()

    def _idle(
        self, feed: FeedConfig, state: FeedState, outcome: FeedOutcome, result: FetchResult
    ) -> None:
        state.new_last_poll = 0
        outcome.problem = state.problem  # the same document as last time: the same problem
        state.etag = result.etag or state.etag
        state.last_modified = result.last_modified or state.last_modified
        if state.failures or result.permanent_redirect:
            # Nothing new, but the log must hear that a failure run ended or the feed moved.
            self._queue(feed, outcome, result, ())
            return
        self._finish(outcome, state, result, failed=False)

    def _fail(
        self,
        feed: FeedConfig,
        state: FeedState,
        outcome: FeedOutcome,
        result: FetchResult,
        error: str | None,
        kind: str | None,
    ) -> None:
        outcome.status = "failed"
        outcome.error = error or f"{feed.name}: unknown error"
        outcome.error_kind = kind or "error"
        if not state.failures:
            # Only the first failure of a run reaches the log; the state row counts the rest
            # without a write to the event store.
            record_failure(
                self.app, feed, failed_at=self.clock(), error=outcome.error, kind=outcome.error_kind
            )
        self._finish(outcome, state, result, failed=True)

    def _finish(
        self, outcome: FeedOutcome, state: FeedState, result: FetchResult, *, failed: bool
    ) -> None:
        now = self.clock()
        state.last_polled_at = now
        state.polls += 1
        state.http_status = result.http_status
        state.last_status = outcome.status
        if failed:
            state.failures += 1
            state.last_error, state.error_kind = outcome.error, outcome.error_kind
        else:
            state.failures = 0
            state.last_success_at = now
            state.last_error = state.error_kind = None
        state.problem = outcome.problem
        state.next_poll_at = next_poll_at(
            now,
            self.by_name[state.name].interval,
            state.failures,
            retry_after=result.retry_after,
            ceiling=self.settings.backoff_max,
            **self.backoff,
        )
        outcome.next_poll_at = state.next_poll_at
        self.unsaved.append(state)
        self.done.add(outcome.feed)
        self.report.outcomes.append(outcome)
        if self.on_outcome is not None:
            self.on_outcome(outcome)


def _unusable(feed: str, parsed: ParsedFeed) -> tuple[str, str] | None:
    """(error, kind) when a parsed document gives nothing to record and says why."""
    if not parsed.is_feed:
        return parsed.problem or f"{feed}: not a feed", "not_a_feed"
    if parsed.bozo and not (parsed.entries or parsed.title or parsed.link):
        # A broken document of which nothing at all was recovered: a failure (retried with
        # backoff), not an "ok" poll hiding that the feed is unreadable. A broken document
        # that still gave its title but no entries may simply be empty: degraded, not failed.
        return parsed.problem or f"{feed}: malformed feed, nothing recovered", "malformed"
    return None


def _problem(parsed: ParsedFeed) -> str | None:
    """The feed's problem plus a count of entries with problems of their own."""
    odd = [pe for pe in parsed.entries if pe.problems]
    if not odd:
        return parsed.problem
    first = odd[0].problems[0]
    note = f"{len(odd)} {'entry' if len(odd) == 1 else 'entries'} with problems (e.g. {first})"
    return f"{parsed.problem}; {note}" if parsed.problem else note
