"""The alerts projection: delegation changes in the log become alerts and an outbox.

Detection is a tracked projection named ``tracker.alerts``. It pulls the ``DelegationChanged``
notifications after its own tracking position (``EvidenceAdded`` — one more outlet reporting
a known change — is never even read), turns each qualifying one into an alert
(:func:`tracker.alerts.classify`), routes it through the feeds.yaml rules, and writes the
alerts, their delivery rows and the new tracking position in ONE read-model transaction. A
crash before that commit leaves nothing; after it, every delivery is in the outbox.

Tables (portable SQL, created on first use on SQLite and PostgreSQL)::

    tr_alerts      one row per alert: id (uuid5 of engagement id + event version), its log
                   position, engagement, party, direction, step, supersedes, the three
                   clocks, matched rules, title, plain-text message and JSON payload
    tr_deliveries  one row per (alert, channel): status pending | sending | retrying |
                   delivered | suppressed | dropped, attempts, next attempt, last error

``tracker rebuild`` resets only the briefing projection, so alerts and their delivery state
survive it; and re-detection is idempotent anyway (same ids, inserts that exist are no-ops),
so no rebuild ever re-sends a delivered alert.
"""

from __future__ import annotations

import json
import sys
import weakref
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Tracking

from projections.views import ts
from tracker.alert_delivery import DeliveryReport, channel_urls, deliver_pending
from tracker.alerts import Alert, Route, alert_id, classify, effective_rules, route
from tracker.engagement import Engagement
from tracker.errors import InputError
from tracker.interpret import effective_tracks
from tracker.values import iso

NAME = "tracker.alerts"
TOPICS = [Engagement.DelegationChanged.TOPIC]
OPEN_STATUSES = ("pending", "retrying", "sending")

TABLES = [
    """CREATE TABLE IF NOT EXISTS tr_alerts (
        id TEXT PRIMARY KEY, log_position BIGINT NOT NULL, engagement_id TEXT NOT NULL,
        event_version INTEGER NOT NULL, track TEXT NOT NULL, party TEXT NOT NULL,
        direction TEXT NOT NULL, step INTEGER NOT NULL, supersedes TEXT,
        published_at TEXT NOT NULL, recorded_at TEXT NOT NULL, raised_at TEXT NOT NULL,
        rules TEXT NOT NULL, title TEXT NOT NULL, message TEXT NOT NULL, payload TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS tr_alerts_pair ON tr_alerts (engagement_id, party, log_position)",
    "CREATE INDEX IF NOT EXISTS tr_alerts_position ON tr_alerts (log_position)",
    """CREATE TABLE IF NOT EXISTS tr_deliveries (
        alert_id TEXT NOT NULL, channel_key TEXT NOT NULL, channel TEXT NOT NULL,
        rules TEXT NOT NULL, log_position BIGINT NOT NULL, status TEXT NOT NULL,
        attempts INTEGER NOT NULL, next_attempt_at TEXT, claimed_at TEXT, delivered_at TEXT,
        last_error TEXT, created_at TEXT NOT NULL, PRIMARY KEY (alert_id, channel_key))""",
    "CREATE INDEX IF NOT EXISTS tr_deliveries_open ON tr_deliveries (status, log_position)",
]

_ALERT_COLUMNS = (
    "id, log_position, engagement_id, event_version, track, party, direction, step, "
    "supersedes, published_at, recorded_at, raised_at, rules, title, message, payload"
)

_READY: weakref.WeakSet[Any] = weakref.WeakSet()


class AlertStore:
    """The alert tables on the tracker's read model (same database, same transactions)."""

    def __init__(self, view: Any):
        self.view = view
        if view not in _READY:
            self._create_tables()
            _READY.add(view)

    def _create_tables(self) -> None:
        for attempt in range(2):
            try:
                with self.view._txn(commit=True) as c:
                    for stmt in TABLES:
                        c.execute(stmt)
                return
            except Exception:
                # Two processes creating the tables at once on PostgreSQL: one of them loses
                # on the catalogue; the tables then exist and the second try is a no-op.
                if attempt:
                    raise

    def position(self) -> int:
        return int(self.view.max_tracking_id(NAME) or 0)

    def previous(self, engagement_id: str, party: str, before: int) -> tuple[str, list[str]] | None:
        rows = self.view._select(
            "SELECT id, rules FROM tr_alerts WHERE engagement_id = ? AND party = ? "
            "AND log_position < ? ORDER BY log_position DESC LIMIT 1",
            (engagement_id, party, before),
        )
        return (rows[0]["id"], json.loads(rows[0]["rules"])) if rows else None

    def write(
        self,
        alerts: list[tuple[Alert, list[str], list[Route]]],
        raised_at: datetime,
        tracking: Tracking,
    ) -> int:
        """Alerts, deliveries and the tracking position, atomically; returns alerts inserted.

        Raises:
            eventsourcing.persistence.IntegrityError: another process recorded this position
                first; nothing is written.
        """
        v = self.view
        new = 0
        with v._txn(commit=True) as c:
            v._insert_tracking_in(c, tracking)
            for alert, rules, routes in alerts:
                p = alert.payload()
                v._exec(
                    c,
                    f"INSERT INTO tr_alerts ({_ALERT_COLUMNS}) VALUES "
                    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (id) DO NOTHING RETURNING id",
                    (
                        alert.id,
                        alert.position,
                        alert.engagement["id"],
                        alert.event_version,
                        alert.track,
                        alert.party,
                        alert.direction,
                        alert.step,
                        alert.supersedes,
                        ts(alert.published_at),
                        ts(alert.recorded_at),
                        ts(raised_at),
                        json.dumps(rules),
                        p["title"],
                        p["message"],
                        json.dumps(p, sort_keys=True),
                    ),
                )
                new += len(v._rows(c))
                v._many(
                    c,
                    "INSERT INTO tr_deliveries VALUES (?,?,?,?,?,?,?,?,?,?,?,?) "
                    "ON CONFLICT (alert_id, channel_key) DO NOTHING",
                    [
                        (
                            alert.id,
                            r.channel_key,
                            r.channel,
                            json.dumps(list(r.rules)),
                            alert.position,
                            r.status,
                            0,
                            None,
                            None,
                            None,
                            r.reason,
                            ts(raised_at),
                        )
                        for r in routes
                    ],
                )
        return new

    # --- the outbox (tracker.alert_delivery.Outbox) -------------------------------
    def undelivered(self) -> list[dict[str, Any]]:
        marks = ",".join("?" * len(OPEN_STATUSES))
        return self.view._select(
            "SELECT d.alert_id, d.channel_key, d.status, d.attempts, d.next_attempt_at, "
            "d.claimed_at, a.title, a.message, a.payload FROM tr_deliveries d "
            f"JOIN tr_alerts a ON a.id = d.alert_id WHERE d.status IN ({marks}) "
            "ORDER BY d.log_position, d.alert_id, d.channel_key",
            OPEN_STATUSES,
        )

    def claim(self, row: Mapping[str, Any], now: datetime) -> bool:
        # Compare-and-set on what we read: only one process wins a row.
        return bool(
            self._update(
                "status = 'sending', claimed_at = ?",
                (ts(now),),
                row,
                "AND status = ? AND attempts = ? AND COALESCE(claimed_at, '') = ?",
                (row["status"], row["attempts"], row["claimed_at"] or ""),
            )
        )

    def delivered(self, row: Mapping[str, Any], now: datetime) -> None:
        self._update(
            "status = 'delivered', attempts = attempts + 1, delivered_at = ?, "
            "claimed_at = NULL, next_attempt_at = NULL",
            (ts(now),),
            row,
        )

    def failed(self, row: Mapping[str, Any], retry_at: datetime, error: str) -> None:
        self._update(
            "status = 'retrying', attempts = attempts + 1, next_attempt_at = ?, "
            "claimed_at = NULL, last_error = ?",
            (ts(retry_at), error[:500]),
            row,
        )

    def drop(self, row: Mapping[str, Any], reason: str) -> None:
        self._update("status = 'dropped', claimed_at = NULL, last_error = ?", (reason,), row)

    def _update(
        self,
        assignments: str,
        values: tuple[Any, ...],
        row: Mapping[str, Any],
        extra: str = "",
        extra_values: tuple[Any, ...] = (),
    ) -> int:
        with self.view._txn(commit=True) as c:
            self.view._exec(
                c,
                f"UPDATE tr_deliveries SET {assignments} WHERE alert_id = ? AND channel_key = ? "
                f"{extra} RETURNING alert_id",
                (*values, row["alert_id"], row["channel_key"], *extra_values),
            )
            return len(self.view._rows(c))

    # --- queries ------------------------------------------------------------------
    def alerts(self, limit: int | None = None) -> list[dict[str, Any]]:
        sql = f"SELECT {_ALERT_COLUMNS} FROM tr_alerts ORDER BY log_position DESC, id"
        return self.view._select(sql + (f" LIMIT {int(limit)}" if limit else ""))

    def deliveries(self) -> list[dict[str, Any]]:
        return self.view._select(
            "SELECT * FROM tr_deliveries ORDER BY log_position, alert_id, channel"
        )


# ------------------------------------------------------------------------------ detection
def detect(tracker: Any, *, batch_size: int = 200) -> int:
    """Raise alerts for every delegation change logged since the last run; returns how many."""
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
        latest: dict[tuple[str, str], tuple[str, list[str]]] = {}
        for n in notes:
            e = app.mapper.to_domain_event(n)
            pair = (str(e.originator_id), e.party)
            prior = latest.get(pair) or store.previous(pair[0], pair[1], n.id)
            alert = _alert(app, e, n.id, titles, prior[0] if prior else None)
            if alert is None:
                continue
            matched, routes = route(alert, rules, now, prior[1] if prior else ())
            batch.append((alert, matched, routes))
            latest[pair] = (alert.id, matched)
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
        engagement={
            "id": str(e.originator_id),
            "kind": eng.kind,
            "parties": list(eng.parties),
            "venue": eng.venue,
            "date": _day(eng.effective_on),
            "status": eng.status,
        },
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
