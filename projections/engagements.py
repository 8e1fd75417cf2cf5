"""Engagement rows: folding each engagement event into bitemporal versions, changes, citations.

Used by :class:`projections.projector.BriefingProjector` for every ``Engagement`` event, in
log (recorded) order. Three paths, cheapest first:

- **in order** (published no earlier than anything folded before): ``apply`` to the head's
  state; a new published row and a new recorded row when the state changed.
- **late** (published before something already folded; in practice half of all events,
  because outlets publish in one order and feeds are polled in another): the published rows
  hold the fold's whole state at every change, so the state just before the event is the row
  valid at its ``published_at`` (it has the highest version, so it sorts after every event
  published at the same instant). The fold is deterministic: when the event changes nothing
  there, nothing later changes either and only its citation is new (the common case: one more
  report of a known fact). Otherwise only what was published from then on is folded again,
  from that row.
- **retracted** (a re-extraction withdrew an entry): the same partial re-fold, from the
  entry's ``published_at``, without the withdrawn claims.

A re-fold needs the events published after a point. The projector keeps, per engagement,
the decoded events of the last ``WINDOW`` of published time (:class:`Window`), so a re-fold
reads the store only for a backfill older than that; the window does not grow with history.

Measured (benchmarks/bench_projections.py, stores from benchmarks/gen_store.py): re-folding
the whole stream of an engagement for every late event (the first design) made a 100k-event
rebuild 300x slower than reading the log; the quiet check alone brought it to 10x; partial
re-folds from the window to 4x; the rest (comparing parsed states instead of serialising,
folding a late event straight into the head when nothing changed since, formatting each
timestamp once) to about 3x. Where a rebuild of the 1M-event store spends its CPU on SQLite
(seconds): reading 2.9 and decoding 6.6 (the baseline), folding 7.2 (a third of it
``briefing.apply`` itself, called 265k times), writing 2.3, window upkeep 0.5, evidence
summaries 1.5. Per event, folding costs about what decoding does; halving the rest would
need ``apply`` to say whether it changed the state, or a second core (two processes, each
folding half of the engagements under its own tracking name).
"""

from __future__ import annotations

import json
import marshal
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from projections.briefing import apply, name_of, new_state, order_key, visible
from projections.views import OPEN, PUBLISHED, RECORDED, Batch, Head, ReadModel, ts
from tracker.application import TrackerApp

#: Published time of recent events kept per engagement, so late events re-fold from memory.
WINDOW = timedelta(days=3)
_TICK = timedelta(microseconds=1)


def dumps(value: Any) -> str:
    """The canonical JSON of a state or a change value (sorted keys: equal states, equal text)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def key_of(event: Any) -> str:
    """Published order as a string: ``ts(published_at)|version``."""
    published, version = order_key(event)
    return f"{ts(published)}|{version:010d}"


@dataclass
class Window:
    """Recent decoded events of one engagement: every visible one published after ``floor``."""

    floor: datetime | None  # None: since the engagement opened
    events: list[Any] = field(default_factory=list)
    seen: datetime | None = None  # recorded_at of the engagement's latest event
    latest: datetime | None = None  # the latest published_at among ``events``
    earliest: datetime | None = None  # the earliest
    withdrawn: bool = False  # ``events`` holds a retraction

    def add(self, e: Any) -> None:
        self.events.append(e)
        self.seen = e.timestamp
        published = e.published_at
        if self.latest is None or published > self.latest:
            self.latest = published
        if self.earliest is None or published < self.earliest:
            self.earliest = published
        self.withdrawn = self.withdrawn or name_of(e) == "ClaimRetracted"

    def covers(self, start: datetime) -> bool:
        """True when every visible event published at ``start`` or later is in the list."""
        return self.floor is None or start > self.floor


@dataclass
class Step:
    """One batch being folded: the rows to write (:meth:`finish` puts them in ``batch``)."""

    batch: Batch = field(default_factory=Batch)
    citations: dict[tuple[str, int], list[Any]] = field(default_factory=dict)
    # Published rows and changes by engagement, so a re-fold finds its own in no time.
    published: dict[str, dict[str, tuple[str, str, str]]] = field(default_factory=dict)
    changes: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    # state JSON -> (its parsed value, a marshal copy: loads twice as fast as JSON)
    parsed: dict[str, tuple[Any, bytes]] = field(default_factory=dict)

    def finish(self) -> Batch:
        b = self.batch
        for eid, rows in self.published.items():
            for frm, row in rows.items():
                b.versions[(eid, PUBLISHED, frm)] = row
        b.changes = [row for rows in self.changes.values() for row in rows]
        b.citations = [tuple(r) for r in self.citations.values()]
        return b


class EngagementRows:
    """Folds engagement events into a :class:`Step`.

    Between batches it remembers the engagements in play (heads, published rows, recent
    events), which is only right while this projector is the read model's only writer: the
    projector calls :meth:`forget` whenever the tracking position is not the one it wrote.
    """

    def __init__(self, app: TrackerApp, view: ReadModel):
        self.app = app
        self.view = view
        self.heads: dict[str, Head] = {}
        self.windows: dict[str, Window] = {}
        # engagement id -> valid_from -> state of its published rows; ``merged``: with the
        # database's rows (else only those written since it was first seen)
        self.timelines: dict[str, dict[str, str]] = {}
        self.merged: set[str] = set()
        self.initial: dict[str, str] = {}  # engagement id -> state as just opened

    def load(self, engagement_ids: set[str]) -> None:
        """Read the heads of the engagements a batch touches that are not in memory."""
        missing = sorted(i for i in engagement_ids if i not in self.heads)
        if missing:
            self.heads.update(self.view.load_heads(missing))

    def forget(self) -> None:
        for memo in (self.heads, self.windows, self.timelines, self.initial):
            memo.clear()
        self.merged.clear()

    def prune(self) -> None:
        """Keep ``WINDOW`` of published time per engagement; forget idle engagements.

        What stays in memory depends on how busy the last days were, not on history.
        """
        seen = [w.seen for w in self.windows.values() if w.seen is not None]
        idle = max(seen) - WINDOW if seen else None
        for eid, window in list(self.windows.items()):
            if not window.events or (idle and window.seen and window.seen < idle):
                del self.windows[eid]
                continue
            floor = window.latest - WINDOW if window.latest else None
            if floor is not None and (window.floor is None or floor > window.floor):
                window.floor = floor
                if window.earliest is not None and window.earliest <= floor:
                    window.events = [x for x in window.events if x.published_at > floor]
                    window.earliest = min((x.published_at for x in window.events), default=None)
        for eid in [i for i in self.heads if i not in self.windows]:
            del self.heads[eid]
            self.timelines.pop(eid, None)
            self.initial.pop(eid, None)
            self.merged.discard(eid)

    # ------------------------------------------------------------------ paths
    def fold(self, eid: str, e: Any, step: Step) -> None:
        """Fold one engagement event (log order; ``eid``: its id as text) into the step."""
        if name_of(e) == "Opened":
            self._opened(eid, e, step)
            return
        head = self.heads.get(eid)
        if head is None:  # events of an engagement we never saw open: rebuild it from its stream
            self._recompute(eid, e, step)
            return
        if e.originator_version <= head.version:
            return  # already folded (a replayed batch)
        window = self.windows.get(eid)
        if window is None:  # everything folded so far was published by the head's last key
            last = datetime.fromisoformat(head.last_key.split("|", 1)[0])
            window = self.windows[eid] = Window(last)
        window.add(e)
        head.version = e.originator_version
        step.batch.heads[eid] = head
        pub, rec = ts(e.published_at), ts(e.timestamp)
        step.batch.seen[eid] = rec
        if name_of(e) == "ClaimRetracted":
            step.batch.retractions.append((eid, e.entry_id, e.originator_version, rec))
            for (ceid, version), row in step.citations.items():
                if ceid == eid and row[4] == e.entry_id and version < e.originator_version:
                    row[9] = rec
            head.retracted = sorted({*head.retracted, e.entry_id})
            self._refold(e, head, step, e.published_at)
            return
        key = f"{pub}|{e.originator_version:010d}"
        if key < head.last_key:
            if not self._lands_quietly(e, head, step, pub, rec):
                self._refold(e, head, step, e.published_at)
            return
        if not head.open_recorded_json:
            head.open_recorded_json = dumps(head.state)
        if head.shown is None:  # what the open rows say, parsed: compared, not re-serialised
            head.shown = json.loads(head.open_recorded_json)
        changes, citation = apply(head.state, e)
        head.last_key = key
        if citation is not None:
            step.citations[(eid, e.originator_version)] = _citation(head, e, citation, pub, rec)
        if changes:
            rows = step.changes.setdefault(eid, [])
            rows += [self._change_row(head, e, ch) for ch in changes]
        if changes or head.state != head.shown:
            after = dumps(head.state)
            if after != head.open_recorded_json:
                self._put_version(step, head, PUBLISHED, pub, after)
                self._put_version(step, head, RECORDED, rec, after)
                head.shown = marshal.loads(marshal.dumps(head.state))

    def _opened(self, eid: str, e: Any, step: Step) -> None:
        # No row yet: an engagement becomes visible with its first claim.
        empty = dumps(new_state(e))
        head = Head(eid, e.track, json.loads(empty), None, None, key_of(e), e.originator_version, 0)
        head.open_published_json = head.open_recorded_json = empty
        self.heads[eid] = step.batch.heads[eid] = head
        step.batch.seen[eid] = ts(e.timestamp)
        self.initial[eid] = empty
        self.timelines[eid] = {}
        self.merged.add(eid)
        self.windows[eid] = Window(None)

    def _lands_quietly(self, e: Any, head: Head, step: Step, pub: str, rec: str) -> bool:
        """Cite a late event; True when it changes nothing at its published place."""
        eid = head.engagement_id
        if head.open_published is None or pub >= head.open_published:
            # Nothing changed since: the state at its place is the current one. Fold into it
            # directly; if that changes anything, the re-fold starts again from the rows.
            if head.shown is None:
                head.shown = json.loads(head.open_recorded_json or dumps(head.state))
            changes, citation = apply(head.state, e)
            if citation is not None:
                step.citations[(eid, e.originator_version)] = _citation(head, e, citation, pub, rec)
            return not changes and head.state == head.shown
        timeline = self._timeline(head)
        earlier = [f for f in timeline if f <= pub]
        base = timeline[max(earlier)] if earlier else self._initial(eid)
        known = step.parsed.get(base)
        if known is None:
            parsed = json.loads(base)
            known = step.parsed[base] = (parsed, marshal.dumps(parsed))
        before, blob = known
        state = marshal.loads(blob)  # a deep copy to fold into, the cheapest there is
        changes, citation = apply(state, e)
        if citation is not None:
            step.citations[(eid, e.originator_version)] = _citation(head, e, citation, pub, rec)
        return not changes and state == before

    def _refold(self, e: Any, head: Head, step: Step, start: Any) -> None:
        """Fold again everything published from ``start`` on, from the row valid before it."""
        eid, batch = head.engagement_id, step.batch
        begin = ts(start)
        timeline = self._timeline(head)
        earlier = [f for f in timeline if f < begin]
        base_from = max(earlier) if earlier else None
        base = timeline[base_from] if base_from is not None else self._initial(eid)
        events = self._published_since(e, start, step)
        # Rows and changes from ``begin`` on are redone (in the database too: Batch.cuts).
        batch.cuts[eid] = min(begin, batch.cuts.get(eid, begin))
        written = step.published.setdefault(eid, {})
        for f in [f for f in written if f >= begin]:
            del written[f]
        changes = step.changes.setdefault(eid, [])
        changes[:] = [r for r in changes if r[7] < begin]
        for f in [f for f in timeline if f >= begin]:
            del timeline[f]
        state = head.state = json.loads(base)
        last, shown = base, json.loads(base)
        for x in sorted(events, key=order_key):
            found = apply(state, x)[0]
            for ch in found:
                changes.append(self._change_row(head, x, ch))
            if found or state != shown:  # compared parsed; serialised only when changed
                now = dumps(state)
                if now != last:
                    timeline[ts(x.published_at)] = last = now
                    shown = marshal.loads(marshal.dumps(state))
        froms = sorted(timeline)
        for i, frm in enumerate(froms):
            if base_from is None or frm >= base_from:
                to = froms[i + 1] if i + 1 < len(froms) else OPEN
                written[frm] = (head.track, to, timeline[frm])
        head.open_published = froms[-1] if froms else None
        head.open_published_json = timeline[froms[-1]] if froms else ""
        if head.open_recorded_json != last:
            self._put_version(step, head, RECORDED, ts(e.timestamp), last)

    def _published_since(self, e: Any, start: datetime, step: Step) -> list[Any]:
        """The visible events of ``e``'s engagement published at ``start`` or later."""
        eid = str(e.originator_id)
        window = self.windows.get(eid)
        if window is None or not window.covers(start):
            # Older than what is kept: read the store, from the first version published since
            # (every claim has a citation; a retraction always comes after what it withdraws).
            since = ts(start)
            pending = [r[1] for r in step.citations.values() if r[0] == eid and r[6] >= since]
            first = min([e.originator_version, *pending])
            stored = self.view.first_cited_since(eid, since)
            first = min(first, stored) if stored is not None else first
            stream: Any = self.app.events.get(
                e.originator_id, gt=first - 1, lte=e.originator_version
            )
            window = Window(start - _TICK)
            for x in stream:
                if x.published_at >= start:
                    window.add(x)
            self.windows[eid] = window
        if window.withdrawn:  # drop the withdrawn claims and the retraction
            window.events = visible(window.events)
            window.withdrawn = False
        return [x for x in window.events if x.published_at >= start]

    def _timeline(self, head: Head) -> dict[str, str]:
        """valid_from -> state of the engagement's published rows (database + this batch)."""
        eid = head.engagement_id
        timeline = self.timelines.setdefault(eid, {})
        if eid not in self.merged:
            for frm, state in self.view.published_states(eid):
                timeline.setdefault(frm, state)  # rows written since are newer
            self.merged.add(eid)
        return timeline

    def _initial(self, eid: str) -> str:
        """The state of the engagement as just opened (its version 1, ``Opened``)."""
        if eid not in self.initial:
            opened = next(iter(self.app.events.get(UUID(eid), lte=1)))
            self.initial[eid] = dumps(new_state(opened))
        return self.initial[eid]

    def _recompute(self, eid: str, e: Any, step: Step) -> None:
        """Fold an engagement whose head we do not have from its whole stream."""
        batch = step.batch
        stream: list[Any] = list(self.app.events.get(UUID(eid), lte=e.originator_version))
        opened: Any = stream[0]
        shown = visible(stream)
        window = self.windows[eid] = Window(None)
        for x in shown[1:]:
            window.add(x)
        state = new_state(opened)
        head = Head(eid, opened.track, state, None, None, key_of(opened), e.originator_version, 0)
        withdrawn = [x for x in stream if name_of(x) == "ClaimRetracted"]
        head.retracted = sorted({x.entry_id for x in withdrawn})
        batch.replaced.add(eid)
        rows: dict[str, str] = {}
        last = dumps(state)
        for x in sorted(shown, key=order_key):
            changes, citation = apply(state, x)
            head.last_key = max(head.last_key, key_of(x))
            if citation is not None:
                cite = _citation(head, x, citation, ts(x.published_at), ts(x.timestamp))
                step.citations[(eid, x.originator_version)] = cite
            for ch in changes:
                step.changes.setdefault(eid, []).append(self._change_row(head, x, ch))
            now = dumps(state)
            if now != last:
                rows[ts(x.published_at)] = last = now
        froms = sorted(rows)
        written = step.published[eid] = {}
        for i, frm in enumerate(froms):
            to = froms[i + 1] if i + 1 < len(froms) else OPEN
            written[frm] = (head.track, to, rows[frm])
        if froms:
            head.open_published, head.open_published_json = froms[-1], rows[froms[-1]]
        self.timelines[eid] = dict(rows)
        self.merged.add(eid)
        self._put_version(step, head, RECORDED, ts(e.timestamp), last)
        self.heads[eid] = batch.heads[eid] = head
        batch.seen[eid] = ts(e.timestamp)

    # ------------------------------------------------------------------ rows
    def _change_row(self, head: Head, e: Any, ch: dict[str, Any]) -> tuple[Any, ...]:
        detail = {k: v for k, v in ch.items() if k not in ("field", "old", "new")}
        detail["engagement"] = {
            "kind": head.state["kind"],
            "parties": head.state["parties"],
            "venue": head.state["venue"],
            "date": head.state["date"],
        }
        evidence = getattr(e, "evidence", None)
        retracted = evidence is not None and evidence.entry_id in head.retracted
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
            dumps(ch["old"]),
            dumps(ch["new"]),
            dumps(detail),
            ts(e.published_at),
            ts(e.timestamp),
            evidence.entry_id if evidence is not None else None,
            getattr(e, "extractor_version", None),
            "extractor" if retracted else "news",
        )

    def _put_version(self, step: Step, head: Head, clock: str, at: str, state: str) -> None:
        """Close the engagement's open row for ``clock`` at ``at`` and open a new one."""
        eid = head.engagement_id
        if clock == PUBLISHED:
            rows = step.published.setdefault(eid, {})
            open_from, own = head.open_published, head.open_published_json
            if open_from is not None and open_from != at:
                prev = rows.get(open_from)
                # An open row from the database is rewritten closed, with its own state.
                rows[open_from] = (head.track, at, prev[2] if prev is not None else own)
            rows[at] = (head.track, OPEN, state)
            head.open_published, head.open_published_json = at, state
            self.timelines.setdefault(eid, {})[at] = state
            return
        versions = step.batch.versions
        open_from, own = head.open_recorded, head.open_recorded_json
        if open_from is not None and open_from != at:
            prev = versions.get((eid, RECORDED, open_from))
            versions[(eid, RECORDED, open_from)] = (
                head.track,
                at,
                prev[2] if prev is not None else own,
            )
        versions[(eid, RECORDED, at)] = (head.track, OPEN, state)
        head.open_recorded, head.open_recorded_json = at, state
        head.shown = None


def _citation(head: Head, e: Any, citation: Any, pub: str, rec: str) -> list[Any]:
    """A tr_citations row (a list: a later retraction in the same batch sets retracted_at)."""
    return [
        head.engagement_id,
        e.originator_version,
        head.track,
        citation.field,
        citation.entry_id,
        citation.story,
        pub,
        rec,
        e.extractor_version,
        None,
        e.evidence.title,
        e.evidence.link,
        e.evidence.source,
    ]
