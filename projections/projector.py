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

Performance (benchmarks/bench_projections.py, generated stores of 10k-1M events): only the
engagement, track and feed topics are read (``TOPICS``, filtered by the database: raw entries,
70% of the log, never reach Python); a batch is one ``select_notifications`` and one write
transaction of up to ``BATCH`` events (a rebuild at 1000 spent a third of its time committing;
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
from projections.views import Batch, ReadModel, ts
from tracker.application import TrackerApp
from tracker.domain import Feed, Track
from tracker.engagement import Engagement

NAME = "tracker.briefing"
BATCH = 4000


def _topics() -> list[str]:
    out = []
    for agg in (Engagement, Track, Feed):
        for attr in dir(agg):
            cls = getattr(agg, attr)
            topic = getattr(cls, "TOPIC", None) if isinstance(cls, type) else None
            if topic and not topic.startswith("tracker.Track.EngagementIndexed"):
                out.append(topic)
    return sorted(set(out))


TOPICS = _topics()


def _engagement(e: Any) -> bool:
    return isinstance(e, Engagement.Event)


@dataclass
class CatchUpResult:
    events: int = 0
    batches: int = 0
    position: int = 0


class BriefingProjector:
    """Maintains engagements, changes, citations, track items and feed rows."""

    name = NAME

    def __init__(self, app: TrackerApp, view: ReadModel):
        self.app = app
        self.view = view
        # Keyed by the aggregates' UUIDs (hashing one is cheap; formatting one is not).
        self._track_slugs: dict[UUID, str] = {}
        self._feed_names: dict[UUID, str] = {}
        self._engagements = EngagementRows(app, view)
        self._windows_at = -1  # the tracking position the recent-event windows are valid at

    # ------------------------------------------------------------------ running
    def position(self) -> int:
        return self.view.max_tracking_id(self.name) or 0

    def backlog(self) -> int:
        """Notifications (of any topic) written after our position: an upper bound of work."""
        return max(0, self.app.max_notification_id() - self.position())

    def catch_up(
        self,
        *,
        batch_size: int = BATCH,
        progress: Callable[[int], None] | None = None,
        until: int | None = None,
    ) -> CatchUpResult:
        """Process everything in the log after our position (or up to ``until``)."""
        result = CatchUpResult(position=self.position())
        self._load_names()
        if result.position != self._windows_at:  # someone else moved the read model
            self._engagements.forget()
        latest = ""  # recorded_at of the latest event folded
        while until is None or result.position < until:
            notes = self.app.recorder.select_notifications(
                start=result.position,
                limit=batch_size,
                topics=TOPICS,
                inclusive_of_start=False,
                stop=until,
            )
            if not notes:
                break
            events: list[Any] = [self.app.mapper.to_domain_event(n) for n in notes]
            try:
                batch = self.process(events)
                self.view.write(batch, Tracking(self.name, notes[-1].id))
            except IntegrityError:
                # Another projector advanced first: start again from where it got to.
                self._engagements.forget()
                result.position = self.position()
                self._load_names()
                continue
            except BaseException:
                # What is in memory may be ahead of the database now.
                self._engagements.forget()
                self._windows_at = -1
                raise
            result.position = self._windows_at = notes[-1].id
            self._engagements.prune()
            latest = max(latest, ts(max(e.timestamp for e in events)))
            result.events += len(notes)
            result.batches += 1
            if progress is not None:
                progress(len(notes))
        if latest:
            refresh_summaries(self.view, latest)
        return result

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
