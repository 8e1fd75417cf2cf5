"""The read model on SQLite: the shared SQL bound to eventsourcing's SQLite tracking recorder.

The tables live in the same file as the event store (``tr_*`` next to ``stored_events``); the
tracking row of each projection is keyed by its own name, so several projections share the
library's fixed ``tracking`` table.

Measured on a rebuild of the generated 1M-event store (benchmarks/bench_projections.py): at
the library's settings each batch's commit ran a WAL checkpoint with two fsyncs (a third of
the write time); ``synchronous=NORMAL`` and a 64k-page checkpoint interval for the read-model
connection cut the write time by 40%. A 64 MB page cache gained nothing measurable over
16 MB but cost 50 MB of peak memory at 1M events. Citations ``WITHOUT ROWID`` are half the
size of a rowid table plus its key index.
"""

from __future__ import annotations

import re
import sqlite3
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification, Tracking
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder

from projections.sql import TABLES, SqlReadModel

#: Small rows under a text key live in the key's B-tree (no rowid table plus an index).
SQLITE_TABLES = [
    f"{t} WITHOUT ROWID" if re.search(r"TABLE IF NOT EXISTS (tr_citations) ", t) else t
    for t in TABLES
]
#: The last byte of a stored originator id (text: 32 hex digits, or 36 with dashes), as a
#: number: what ``views.partition_of`` takes modulo the partitions.
LAST_BYTE = (
    "((instr('0123456789abcdef', substr(lower(originator_id), -2, 1)) - 1) * 16 "
    "+ instr('0123456789abcdef', substr(lower(originator_id), -1, 1)) - 1)"
)
#: Read-model connections only (the event store keeps the library's settings). NORMAL in WAL
#: mode never corrupts the file; a power cut may lose the last commits, tracking included,
#: and those events are simply projected again. (OFF could corrupt it: never.)
PRAGMAS = [
    "PRAGMA synchronous=NORMAL",
    "PRAGMA cache_size=-16000",
    "PRAGMA wal_autocheckpoint=65536",
]


class SQLiteReadModel(SqlReadModel, SQLiteTrackingRecorder):
    """Read model tables + tracking in one SQLite file."""

    placeholder = "?"

    def __init__(self, datastore: SQLiteDatastore, **kwargs: Any):
        super().__init__(datastore, **kwargs)
        self._tuned: weakref.WeakSet[Any] = weakref.WeakSet()
        self._ids: dict[str, UUID] = {}  # stored originator id -> parsed (notifications)

    tables = SQLITE_TABLES

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *SQLITE_TABLES]

    @contextmanager
    def _txn(self, commit: bool) -> Iterator[Any]:
        with self.datastore.get_connection(commit=commit) as conn:
            if conn not in self._tuned:
                self._tune(conn)
            with conn.transaction(commit=commit) as c:
                c.sqlite_cursor.row_factory = sqlite3.Row
                yield c

    def _tune(self, conn: Any) -> None:
        """Per-connection settings; a PRAGMA on safety cannot run inside a transaction.

        ``synchronous=NORMAL`` in WAL mode never corrupts the file; a power cut may lose the
        last commits, and with them their tracking position, so they are projected again.
        """
        cursor = conn.cursor()
        try:
            for pragma in PRAGMAS:
                cursor.execute(pragma)
        finally:
            cursor.sqlite_cursor.close()
        self._tuned.add(conn)

    def notifications(
        self,
        events_table: str,
        after: int,
        until: int,
        limit: int,
        topics: Sequence[str],
        part: int = 0,
        partitions: int = 1,
    ) -> list[Notification]:
        marks = ",".join("?" * len(topics))
        sql = (
            f"SELECT rowid, originator_id, originator_version, topic, state FROM {events_table} "
            f"WHERE rowid > ? AND rowid <= ? AND topic IN ({marks})"
        )
        params: list[Any] = [after, until, *topics]
        if partitions > 1:
            sql += f" AND {LAST_BYTE} % ? = ?"
            params += [partitions, part]
        sql += " ORDER BY rowid LIMIT ?"
        params.append(limit)
        as_uuid = self.datastore.originator_id_type == "uuid"
        with self._txn(commit=False) as c:
            c.execute(sql, params)
            rows = c.fetchall()
        # An aggregate has many events: parse each stored id once (UUID() costs 2 us).
        ids = self._ids
        if len(ids) > 200_000:
            ids.clear()
        out = []
        for r in rows:
            oid = r[1]
            if as_uuid:
                oid = ids.get(oid) or ids.setdefault(oid, UUID(oid))
            out.append(
                Notification(
                    id=r[0], originator_id=oid, originator_version=r[2], topic=r[3], state=r[4]
                )
            )
        return out

    def _insert_tracking_in(self, cursor: Any, tracking: Tracking) -> None:
        self._insert_tracking(cursor, tracking)

    def _rows(self, cursor: Any) -> list[dict[str, Any]]:
        # Plain tuples zipped with the column names: building an sqlite3.Row per row and then
        # a dict from it cost twice as much (a rebuild reads every citation back once).
        raw = getattr(cursor, "sqlite_cursor", cursor)
        factory, raw.row_factory = raw.row_factory, None
        try:
            rows = raw.fetchall()
        finally:
            raw.row_factory = factory
        names = [d[0] for d in raw.description or ()]
        return [dict(zip(names, r, strict=True)) for r in rows]

    def _delete_tracking(self, cursor: Any, names: Sequence[str], prefix: str = "") -> None:
        cursor.executemany("DELETE FROM tracking WHERE application_name = ?", [(n,) for n in names])
        if prefix:
            cursor.execute("DELETE FROM tracking WHERE application_name LIKE ?", (f"{prefix}%",))
