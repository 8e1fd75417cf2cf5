"""Where the alerts projection keeps its work: alerts, their deliveries and its position.

Tables (portable SQL, created on first use on SQLite and PostgreSQL)::

    tr_alerts      one row per alert: id (uuid5 of engagement id + event version, and party
                   for a withdrawal), its log position, engagement, party, direction, step,
                   supersedes, the three clocks, matched rules, title, plain-text message and
                   JSON payload
    tr_deliveries  one row per (alert, channel): status pending | sending | retrying |
                   delivered | suppressed | dropped, attempts, next attempt, last error

:class:`AlertStore` writes alerts, deliveries and the tracking position in one transaction and
is the outbox :mod:`tracker.alert_delivery` delivers from; :class:`Latest` is what a later
alert about the same party needs of the one before it. Detection is :mod:`projections.alerts`.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventsourcing.persistence import Tracking

from projections.views import ts
from tracker.alerts import Alert, Route

NAME = "tracker.alerts"
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

    def previous(self, engagement_id: str, party: str, before: int) -> Latest | None:
        """The latest alert about ``party`` at this engagement raised before ``before``."""
        rows = self.view._select(
            "SELECT id, party, direction, rules, payload FROM tr_alerts WHERE engagement_id = ? "
            "AND party = ? AND log_position < ? ORDER BY log_position DESC LIMIT 1",
            (engagement_id, party, before),
        )
        return Latest.of(rows[0]) if rows else None

    def latest_by_party(self, engagement_id: str, before: int) -> dict[str, Latest]:
        """Each party's latest alert at this engagement raised before ``before``."""
        rows = self.view._select(
            "SELECT id, party, direction, rules, payload FROM tr_alerts WHERE engagement_id = ? "
            "AND log_position < ? ORDER BY log_position",
            (engagement_id, before),
        )
        return {r["party"]: Latest.of(r) for r in rows}  # the later row of a party wins

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


# ------------------------------------------------------------------------------ what came before
@dataclass(frozen=True)
class Latest:
    """What a later alert about the same party needs of the one before it."""

    id: str
    rules: list[str]  # the rules it matched: a correction or withdrawal goes where it went
    direction: str
    head: str | None  # the head and level it reported
    level: str | None
    evidence: dict[str, Any]  # the report it was raised on (entry_id, title, link, ...)

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Latest:
        p = json.loads(row["payload"])
        new = p.get("new") or {}
        return cls(
            row["id"],
            json.loads(row["rules"]),
            row["direction"],
            new.get("head"),
            new.get("level"),
            p.get("evidence") or {},
        )

    @classmethod
    def raised(cls, alert: Alert, rules: list[str]) -> Latest:
        return cls(alert.id, rules, alert.direction, alert.head, alert.level, alert.evidence)
