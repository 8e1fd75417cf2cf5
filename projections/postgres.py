"""The read model on PostgreSQL: the shared SQL bound to eventsourcing's Postgres recorder.

Tables are created in the store's schema next to ``tracker_events``; the tracking table is
``tracker_projection_tracking`` (one row per projection name).

Measured on a rebuild of the generated 100k-event store: ``executemany`` costs the server one
statement per row (~25 us a citation); a batch's inserts go through COPY into a temporary
table and one ``INSERT ... SELECT`` instead, which halved the write time. A briefing's queries
share one read transaction (``reading``): separately, each paid BEGIN, SET search_path and
COMMIT round trips. A batch commits with ``synchronous_commit`` off (see ``_batch_txn``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from psycopg.sql import SQL, Identifier

from projections.sql import TABLES, SqlReadModel

TRACKING_TABLE = "tracker_projection_tracking"
#: From this many rows on, an INSERT goes through COPY (see ``PostgresReadModel._many``).
COPY_FROM = 50
_INSERT = re.compile(r"INSERT INTO (tr_\w+) VALUES \([?,]+\)\s*(.*)", re.DOTALL)


class PostgresReadModel(SqlReadModel, PostgresTrackingRecorder):
    """Read model tables + tracking in the PostgreSQL store's schema."""

    placeholder = "%s"

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any):
        kwargs["tracking_table_name"] = TRACKING_TABLE
        super().__init__(datastore, **kwargs)
        # Our statements are unqualified: run them inside the store's schema.
        self.sql_create_statements.append(
            SQL("SET LOCAL search_path TO {}").format(Identifier(self.datastore.schema))
        )
        for stmt in TABLES:
            self.sql_create_statements.append(SQL(stmt))  # type: ignore[arg-type]

    @contextmanager
    def _txn(self, commit: bool) -> Iterator[Any]:
        with self.datastore.transaction(commit=commit) as c:
            c.execute(SQL("SET LOCAL search_path TO {}").format(Identifier(self.datastore.schema)))
            yield c

    @contextmanager
    def _batch_txn(self) -> Iterator[Any]:
        with self._txn(commit=True) as c:
            # Like SQLite's synchronous=NORMAL: a crash may lose the last batches, never
            # corrupt anything; their tracking position goes with them, so they are projected
            # again. The commit stops waiting for the WAL flush.
            c.execute("SET LOCAL synchronous_commit TO OFF")
            yield c

    def _many(self, c: Any, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Many rows: ``INSERT``s of more than ``COPY_FROM`` rows go through COPY.

        Each row of ``executemany`` is a statement for the server to run (~25 us a citation);
        COPY streams them into a temporary table and one ``INSERT ... SELECT`` (with the
        statement's own ``ON CONFLICT``) moves them: several times faster for a batch.
        """
        rows = [tuple(r) for r in rows]
        found = _INSERT.match(sql)
        if found is None or len(rows) < COPY_FROM:
            super()._many(c, sql, rows)
            return
        table, rest = found.group(1), found.group(2)
        stage = f"stage_{table}"
        c.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {table}) ON COMMIT DELETE ROWS")
        with c.copy(f"COPY {stage} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        c.execute(f"INSERT INTO {table} SELECT * FROM {stage} {rest}")
        c.execute(f"TRUNCATE {stage}")

    def _insert_tracking_in(self, cursor: Any, tracking: Tracking) -> None:
        self._insert_tracking(cursor, tracking)

    def _rows(self, cursor: Any) -> list[dict[str, Any]]:
        return [dict(r) for r in cursor.fetchall()]

    def _delete_tracking(self, cursor: Any, names: Sequence[str]) -> None:
        cursor.executemany(
            SQL("DELETE FROM {}.{} WHERE application_name = %s").format(
                Identifier(self.datastore.schema), Identifier(self.tracking_table_name)
            ),
            [(n,) for n in names],
        )
