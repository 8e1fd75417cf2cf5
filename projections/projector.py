"""The briefing projection: pulls the notification log and maintains the read model.

Works the same on SQLite (which cannot push notifications) and PostgreSQL: it reads the log
from the read model's tracking position, folds a batch of events in memory, and writes the
batch together with the new tracking position in one transaction. A crash loses nothing and
repeats nothing; a second projector racing on the same store loses the tracking insert and
simply re-reads.

Engagement rows are bitemporal: ``clock='published'`` rows say what the briefing looked like
for readers of everything published up to a time (an out-of-order backfill rewrites that
engagement's published history); ``clock='recorded'`` rows say what this system showed at a
time, and are only ever appended.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Tracking

from projections.briefing import apply, name_of, new_state, order_key, visible
from projections.views import OPEN, PUBLISHED, RECORDED, Batch, Head, ReadModel, ts
from tracker.application import TrackerApp
from tracker.domain import Feed, Track
from tracker.engagement import Engagement

NAME = "tracker.briefing"


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


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


def _key(event: Any) -> str:
    published, version = order_key(event)
    return f"{ts(published)}|{version:010d}"


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
        self._track_slugs: dict[str, str] = {}
        self._feed_names: dict[str, str] = {}

    # ------------------------------------------------------------------ running
    def position(self) -> int:
        return self.view.max_tracking_id(self.name) or 0

    def backlog(self) -> int:
        """Notifications (of any topic) written after our position: an upper bound of work."""
        return max(0, self.app.max_notification_id() - self.position())

    def catch_up(
        self,
        *,
        batch_size: int = 1000,
        progress: Callable[[int], None] | None = None,
        until: int | None = None,
    ) -> CatchUpResult:
        """Process everything in the log after our position (or up to ``until``)."""
        result = CatchUpResult(position=self.position())
        self._load_names()
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
            events = [self.app.mapper.to_domain_event(n) for n in notes]
            batch = self.process(events)
            try:
                self.view.write(batch, Tracking(self.name, notes[-1].id))
            except IntegrityError:
                # Another projector advanced first: start again from where it got to.
                result.position = self.position()
                self._load_names()
                continue
            result.position = notes[-1].id
            result.events += len(notes)
            result.batches += 1
            if progress is not None:
                progress(len(notes))
        return result

    def _load_names(self) -> None:
        for t in self.view.tracks():
            self._track_slugs[str(Track.create_id(t["slug"]))] = t["slug"]
        for f in self.view.feeds():
            self._feed_names[str(Feed.create_id(f["name"]))] = f["name"]

    # ------------------------------------------------------------------ folding
    def process(self, events: Sequence[Any]) -> Batch:
        """Fold a batch of events into a :class:`Batch` of row changes (no writes)."""
        batch = Batch()
        eng_ids = sorted({str(e.originator_id) for e in events if isinstance(e, Engagement.Event)})
        heads = self.view.load_heads(eng_ids) if eng_ids else {}
        feed_names = [
            self._feed_names[str(e.originator_id)]
            for e in events
            if isinstance(e, Feed.Event) and str(e.originator_id) in self._feed_names
        ]
        feeds = self.view.load_feed_rows(sorted(set(feed_names)))
        pending_citations: dict[tuple[str, int], list[Any]] = {}
        for e in events:
            if isinstance(e, Engagement.Event):
                self._engagement(e, heads, batch, pending_citations)
            elif isinstance(e, Track.Event):
                self._track(e, batch)
            elif isinstance(e, Feed.Event):
                self._feed(e, feeds, batch)
        batch.citations = [tuple(r) for r in pending_citations.values()]
        return batch

    def _engagement(
        self,
        e: Any,
        heads: dict[str, Head],
        batch: Batch,
        citations: dict[tuple[str, int], list[Any]],
    ) -> None:
        eid = str(e.originator_id)
        name = name_of(e)
        if name == "Opened":
            # No row yet: an engagement becomes visible with its first claim.
            state = new_state(e)
            empty = _dumps(state)
            head = Head(
                eid,
                e.track,
                state,
                None,
                None,
                _key(e),
                e.originator_version,
                0,
                open_published_json=empty,
                open_recorded_json=empty,
            )
            heads[eid] = head
            batch.heads[eid] = head
            return
        found = heads.get(eid)
        if found is None:  # events of an engagement we never saw open: rebuild it from its stream
            self._recompute(eid, e, heads, batch, citations)
            return
        head = found
        if e.originator_version <= head.version:
            return  # already folded (a replayed batch)
        evidence = getattr(e, "evidence", None)
        if evidence is not None:
            batch.entries[evidence.entry_id] = (
                evidence.entry_id,
                evidence.title,
                evidence.link,
                evidence.source,
                ts(evidence.published_at),
            )
        if name == "ClaimRetracted":
            at = ts(e.timestamp)
            batch.retractions.append((eid, e.entry_id, e.originator_version, at))
            for (ceid, version), row in citations.items():
                if ceid == eid and row[4] == e.entry_id and version < e.originator_version:
                    row[9] = at
            retracted = head.state.setdefault("retracted_entries", [])
            if e.entry_id not in retracted:
                retracted.append(e.entry_id)
            self._recompute(eid, e, heads, batch, citations)
            return
        if _key(e) < head.last_key:
            self._recompute(eid, e, heads, batch, citations)
            return
        before = head.open_recorded_json or _dumps(head.state)
        changes, citation = apply(head.state, e)
        after = _dumps(head.state)
        head.last_key = _key(e)
        head.version = e.originator_version
        batch.heads[eid] = head
        if citation is not None:
            citations[(eid, e.originator_version)] = self._citation(head, e, citation)
        for ch in changes:
            batch.changes.append(self._change_row(head, e, ch))
        if after != before:
            self._put_version(batch, head, PUBLISHED, ts(e.published_at), after)
            self._put_version(batch, head, RECORDED, ts(e.timestamp), after)

    def _citation(self, head: Head, e: Any, citation: Any) -> list[Any]:
        return [
            head.engagement_id,
            e.originator_version,
            head.track,
            citation.field,
            citation.entry_id,
            citation.story,
            ts(e.published_at),
            ts(e.timestamp),
            e.extractor_version,
            None,
        ]

    def _change_row(self, head: Head, e: Any, ch: dict[str, Any]) -> tuple[Any, ...]:
        detail = {k: v for k, v in ch.items() if k not in ("field", "old", "new")}
        detail["engagement"] = {
            "kind": head.state["kind"],
            "parties": head.state["parties"],
            "venue": head.state["venue"],
            "date": head.state["date"],
        }
        evidence = getattr(e, "evidence", None)
        retracted = head.state.get("retracted_entries") or []
        cause = "extractor" if evidence is not None and evidence.entry_id in retracted else "news"
        if evidence is not None:
            detail["evidence"] = {
                "title": evidence.title,
                "link": evidence.link,
                "source": evidence.source,
                "published_at": ts(evidence.published_at),
            }
        head.changes += 1
        return (
            head.engagement_id,
            head.changes,
            head.track,
            ch["field"],
            _dumps(ch["old"]),
            _dumps(ch["new"]),
            _dumps(detail),
            ts(e.published_at),
            ts(e.timestamp),
            evidence.entry_id if evidence is not None else None,
            getattr(e, "extractor_version", None),
            cause,
        )

    def _put_version(self, batch: Batch, head: Head, clock: str, at: str, state: str) -> None:
        """Close the engagement's open row for ``clock`` at ``at`` and open a new one."""
        open_from = head.open_published if clock == PUBLISHED else head.open_recorded
        if open_from is not None and open_from != at:
            key = (head.engagement_id, clock, open_from)
            prev = batch.versions.get(key)
            if prev is not None:
                batch.versions[key] = (head.track, at, prev[2])
            else:
                # The open row is in the database: rewrite it closed, with its own state.
                own = head.open_published_json if clock == PUBLISHED else head.open_recorded_json
                batch.versions[key] = (head.track, at, own)
        batch.versions[(head.engagement_id, clock, at)] = (head.track, OPEN, state)
        if clock == PUBLISHED:
            head.open_published, head.open_published_json = at, state
        else:
            head.open_recorded, head.open_recorded_json = at, state

    def _recompute(
        self,
        eid: str,
        e: Any,
        heads: dict[str, Head],
        batch: Batch,
        citations: dict[tuple[str, int], list[Any]],
    ) -> None:
        """Re-fold one engagement from its stream (an out-of-order event or a retraction)."""
        stream: list[Any] = list(self.app.events.get(UUID(eid), lte=e.originator_version))
        opened = stream[0]
        state = new_state(opened)
        old = heads.get(eid)
        retracted = sorted({x.entry_id for x in stream if name_of(x) == "ClaimRetracted"})
        if retracted:
            state["retracted_entries"] = retracted
        head = Head(
            eid,
            opened.track,
            state,
            None,
            old.open_recorded if old else None,
            _key(opened),
            e.originator_version,
            0,
            open_recorded_json=old.open_recorded_json if old else "",
        )
        # Published history of this engagement is rewritten from scratch.
        batch.replaced.add(eid)
        for key in [k for k in batch.versions if k[0] == eid and k[1] == PUBLISHED]:
            del batch.versions[key]
        batch.changes = [row for row in batch.changes if row[0] != eid]
        rows: dict[str, str] = {}
        last = _dumps(state)
        for x in sorted(visible(stream), key=order_key):
            changes, citation = apply(state, x)
            head.last_key = max(head.last_key, _key(x))
            if citation is not None and (eid, x.originator_version) not in citations:
                citations[(eid, x.originator_version)] = self._citation(head, x, citation)
            ev = getattr(x, "evidence", None)
            if ev is not None:
                batch.entries[ev.entry_id] = (
                    ev.entry_id,
                    ev.title,
                    ev.link,
                    ev.source,
                    ts(ev.published_at),
                )
            for ch in changes:
                batch.changes.append(self._change_row(head, x, ch))
            now = _dumps(state)
            if now != last:
                rows[ts(x.published_at)] = now
                last = now
        froms = sorted(rows)
        for i, frm in enumerate(froms):
            to = froms[i + 1] if i + 1 < len(froms) else OPEN
            batch.versions[(eid, PUBLISHED, frm)] = (head.track, to, rows[frm])
        if froms:
            head.open_published, head.open_published_json = froms[-1], rows[froms[-1]]
        if head.open_recorded_json != last:
            self._put_version(batch, head, RECORDED, ts(e.timestamp), last)
        heads[eid] = head
        batch.heads[eid] = head

    # ------------------------------------------------------------------ tracks, feeds
    def _track(self, e: Any, batch: Batch) -> None:
        tid = str(e.originator_id)
        name = name_of(e)
        if name == "Started":
            self._track_slugs[tid] = e.slug
            batch.tracks[e.slug] = (e.slug, e.title, _dumps(list(e.parties)), ts(e.timestamp))
            return
        slug = self._track_slugs.get(tid)
        if slug is None:
            return
        if name in ("PositionStated", "DevelopmentReported"):
            ev = e.evidence
            batch.entries[ev.entry_id] = (
                ev.entry_id,
                ev.title,
                ev.link,
                ev.source,
                ts(ev.published_at),
            )
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
                    _dumps(payload),
                )
            )
        elif name == "ClaimsRetracted":
            at = ts(e.timestamp)
            batch.item_retractions.append((slug, e.entry_id, at, at))
            batch.items = [
                (*row[:8], at, row[9]) if row[1] == slug and row[4] == e.entry_id else row
                for row in batch.items
            ]

    def _feed(self, e: Any, feeds: dict[str, dict[str, Any]], batch: Batch) -> None:
        fid = str(e.originator_id)
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
            row["last_new_at"] = ts(e.polled_at)
        elif name == "FailureStarted":
            row.update(failing_since=ts(e.failed_at), last_error=e.error, error_kind=e.kind)
        elif name == "FailureEnded":
            row["failing_since"] = None
        elif name == "Moved":
            row.update(url=e.new_url, moved_from=e.old_url)
        batch.feeds[fname] = row
