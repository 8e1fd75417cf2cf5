"""The read model on PostgreSQL: the shared SQL bound to eventsourcing's Postgres recorder.

Tables are created in the store's schema next to ``tracker_events``; the tracking table is
``tracker_projection_tracking`` (one row per projection name).

Measured on a rebuild of the generated 100k-event store: ``executemany`` costs the server one
statement per row (~25 us a citation); a batch's inserts go through COPY into a temporary
table and one ``INSERT ... SELECT`` instead, which halved the write time. A briefing's queries
share one read transaction (``reading``): separately, each paid BEGIN, SET search_path and
COMMIT round trips. A batch commits with ``synchronous_commit`` off (see ``_batch_txn``).

Every transaction of the read model runs with PostgreSQL's JIT compiler off. The planner
cannot know that the partition test keeps half of the log, so it prices a batch's read of the
log above ``jit_above_cost`` and compiles its expressions, some 4 ms a query, for a query that
then runs in 6 ms; other statements crossed the threshold too. Measured on rebuilds of the
generated 1M-event store: the server's CPU went from 8.6-9.3 s to 6.9-7.0 s, the rebuild from
14.4-15.8 s to 13.8-14.2 s. Reading the log through the library's own recorder (the
benchmark's baseline) is not compiled either way (its server CPU is the same with JIT off).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import Notification, Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from projections.sql import TABLES, SqlReadModel
from projections.views import SummarySource

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
            # One round trip for both settings (no parameters: the simple query protocol).
            c.execute(
                SQL("SET LOCAL search_path TO {}; SET LOCAL jit = off").format(
                    Identifier(self.datastore.schema)
                )
            )
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

    def summary_sources(self, engagement_ids: list[str]) -> dict[str, SummarySource]:
        """As the shared SQL, with the planner told to look citations up by their key.

        Right after a rebuild the tables have no statistics yet (autovacuum analyses them
        later, if it runs at all): the planner then guesses that 40 engagements have a
        tenth of all citations and scans the whole table for every 40 (measured: summaries
        took 3.3 s at 1M events instead of 1.9 s). Key lookups are right whatever the
        statistics say.
        """
        with self.reading():
            self._exec(self._reading.cursor, "SET LOCAL enable_seqscan = off")
            try:
                return super().summary_sources(engagement_ids)
            finally:
                self._exec(self._reading.cursor, "SET LOCAL enable_seqscan = on")

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
        sql = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM {}.{} "
            "WHERE notification_id > %s AND notification_id <= %s AND topic = ANY(%s)"
        ).format(Identifier(self.datastore.schema), Identifier(events_table))
        params: list[Any] = [after, until, list(topics)]
        if partitions > 1:
            # The id's last byte (the column is a uuid: ORIGINATOR_ID_TYPE's default).
            sql += SQL(" AND get_byte(uuid_send(originator_id), 15) %% %s = %s")
            params += [partitions, part]
        sql += SQL(" ORDER BY notification_id LIMIT %s")
        params.append(limit)
        with self._txn(commit=False) as c:
            # The planner cannot know that the partition test keeps half of the rows (it
            # guesses 0.5%): it would fetch every remaining row of the log and sort them,
            # for each batch (measured: 0.5 s a batch at 1M events, 40x the index scan).
            # Reading in id order from the index and stopping at the limit needs no sort.
            c.execute("SET LOCAL enable_sort = off")
            # Binary results: the states come as they are stored, not as hex text that the
            # server encodes and psycopg decodes again (a third of the read's CPU).
            cursor: Any = c
            cursor.row_factory = tuple_row
            cursor.execute(sql, params, prepare=True, binary=True)
            return [
                Notification(id=n, originator_id=o, originator_version=v, topic=t, state=bytes(s))
                for n, o, v, t, s in cursor.fetchall()
            ]

    def _insert_tracking_in(self, cursor: Any, tracking: Tracking) -> None:
        self._insert_tracking(cursor, tracking)

    def _rows(self, cursor: Any) -> list[dict[str, Any]]:
        # The library's connections make dict rows already (psycopg's dict_row): no copy.
        return list(cursor.fetchall())

    def _delete_tracking(self, cursor: Any, names: Sequence[str], prefix: str = "") -> None:
        table = SQL("{}.{}").format(
            Identifier(self.datastore.schema), Identifier(self.tracking_table_name)
        )
        cursor.executemany(
            SQL("DELETE FROM {} WHERE application_name = %s").format(table), [(n,) for n in names]
        )
        if prefix:
            cursor.execute(
                SQL("DELETE FROM {} WHERE application_name LIKE %s").format(table), (f"{prefix}%",)
            )
