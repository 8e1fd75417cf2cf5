"""Per-feed poll state: validators, health, backoff. Operational data, not events.

Every poll updates one row here (so a thousand idle feeds never grow the event log); only
polls that change something reach the log as Feed events. The table lives in the store's own
database (same SQLite file, same PostgreSQL schema) and is never dropped by ``rebuild``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

CREATE = """CREATE TABLE IF NOT EXISTS tr_feed_state (
    name TEXT PRIMARY KEY, config_url TEXT NOT NULL, url TEXT NOT NULL, etag TEXT,
    last_modified TEXT, content_hash TEXT, last_polled_at TEXT, last_success_at TEXT,
    last_status TEXT, http_status INTEGER, last_error TEXT, error_kind TEXT,
    failures INTEGER NOT NULL, next_poll_at TEXT, new_last_poll INTEGER NOT NULL,
    problem TEXT, polls INTEGER NOT NULL)"""


@dataclass
class FeedState:
    """What we remember about one feed between polls."""

    name: str
    config_url: str
    url: str
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    last_polled_at: datetime | None = None
    last_success_at: datetime | None = None
    last_status: str | None = None  # ok | not_modified | unchanged | failed
    http_status: int | None = None
    last_error: str | None = None
    error_kind: str | None = None
    failures: int = 0
    next_poll_at: datetime | None = None
    new_last_poll: int = 0
    problem: str | None = None  # a non-fatal problem of the last poll (bozo feed …)
    polls: int = 0

    @property
    def status(self) -> str:
        """``ok``, ``failing``, ``pending`` (never polled) or ``degraded`` (partial ingest)."""
        if self.last_polled_at is None:
            return "pending"
        if self.failures:
            return "failing"
        return "degraded" if self.problem else "ok"


_DATES = {"last_polled_at", "last_success_at", "next_poll_at"}
_COLUMNS = [f.name for f in fields(FeedState)]


def _enc(name: str, value: Any) -> Any:
    if name in _DATES and value is not None:
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def _dec(name: str, value: Any) -> Any:
    if name in _DATES and value is not None:
        # Our own fixed format (``_enc``); fromisoformat reads it ten times faster than
        # strptime, which counts on a re-poll of hundreds of feeds.
        return datetime.fromisoformat(value)
    return value


class FeedStateStore:
    """Reads and writes ``tr_feed_state`` through the event store's own datastore."""

    def __init__(self, datastore: Any, *, placeholder: str = "?", schema: str | None = None):
        self.datastore = datastore
        self.placeholder = placeholder
        self.schema = schema
        with self._txn(commit=True) as c:
            c.execute(CREATE)

    def _txn(self, commit: bool) -> Any:
        store = self

        class _Ctx:
            def __enter__(self) -> Any:
                self._cm = store.datastore.transaction(commit=commit)
                c = self._cm.__enter__()
                if store.schema:
                    c.execute(f'SET LOCAL search_path TO "{store.schema}"')
                return c

            def __exit__(self, *exc: Any) -> Any:
                return self._cm.__exit__(*exc)

        return _Ctx()

    def _q(self, sql: str) -> str:
        return sql.replace("?", self.placeholder)

    def load(self, names: list[str] | None = None) -> dict[str, FeedState]:
        """Every feed's state by name, or only those of ``names`` (a daemon job's one feed)."""
        if names is not None and not names:
            return {}
        sql = f"SELECT {', '.join(_COLUMNS)} FROM tr_feed_state"
        with self._txn(commit=False) as c:
            if names is None:
                c.execute(sql)
            else:
                c.execute(self._q(f"{sql} WHERE name IN ({','.join('?' * len(names))})"), names)
            rows = c.fetchall()
        out = {}
        for row in rows:
            values = (
                [row[i] for i in range(len(_COLUMNS))]
                if not isinstance(row, dict)
                else [row[k] for k in _COLUMNS]
            )
            state = FeedState(**{k: _dec(k, v) for k, v in zip(_COLUMNS, values, strict=True)})
            out[state.name] = state
        return out

    def save(self, states: list[FeedState]) -> None:
        if not states:
            return
        marks = ",".join("?" * len(_COLUMNS))
        updates = ", ".join(f"{k} = excluded.{k}" for k in _COLUMNS if k != "name")
        sql = self._q(
            f"INSERT INTO tr_feed_state ({', '.join(_COLUMNS)}) VALUES ({marks}) "
            f"ON CONFLICT (name) DO UPDATE SET {updates}"
        )
        # Every field is a scalar: read them as they are (asdict deep-copies each one).
        rows = [tuple(_enc(k, getattr(s, k)) for k in _COLUMNS) for s in states]
        with self._txn(commit=True) as c:
            c.executemany(sql, rows)
