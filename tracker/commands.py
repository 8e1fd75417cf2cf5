"""Write commands: record polled entries, record failures and moves, re-extract history.

Each command runs in one unit of work (one transaction) and is idempotent: recording the same
entries twice appends nothing, because entry ids are ``uuid5`` of feed + identity and an
unchanged entry is skipped before anything is built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from tracker.application import TrackerApp, UnitOfWork, run_with_retry
from tracker.config import FeedConfig
from tracker.entry import Entry, evidence_for, story_key
from tracker.feed import Feed
from tracker.interpret import Interpreter
from tracker.values import EntryText, ParsedEntry, utc


@dataclass
class FeedBatch:
    """One feed's parsed entries from one poll."""

    feed: FeedConfig
    entries: Sequence[ParsedEntry]
    polled_at: datetime
    http_status: int | None = None
    moved_to: str | None = None


@dataclass
class RecordResult:
    """What recording one feed's batch did."""

    feed: str
    new: int = 0
    revised: int = 0
    unchanged: int = 0
    capped: int = 0
    claims: int = 0
    entry_ids: list[UUID] = field(default_factory=list)


@dataclass
class BatchResult:
    results: list[RecordResult]
    position: int | None  # notification id of the last event written (None: nothing written)

    @property
    def new(self) -> int:
        return sum(r.new for r in self.results)

    @property
    def revised(self) -> int:
        return sum(r.revised for r in self.results)


def _register_feed(uow: UnitOfWork, feed: FeedConfig) -> Feed:
    agg = uow.get(Feed.create_id(feed.name))
    if agg is None:
        agg = Feed(name=feed.name, url=feed.url)
        uow.add(agg)
    return agg


def _record_entry(
    uow: UnitOfWork,
    interpreter: Interpreter,
    batch: FeedBatch,
    pe: ParsedEntry,
    result: RecordResult,
) -> None:
    name = batch.feed.name
    polled_at = utc(batch.polled_at)
    entry_id = Entry.create_id(name, pe.identity)
    existing: Entry | None = uow.get(entry_id)
    if existing is not None and pe.content_hash == existing.content_hash:
        result.unchanged += 1
        return
    if existing is not None and not existing.can_revise(pe.content_hash):
        result.capped += 1
        return
    inferred = pe.published_at is None
    published = (
        utc(pe.published_at)
        if pe.published_at
        else (existing.published_at if existing is not None else polled_at)
    )
    text = EntryText(
        title=pe.title,
        summary=pe.summary,
        published_at=published,
        link=pe.link,
        source=name,
        id=str(entry_id),
    )
    claims, tracks = interpreter.read(text, batch.feed, uow)
    story = story_key(name, pe.title)
    evidence = evidence_for(
        entry_id,
        title=pe.title,
        link=pe.link,
        feed=name,
        published_at=published,
        extractor_version=interpreter.version,
    )
    if existing is not None and claims == existing.claims and tracks == existing.tracks:
        targets = list(existing.targets)
    else:
        if existing is not None:
            interpreter.retract(
                uow, entry_id=entry_id, targets=existing.targets, published_at=published
            )
        targets = interpreter.apply(
            uow,
            entry_id=entry_id,
            evidence=evidence,
            story=story,
            claims=claims,
            tracks=tracks,
        )
    result.claims += len(claims)
    fields: dict[str, Any] = dict(
        title=pe.title,
        summary=pe.summary,
        link=pe.link,
        published_at=published,
        content_hash=pe.content_hash,
        story=story,
        extractor_version=interpreter.version,
        claims=claims,
        tracks=tracks,
        targets=targets,
    )
    if existing is None:
        uow.add(
            Entry(
                feed=name,
                identity=pe.identity,
                guid=pe.guid,
                author=pe.author,
                published_inferred=inferred,
                **fields,
            )
        )
        result.new += 1
    else:
        existing.revise(**fields)
        result.revised += 1
    result.entry_ids.append(entry_id)


def _record(
    uow: UnitOfWork, interpreter: Interpreter, batches: Sequence[FeedBatch]
) -> list[RecordResult]:
    """Record every feed's entries in ONE published order across the feeds of the batch.

    The engagement aggregates decide in the order they are told things; telling them in
    published order (not feed by feed) keeps, say, an earlier outlet's report of a head from
    being taken as a correction of a later one.
    """
    results = [RecordResult(feed=b.feed.name) for b in batches]
    feeds = []
    for b in batches:
        agg = _register_feed(uow, b.feed)
        if b.moved_to:
            agg.move(b.moved_to)
        feeds.append(agg)
    queue: list[tuple[datetime, int, int, ParsedEntry]] = []
    seen: set[UUID] = set()
    for bi, b in enumerate(batches):
        polled_at = utc(b.polled_at)
        for ei, pe in enumerate(b.entries):
            entry_id = Entry.create_id(b.feed.name, pe.identity)
            if entry_id in seen:
                continue  # the same entry twice in one document
            seen.add(entry_id)
            queue.append((utc(pe.published_at or polled_at), bi, ei, pe))
    queue.sort(key=lambda q: (q[0], q[1], q[2]))
    unknown = [i for i in seen if i not in uow.loaded]
    uow.known_missing(set(unknown) - uow.app.existing(unknown))
    for _, bi, _, pe in queue:
        _record_entry(uow, interpreter, batches[bi], pe, results[bi])
    for b, agg, res in zip(batches, feeds, results, strict=True):
        agg.record_poll(
            polled_at=utc(b.polled_at),
            new=res.new,
            revised=res.revised,
            http_status=b.http_status,
        )
    return results


def record_batches(
    app: TrackerApp, interpreter: Interpreter, batches: Sequence[FeedBatch]
) -> BatchResult:
    """Record several feeds' polls in one transaction (the ingest path's batched write)."""

    def work(uow: UnitOfWork) -> list[RecordResult]:
        return _record(uow, interpreter, batches)

    results, position = run_with_retry(app, work)
    return BatchResult(results=results, position=position)


def record_entries(
    app: TrackerApp,
    interpreter: Interpreter,
    feed: FeedConfig,
    entries: Sequence[ParsedEntry],
    *,
    polled_at: datetime,
    http_status: int | None = None,
) -> RecordResult:
    """Record one feed's parsed entries (idempotent: a second call appends nothing)."""
    batch = FeedBatch(feed=feed, entries=entries, polled_at=polled_at, http_status=http_status)
    return record_batches(app, interpreter, [batch]).results[0]


def record_failure(
    app: TrackerApp, feed: FeedConfig, *, failed_at: datetime, error: str, kind: str
) -> None:
    """Note a failed poll (only the first failure of a run reaches the log)."""

    def work(uow: UnitOfWork) -> None:
        _register_feed(uow, feed).record_failure(failed_at=utc(failed_at), error=error, kind=kind)

    run_with_retry(app, work)


@dataclass
class ReextractResult:
    entries: int = 0
    changed: int = 0
    version: str = ""


def reextract(
    app: TrackerApp,
    interpreter: Interpreter,
    feeds: Iterable[FeedConfig] = (),
    *,
    batch_size: int = 200,
    progress: Callable[[int], None] | None = None,
) -> ReextractResult:
    """Re-read every recorded entry with the current extractor and apply what changed.

    Entries whose reading is unchanged append nothing; for the others the old claims are
    retracted and the new ones applied, every event stamped with the new extractor version.
    """
    by_name = {f.name: f for f in feeds}
    result = ReextractResult(version=interpreter.version)
    pending: list[UUID] = []

    def flush() -> None:
        ids = list(pending)
        pending.clear()

        def work(uow: UnitOfWork) -> int:
            changed = 0
            for entry_id in ids:
                entry: Entry | None = uow.get(entry_id)
                if entry is None:
                    continue
                claims, tracks = interpreter.read(entry.text(), by_name.get(entry.feed), uow)
                if claims == entry.claims and tracks == entry.tracks:
                    continue
                interpreter.retract(
                    uow, entry_id=entry_id, targets=entry.targets, published_at=entry.published_at
                )
                evidence = evidence_for(
                    entry_id,
                    title=entry.title,
                    link=entry.link,
                    feed=entry.feed,
                    published_at=entry.published_at,
                    extractor_version=interpreter.version,
                )
                targets = interpreter.apply(
                    uow,
                    entry_id=entry_id,
                    evidence=evidence,
                    story=entry.story,
                    claims=claims,
                    tracks=tracks,
                )
                entry.reinterpret(
                    extractor_version=interpreter.version,
                    claims=claims,
                    tracks=tracks,
                    targets=targets,
                )
                changed += 1
            return changed

        changed, _ = run_with_retry(app, work)
        result.changed += changed

    for entry_id in app.iter_entry_ids():
        pending.append(entry_id)
        result.entries += 1
        if len(pending) >= batch_size:
            flush()
        if progress is not None:
            progress(result.entries)
    if pending:
        flush()
    return result
