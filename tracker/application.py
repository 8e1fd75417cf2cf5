"""The eventsourcing Application: transcodings, idempotent commands and simple queries.

One application (``name = "tracker"``) holds every aggregate, so the notification log gives
one total order for projections. Commands take parsed entries (already fetched) and record
them together with their consequences (claims routed to tracks, engagements updated) in one
transaction: a crash leaves either all of an ingest batch or none of it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoding

from tracker.engagement import Engagement
from tracker.entry import Entry
from tracker.errors import TrackerError
from tracker.feed import Feed
from tracker.track import Track
from tracker.values import Claim, ClaimType, DatePrecision, DelegationLevel, Evidence


class _DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class _EnumAsValue(Transcoding):
    def __init__(self, enum_type: type, name: str):
        self.type = enum_type
        self.name = name

    def encode(self, obj: Any) -> str:
        return obj.value

    def decode(self, data: str) -> Any:
        return self.type(data)


class _ClaimAsDict(Transcoding):
    type = Claim
    name = "claim"

    def encode(self, obj: Claim) -> dict[str, Any]:
        return obj.to_json()

    def decode(self, data: dict[str, Any]) -> Claim:
        return Claim.from_json(data)


class _EvidenceAsDict(Transcoding):
    type = Evidence
    name = "evidence"

    def encode(self, obj: Evidence) -> dict[str, Any]:
        return {
            "entry_id": obj.entry_id,
            "title": obj.title,
            "link": obj.link,
            "source": obj.source,
            "published_at": obj.published_at,
            "extractor_version": obj.extractor_version,
            "span": obj.span,
        }

    def decode(self, data: dict[str, Any]) -> Evidence:
        return Evidence(**data)


def register_tracker_transcodings(transcoder: JSONTranscoder) -> None:
    """Teach a JSON transcoder the tracker's value types (dates, enums, claims, evidence)."""
    transcoder.register(_DateAsISO())
    transcoder.register(_EnumAsValue(DelegationLevel, "delegation_level"))
    transcoder.register(_EnumAsValue(ClaimType, "claim_type"))
    transcoder.register(_EnumAsValue(DatePrecision, "date_precision"))
    transcoder.register(_ClaimAsDict())
    transcoder.register(_EvidenceAsDict())


class TrackerApp(Application[UUID]):
    """The tracker's event store. Build it through ``tracker.bootstrap``, not directly."""

    name = "tracker"
    snapshotting_intervals = {Track: 100, Engagement: 100, Feed: 100}
    log_section_size = 1000

    def __init__(self, env: dict[str, str] | None = None) -> None:
        if not env or not env.get("PERSISTENCE_MODULE"):
            # eventsourcing would silently keep everything in memory: refuse instead.
            raise TrackerError("TrackerApp needs an explicit PERSISTENCE_MODULE (use a store URL)")
        super().__init__(env=env)
        # One writer at a time inside a process; across processes optimistic concurrency
        # (IntegrityError) makes the loser retry.
        self.write_lock = threading.RLock()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_tracker_transcodings(transcoder)

    # ------------------------------------------------------------------ queries
    def get_or_none(self, aggregate_id: UUID) -> Any | None:
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def get_feed(self, name: str) -> Feed | None:
        return self.get_or_none(Feed.create_id(name))

    def get_entry(self, feed: str, identity: str) -> Entry | None:
        return self.get_or_none(Entry.create_id(feed, identity))

    def get_track(self, slug: str) -> Track | None:
        return self.get_or_none(Track.create_id(slug))

    def existing(self, ids: Sequence[UUID]) -> set[UUID]:
        """Which of ``ids`` already have events: one query per 500 ids, not two per id.

        Recording a poll asks this before loading entries, so a first poll of 10,000 new
        entries does not pay for 10,000 snapshot and event lookups that find nothing.
        """
        found: set[UUID] = set()
        recorder: Any = self.recorder
        table = recorder.events_table_name
        datastore = recorder.datastore
        for i in range(0, len(ids), 500):
            chunk = list(ids[i : i + 500])
            if hasattr(datastore, "schema"):  # PostgreSQL: uuid column, schema-qualified
                sql = (
                    f'SELECT DISTINCT originator_id FROM "{datastore.schema}"."{table}" '
                    "WHERE originator_id = ANY(%s)"
                )
                params: Any = (chunk,)
            else:  # SQLite: hex text
                marks = ",".join("?" * len(chunk))
                sql = f"SELECT DISTINCT originator_id FROM {table} WHERE originator_id IN ({marks})"
                params = [u.hex for u in chunk]
            with datastore.transaction(commit=False) as c:
                c.execute(sql, params)
                for row in c.fetchall():
                    value = row["originator_id"] if isinstance(row, dict) else row[0]
                    found.add(value if isinstance(value, UUID) else UUID(str(value)))
        return found

    def max_notification_id(self) -> int:
        return self.recorder.max_notification_id() or 0

    def iter_entry_ids(self, batch: int = 1000) -> Iterator[UUID]:
        """The id of every recorded entry, in log order (reads the log, not an index)."""
        start = 0
        while True:
            notes = self.recorder.select_notifications(
                start=start, limit=batch, topics=[Entry.Recorded.TOPIC], inclusive_of_start=False
            )
            if not notes:
                return
            for n in notes:
                yield n.originator_id  # type: ignore[misc]
            start = notes[-1].id


@dataclass
class UnitOfWork:
    """Aggregates loaded or created during one command, saved together in one transaction."""

    app: TrackerApp
    loaded: dict[UUID, Aggregate | None] = field(default_factory=dict)

    def get(self, aggregate_id: UUID) -> Any | None:
        if aggregate_id not in self.loaded:
            self.loaded[aggregate_id] = self.app.get_or_none(aggregate_id)
        return self.loaded[aggregate_id]

    def add(self, aggregate: Aggregate) -> None:
        self.loaded[aggregate.id] = aggregate

    def known_missing(self, ids: Iterable[UUID]) -> None:
        """Remember that these ids have no events (so ``get`` need not look them up)."""
        for aggregate_id in ids:
            self.loaded.setdefault(aggregate_id, None)

    def pending(self) -> list[Aggregate]:
        return [a for a in self.loaded.values() if a is not None and a.pending_events]

    def commit(self) -> int | None:
        """Save every changed aggregate atomically; returns the last notification id."""
        changed = self.pending()
        if not changed:
            return None
        recordings = self.app.save(*changed)
        return recordings[-1].notification.id if recordings else None


def run_with_retry(app: TrackerApp, work: Any, attempts: int = 4) -> Any:
    """Run ``work(uow)`` and commit; on a concurrent write, reload everything and redo it.

    Raises:
        IntegrityError: still conflicting after ``attempts`` tries.
    """
    with app.write_lock:
        for attempt in range(attempts):
            uow = UnitOfWork(app)
            result = work(uow)
            try:
                position = uow.commit()
            except IntegrityError:
                if attempt == attempts - 1:
                    raise
                continue
            return result, position
    raise AssertionError("unreachable")


def ensure_tracks(app: TrackerApp, tracks: Sequence[Any]) -> None:
    """Start a Track aggregate for every configured track (idempotent)."""

    def work(uow: UnitOfWork) -> None:
        for t in tracks:
            if uow.get(Track.create_id(t.slug)) is None:
                uow.add(Track(slug=t.slug, title=t.title or t.slug, parties=list(t.parties)))

    run_with_retry(app, work)


def utcnow() -> datetime:
    from datetime import UTC

    return datetime.now(UTC)
