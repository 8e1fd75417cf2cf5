"""The alerts projection: delegation changes in the log become alerts and an outbox.

Detection is a tracked projection named ``tracker.alerts``. It pulls the ``DelegationChanged``
and ``ClaimRetracted`` notifications after its own tracking position (``EvidenceAdded`` — one
more outlet reporting a known change — is never even read), turns each qualifying change into
an alert (:func:`tracker.alerts.classify`) and each retraction of the report behind a party's
latest alert into a withdrawal of it, routes them through the feeds.yaml rules (a correction
or withdrawal goes where the alert it takes back went), and writes the
alerts, their delivery rows and the new tracking position in ONE read-model transaction. A
crash before that commit leaves nothing; after it, every delivery is in the outbox.

Its tables and outbox are :mod:`projections.alert_store`.

``tracker rebuild`` resets only the briefing projection, so alerts and their delivery state
survive it; and re-detection is idempotent anyway (same ids, inserts that exist are no-ops),
so no rebuild ever re-sends a delivered alert.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Tracking

from projections.alert_store import NAME, AlertStore, Latest
from tracker.alert_delivery import DeliveryReport, channel_urls, deliver_pending
from tracker.alerts import (
    WITHDRAWN,
    Alert,
    Route,
    alert_id,
    classify,
    effective_rules,
    route,
)
from tracker.engagement import Engagement
from tracker.errors import InputError
from tracker.interpret import effective_tracks
from tracker.values import iso

TOPICS = [Engagement.DelegationChanged.TOPIC, Engagement.ClaimRetracted.TOPIC]


# ------------------------------------------------------------------------------ detection
def detect(tracker: Any, *, batch_size: int = 200) -> int:
    """Raise alerts for every delegation change (and withdrawals for every retraction of the
    report behind one) logged since the last run; returns how many."""
    store = AlertStore(tracker.view)
    app = tracker.app
    titles = {t.slug: t.title or t.slug for t in effective_tracks(tracker.config)}
    rules = effective_rules(tracker.config)
    raised = 0
    while True:
        start = store.position()
        # Read up to the end of the log as it is now, and record that end as our position
        # even when no delegation changed: the next run then scans only what came after,
        # not every event since the last change (notification ids follow commit order).
        top = app.max_notification_id()
        if top <= start:
            return raised
        notes = app.recorder.select_notifications(
            start=start, limit=batch_size, topics=TOPICS, inclusive_of_start=False, stop=top
        )
        reached = top if len(notes) < batch_size else notes[-1].id
        now = tracker.clock()
        batch: list[tuple[Alert, list[str], list[Route]]] = []
        latest: dict[tuple[str, str], Latest] = {}  # raised in this batch, by (engagement, party)
        for n in notes:
            e = app.mapper.to_domain_event(n)
            eid = str(e.originator_id)
            found: list[tuple[Alert, Latest | None]]
            if isinstance(e, Engagement.ClaimRetracted):
                found = list(_withdrawals(app, store, e, n.id, titles, latest))
            else:
                prior = latest.get((eid, e.party)) or store.previous(eid, e.party, n.id)
                alert = _alert(app, e, n.id, titles, prior.id if prior else None)
                found = [] if alert is None else [(alert, prior)]
            for alert, prior in found:
                matched, routes = route(alert, rules, now, prior.rules if prior else ())
                batch.append((alert, matched, routes))
                latest[(eid, alert.party)] = Latest.raised(alert, matched)
        try:
            raised += store.write(batch, now, Tracking(NAME, reached))
        except IntegrityError:
            continue  # another process advanced first: carry on from where it got to


def _alert(
    app: Any, e: Any, position: int, titles: Mapping[str, str], supersedes: str | None
) -> Alert | None:
    kind = classify(e.basis, e.old_level, e.level, corrects=supersedes is not None)
    if kind is None:
        return None
    eng = app.repository.get(e.originator_id, version=e.originator_version)
    previous = None
    if e.basis == "previous_round" and e.previous_engagement:
        prev = app.get_or_none(UUID(e.previous_engagement))
        previous = {
            "id": e.previous_engagement,
            "venue": getattr(prev, "venue", None),
            "date": _day(getattr(prev, "effective_on", None)),
        }
    ev = e.evidence
    return Alert(
        id=alert_id(str(e.originator_id), e.originator_version),
        position=position,
        engagement=_engagement(str(e.originator_id), eng),
        event_version=e.originator_version,
        track=eng.track,
        track_title=titles.get(eng.track, eng.track),
        party=e.party,
        direction=kind[0],
        step=kind[1],
        basis=e.basis,
        old_head=e.old_head,
        old_level=_level(e.old_level),
        head=e.head,
        head_title=e.head_title,
        level=_level(e.level),
        published_at=e.published_at,
        recorded_at=e.timestamp,
        evidence={
            "entry_id": ev.entry_id,
            "title": ev.title,
            "link": ev.link,
            "source": ev.source,
            "published_at": iso(ev.published_at),
        },
        extractor_version=e.extractor_version,
        supersedes=supersedes,
        previous_round=previous,
    )


def _withdrawals(
    app: Any,
    store: AlertStore,
    e: Any,
    position: int,
    titles: Mapping[str, str],
    latest: Mapping[tuple[str, str], Latest],
) -> list[tuple[Alert, Latest]]:
    """A withdrawal of each party's latest alert at this engagement that was raised on the
    report a re-extraction no longer reads so (``e``: the ``ClaimRetracted``)."""
    eid = str(e.originator_id)
    standing = store.latest_by_party(eid, position)
    standing.update({party: a for (other, party), a in latest.items() if other == eid})
    taken = {
        party: a
        for party, a in standing.items()
        if a.evidence.get("entry_id") == e.entry_id and a.direction != WITHDRAWN
    }
    if not taken:
        return []
    eng = app.repository.get(e.originator_id, version=e.originator_version)
    out = []
    for party, prior in sorted(taken.items()):
        # What stands for the party once the report is withdrawn: its latest other report.
        now = max(eng.delegations.get(party) or [{}], key=lambda d: d.get("published_at") or "")
        out.append(
            (
                Alert(
                    id=alert_id(eid, e.originator_version, party),
                    position=position,
                    engagement=_engagement(eid, eng),
                    event_version=e.originator_version,
                    track=eng.track,
                    track_title=titles.get(eng.track, eng.track),
                    party=party,
                    direction=WITHDRAWN,
                    step=0,
                    basis="withdrawn",
                    old_head=prior.head,
                    old_level=prior.level,
                    head=now.get("head"),
                    head_title=now.get("head_title"),
                    level=now.get("level"),
                    published_at=e.published_at,
                    recorded_at=e.timestamp,
                    evidence=dict(prior.evidence),
                    extractor_version=e.extractor_version,
                    supersedes=prior.id,
                ),
                prior,
            )
        )
    return out


def _engagement(eid: str, eng: Any) -> dict[str, Any]:
    """The meeting an alert is about, as the engagement stood at the alert's event."""
    return {
        "id": eid,
        "kind": eng.kind,
        "parties": list(eng.parties),
        "venue": eng.venue,
        "date": _day(eng.effective_on),
        "status": eng.status,
    }


def _level(value: Any) -> str | None:
    return None if value is None else str(getattr(value, "value", value))


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


# ------------------------------------------------------------------------------ running
def deliver_due(
    tracker: Any, *, on_delivered: Callable[[Mapping[str, Any]], None] | None = None
) -> DeliveryReport:
    """Send what the outbox holds that is due (see
    :func:`tracker.alert_delivery.deliver_pending`)."""
    urls = channel_urls(effective_rules(tracker.config))
    return deliver_pending(AlertStore(tracker.view), urls, tracker.clock, on_delivered=on_delivered)


def process(
    tracker: Any,
    *,
    deliver: bool = True,
    on_delivered: Callable[[Mapping[str, Any]], None] | None = None,
) -> int:
    """Raise alerts for new changes, then (unless ``deliver=False``) deliver what is due.

    Returns the number of alerts raised by this call. ``deliver=False`` stops exactly between
    raising and delivering: what was raised waits in the outbox for the next call.
    """
    raised = detect(tracker)
    if deliver:
        deliver_due(tracker, on_delivered=on_delivered)
    return raised


def next_due(tracker: Any) -> datetime | None:
    """When the outbox next has something to send (None: nothing is waiting)."""
    rows = AlertStore(tracker.view).undelivered()
    times = [
        tracker.clock()
        if r["status"] == "pending"
        else datetime.fromisoformat(
            (r["next_attempt_at"] or r["claimed_at"]).replace("Z", "+00:00")
        )
        for r in rows
    ]
    return min(times) if times else None


# ------------------------------------------------------------------------------ listing
def list_alerts(tracker: Any, limit: int | None = None) -> list[dict[str, Any]]:
    """Every alert raised, newest first, with its delivery status per channel.

    Each item is the alert's JSON payload (``id``, ``title``, ``message``, ``published_at``,
    ``link``, ``party``, ``direction``, ``step``, ``old``, ``new``, ``engagement``,
    ``supersedes`` …) plus ``raised_at``, ``rules``, ``status`` (a one-word summary) and
    ``deliveries``. It reads only: call ``tracker.process_alerts(deliver=False)`` first to
    include changes logged since the last poll.
    """
    store = AlertStore(tracker.view)
    by_alert: dict[str, list[dict[str, Any]]] = {}
    for d in store.deliveries():
        by_alert.setdefault(d["alert_id"], []).append(
            {
                "channel": d["channel"],
                "rules": json.loads(d["rules"]),
                "status": d["status"],
                "attempts": d["attempts"],
                "next_attempt_at": d["next_attempt_at"],
                "delivered_at": d["delivered_at"],
                "last_error": d["last_error"],
            }
        )
    out = []
    for row in store.alerts(limit):
        item = json.loads(row["payload"])
        item["raised_at"] = row["raised_at"]
        item["rules"] = json.loads(row["rules"])
        item["deliveries"] = by_alert.get(row["id"], [])
        item["status"] = _summary(item["deliveries"], item["rules"])
        out.append(item)
    return out


def _summary(deliveries: list[dict[str, Any]], rules: list[str]) -> str:
    statuses = {d["status"] for d in deliveries}
    if not statuses:
        return "no channel" if rules else "no matching rule"
    for s in ("retrying", "sending", "pending", "dropped"):
        if s in statuses:
            return s
    return "delivered" if "delivered" in statuses else "suppressed"


def print_alerts(tracker: Any, *, fmt: str = "table", console: Any = None) -> None:
    """Print :func:`list_alerts` as a table (rich) or as JSON (nothing else on stdout).

    Raises:
        InputError: ``fmt`` is neither ``table`` nor ``json``.
    """
    if fmt not in ("table", "json"):
        raise InputError(f"--format must be one of table, json (got {fmt!r})")
    alerts = list_alerts(tracker)
    if fmt == "json":
        stream = console.file if console is not None else sys.stdout
        stream.write(json.dumps(alerts, ensure_ascii=False, indent=2) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    if not alerts:
        console.print("No alerts raised yet.")
        return
    table = Table(title="Alerts (newest first)")
    for col in ("Published", "Change", "Meeting", "Delivery", "Id"):
        table.add_column(col, overflow="fold")
    for a in alerts:
        e = a["engagement"]
        meeting = ", ".join(
            x for x in ("–".join(e["parties"]), e["venue"], e["date"], e["status"]) if x
        )
        delivery = "\n".join(_delivery_line(d) for d in a["deliveries"]) or a["status"]
        table.add_row(
            _short(a["published_at"]), a["title"].split(" (", 1)[0], meeting, delivery, a["id"][:8]
        )
    console.print(table)


def _delivery_line(d: Mapping[str, Any]) -> str:
    status = d["status"]
    if status == "retrying":
        status += f" ×{d['attempts']} (next {_short(d['next_attempt_at'])}): {d['last_error']}"
    elif status in ("suppressed", "dropped") and d["last_error"]:
        status += f": {d['last_error']}"
    return f"{d['channel']}: {status}"


def _short(stamp: str | None) -> str:
    """``2025-05-14T22:00:00.000000Z`` -> ``2025-05-14 22:00:00`` (UTC, for tables)."""
    return (stamp or "").replace("T", " ")[:19]
