"""The briefing projection: pulls the notification log and maintains the read model.

Works the same on SQLite (which cannot push notifications) and PostgreSQL: it reads the log
from the read model's tracking position, folds a batch of events in memory, and writes the
batch together with the new tracking position in one transaction. A crash loses nothing and
repeats nothing; a second projector racing on the same store loses the tracking insert and
simply re-reads.

Engagement rows are bitemporal: ``clock='published'`` rows say what the briefing looked like
for readers of everything published up to a time (an out-of-order backfill rewrites that
engagement's published history from its place on); ``clock='recorded'`` rows say what this
system showed at a time, and are only ever appended. How each engagement event is folded,
and what that costs, is in :mod:`projections.engagements`.

**Partitions.** The projection is kept in ``PARTITIONS`` partitions
(:class:`PartitionProjector`), each tracked under its own name (``tracker.briefing.0of2``...)
in the same tracking table, each writing its rows and its position in one transaction as
above. Every aggregate's events belong to one partition, decided by the aggregate's id
(:func:`projections.views.partition_of`); the database picks each partition's share out of
the log (``ReadModel.notifications``), so a partition neither reads nor decodes the others'.
Nothing a partition folds depends on another's rows: an engagement's versions, changes,
citations, head and evidence summary are its own; a track's items and row are its track's,
a feed's row its feed's. So the partitions can run in separate processes at once (``tracker
rebuild``, :mod:`projections.rebuild`). :class:`BriefingProjector` catches them up one after
the other in-process (the live catch-up after every poll and before every read).

A partition's position is a position in the whole log: when a read comes back short, the
partition has seen all of its share up to the end of the log as it was when the read began
(notification ids follow commit order on both backends), and records that end. The
projection's position is the lowest of its partitions': every partition has projected the
log up to there (after a catch-up with no writer about, the end of the log).

Performance (benchmarks/bench_projections.py, generated stores of 10k-1M events): only the
engagement, track and feed topics are read (``TOPICS``, filtered by the database: raw entries,
70% of the log, never reach Python); a batch is one read and one write transaction of up to
``BATCH`` events (a rebuild at 1000 spent a third of its time committing;
at 4000 the memory of the rebuild stays well under 150 MB). Between batches the projector
keeps only the engagements in play (:class:`projections.engagements.EngagementRows`); after
catching up it summarises the evidence of engagements gone quiet (projections.evidence).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Tracking

from projections.briefing import name_of
from projections.engagements import EngagementRows, Step, dumps
from projections.evidence import refresh_summaries
from projections.views import (
    BRIEFING,
    PARTITIONS,
    Batch,
    ReadModel,
    partition_of,
    tracking_name,
    ts,
)
from tracker.application import TrackerApp
from tracker.engagement import Engagement
from tracker.feed import Feed
from tracker.track import Track

NAME = BRIEFING
BATCH = 4000


def _topics_of(*aggregates: type) -> list[str]:
    out = []
    for agg in aggregates:
        for attr in dir(agg):
            cls = getattr(agg, attr)
            topic = getattr(cls, "TOPIC", None) if isinstance(cls, type) else None
            if topic and not topic.startswith("tracker.Track.EngagementIndexed"):
                out.append(topic)
    return sorted(set(out))


TOPICS = _topics_of(Engagement, Track, Feed)


def _engagement(e: Any) -> bool:
    return isinstance(e, Engagement.Event)


@dataclass
class CatchUpResult:
    """What a catch-up did. ``position``: where it got to (the lowest of its partitions')."""

    events: int = 0  # events decoded and folded
    batches: int = 0
    position: int = 0
    latest: str = ""  # recorded_at of the latest event folded (storage timestamp)
    peak_rss_mb: float | None = None  # of the process that ran it, when it was a worker


class BriefingProjector:
    """The briefing projection: its partitions, caught up together in this process."""

    name = NAME

    def __init__(self, app: TrackerApp, view: ReadModel, partitions: int = PARTITIONS):
        self.app = app
        self.view = view
        self.partitions = [
            PartitionProjector(app, view, part, partitions) for part in range(partitions)
        ]

    def forget(self) -> None:
        """Drop what the partitions keep in memory between batches (the read model moved)."""
        for p in self.partitions:
            p.forget()

    def positions(self) -> list[int]:
        """Each partition's tracking position."""
        return [p.position() for p in self.partitions]

    def position(self) -> int:
        """Where the projection is: every partition has projected the log up to here."""
        return min(self.positions())

    def catch_up(
        self,
        *,
        batch_size: int = BATCH,
        progress: Callable[[int], None] | None = None,
        until: int | None = None,
    ) -> CatchUpResult:
        """Catch every partition up, each from its own position, then refresh summaries.

        ``progress`` is called after each batch with the number of events it folded.
        """
        done = [
            p.catch_up(batch_size=batch_size, progress=progress, until=until)
            for p in self.partitions
        ]
        return combine(self.view, done)


def combine(view: ReadModel, done: Sequence[CatchUpResult]) -> CatchUpResult:
    """The result of catching up every partition; summarises what is quiet across them all.

    Each partition summarised its own engagements against its own latest event; measured
    against the latest of all, a few more may be due (a partition that saw nothing new
    for days still has engagements going quiet).
    """
    latest = max((r.latest for r in done), default="")
    if latest:
        refresh_summaries(view, latest)
    peaks = [r.peak_rss_mb for r in done if r.peak_rss_mb is not None]
    return CatchUpResult(
        events=sum(r.events for r in done),
        batches=sum(r.batches for r in done),
        position=min((r.position for r in done), default=0),
        latest=latest,
        # Workers run at the same time: together they may have held this much.
        peak_rss_mb=sum(peaks) if peaks else None,
    )


class PartitionProjector:
    """One partition of the briefing: the rows of its engagements, tracks and feeds; tracked
    under its own name (:func:`tracking_name`)."""

    def __init__(
        self, app: TrackerApp, view: ReadModel, part: int = 0, partitions: int = PARTITIONS
    ):
        if not 0 <= part < partitions:
            raise ValueError(f"partition {part} of {partitions}")
        self.app = app
        self.view = view
        self.part, self.partitions = part, partitions
        self.name = tracking_name(part, partitions)
        # Keyed by the aggregates' UUIDs (hashing one is cheap; formatting one is not).
        self._track_slugs: dict[UUID, str] = {}
        self._feed_names: dict[UUID, str] = {}
        self._engagements = EngagementRows(app, view)
        self._windows_at = -1  # the tracking position the recent-event windows are valid at

    # ------------------------------------------------------------------ running
    def position(self) -> int:
        return self.view.max_tracking_id(self.name) or 0

    def forget(self) -> None:
        """Drop the engagements kept in memory; the next catch-up reads them afresh."""
        self._engagements.forget()
        self._windows_at = -1

    def catch_up(
        self,
        *,
        batch_size: int = BATCH,
        progress: Callable[[int], None] | None = None,
        until: int | None = None,
    ) -> CatchUpResult:
        """Process this partition's share of the log after its position (or up to ``until``).

        ``progress`` is called after each batch with the number of events it folded.
        """
        result = CatchUpResult(position=self.position())
        self._load_names()
        if result.position != self._windows_at:  # someone else moved the read model
            self.forget()
        table = self.app.recorder.events_table_name  # type: ignore[attr-defined]
        while until is None or result.position < until:
            end = self.app.max_notification_id() or 0
            if until is not None:
                end = min(end, until)
            if end <= result.position:
                break
            notes = self.view.notifications(
                table, result.position, end, batch_size, TOPICS, self.part, self.partitions
            )
            # A short read saw all of our share up to ``end``: the position moves there
            # even when none of it was ours.
            reached = notes[-1].id if len(notes) == batch_size else end
            events: list[Any] = [self.app.mapper.to_domain_event(n) for n in notes]
            try:
                # The fold's reads share one read transaction (on PostgreSQL each on its own
                # cost a BEGIN, a search_path and a COMMIT round trip, some 1700 per 1M).
                with self.view.reading():
                    batch = self.process(events) if events else Batch()
                self.view.write(batch, Tracking(self.name, reached))
            except IntegrityError:
                # Another projector advanced first: go on from where it got to.
                self._engagements.forget()
                result.position = self.position()
                self._load_names()
                continue
            except BaseException:
                self.forget()  # what is in memory may be ahead of the database now
                raise
            result.position = self._windows_at = reached
            result.batches += 1
            if events:
                self._engagements.prune()
                result.latest = max(result.latest, ts(max(e.timestamp for e in events)))
                result.events += len(events)
                if progress is not None:
                    progress(len(events))
        if result.latest:
            refresh_summaries(self.view, result.latest, keep=self._owns_engagement)
        return result

    def _owns_engagement(self, engagement_id: str) -> bool:
        return partition_of(engagement_id, self.partitions) == self.part

    def _load_names(self) -> None:
        for t in self.view.tracks():
            self._track_slugs[Track.create_id(t["slug"])] = t["slug"]
        for f in self.view.feeds():
            self._feed_names[Feed.create_id(f["name"])] = f["name"]

    # ------------------------------------------------------------------ folding
    def process(self, events: Sequence[Any]) -> Batch:
        """Fold a batch of events into a :class:`Batch` of row changes (no writes)."""
        engaged = {id(e): str(e.originator_id) for e in events if _engagement(e)}
        self._engagements.load(set(engaged.values()))
        step = Step()
        feed_names = [
            self._feed_names[e.originator_id]
            for e in events
            if isinstance(e, Feed.Event) and e.originator_id in self._feed_names
        ]
        feeds = self.view.load_feed_rows(sorted(set(feed_names)))
        batch = step.batch
        for e in events:
            eid = engaged.get(id(e))
            if eid is not None:
                self._engagements.fold(eid, e, step)
            elif isinstance(e, Track.Event):
                self._track(e, batch)
            elif isinstance(e, Feed.Event):
                self._feed(e, feeds, batch)
        for row in batch.feeds.values():  # polls keep their time as is until here
            if isinstance(row.get("last_new_at"), datetime):
                row["last_new_at"] = ts(row["last_new_at"])
        return step.finish()

    # ------------------------------------------------------------------ tracks, feeds
    def _track(self, e: Any, batch: Batch) -> None:
        tid = e.originator_id
        name = name_of(e)
        if name == "Started":
            self._track_slugs[tid] = e.slug
            batch.tracks[e.slug] = (e.slug, e.title, dumps(list(e.parties)), ts(e.timestamp))
            return
        slug = self._track_slugs.get(tid)
        if slug is None:
            return
        if name in ("PositionStated", "DevelopmentReported"):
            ev = e.evidence
            if name == "PositionStated":
                kind, fact, story = "position", None, None
                payload = {"party": e.party, "person": e.person, "stance": e.stance}
            else:
                kind, fact, story = "development", e.fact, e.story
                payload = {
                    "type": e.type,
                    "parties": list(e.parties),
                    "date": e.effective_on.isoformat() if e.effective_on else None,
                }
            payload["extractor_version"] = e.extractor_version
            batch.items.append(
                (
                    f"{tid}:{e.originator_version}",
                    slug,
                    kind,
                    fact,
                    ev.entry_id,
                    story,
                    ts(e.published_at),
                    ts(e.timestamp),
                    None,
                    dumps(payload),
                    ev.title,
                    ev.link,
                    ev.source,
                )
            )
        elif name == "ClaimsRetracted":
            at = ts(e.timestamp)
            batch.item_retractions.append((slug, e.entry_id, at, at))
            batch.items = [
                (*row[:8], at, *row[9:]) if row[1] == slug and row[4] == e.entry_id else row
                for row in batch.items
            ]

    def _feed(self, e: Any, feeds: dict[str, dict[str, Any]], batch: Batch) -> None:
        fid = e.originator_id
        name = name_of(e)
        if name == "Registered":
            self._feed_names[fid] = e.name
            row = {"name": e.name, "url": e.url, "entries": 0, "registered_at": ts(e.timestamp)}
            feeds[e.name] = row
            batch.feeds[e.name] = row
            return
        fname = self._feed_names.get(fid)
        if fname is None or fname not in feeds:
            return
        row = feeds[fname]
        if name == "Polled":
            row["entries"] = int(row["entries"]) + e.new_entries
            row["last_new_at"] = e.polled_at
        elif name == "FailureStarted":
            row.update(failing_since=ts(e.failed_at), last_error=e.error, error_kind=e.kind)
        elif name == "FailureEnded":
            row["failing_since"] = None
        elif name == "Moved":
            row.update(url=e.new_url, moved_from=e.old_url)
        batch.feeds[fname] = row
