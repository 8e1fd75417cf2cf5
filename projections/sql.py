"""The read model in portable SQL (SQLite and PostgreSQL run the very same statements).

Statements are written with ``?`` placeholders; :class:`SqlReadModel` rewrites them for the
backend (``%s`` for psycopg). Every JSON value is stored as TEXT, every timestamp as a
fixed-width ISO string (``views.ts``), so both backends sort and compare identically.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import Tracking

from projections.sqlqueries import CITED, SqlQueries
from projections.views import BRIEFING, PARTITIONS, Batch, Head, ReadModel, SummarySource

TABLES = [
    """CREATE TABLE IF NOT EXISTS tr_heads (
        engagement_id TEXT PRIMARY KEY, track TEXT NOT NULL, state TEXT NOT NULL,
        open_published TEXT, open_recorded TEXT, last_key TEXT NOT NULL,
        version INTEGER NOT NULL, changes INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS tr_versions (
        engagement_id TEXT NOT NULL, clock TEXT NOT NULL, valid_from TEXT NOT NULL,
        track TEXT NOT NULL, valid_to TEXT NOT NULL, state TEXT NOT NULL,
        PRIMARY KEY (engagement_id, clock, valid_from))""",
    "CREATE INDEX IF NOT EXISTS tr_versions_asof "
    "ON tr_versions (track, clock, valid_to, valid_from)",
    """CREATE TABLE IF NOT EXISTS tr_changes (
        engagement_id TEXT NOT NULL, n INTEGER NOT NULL, track TEXT NOT NULL,
        field TEXT NOT NULL, old TEXT, new TEXT, detail TEXT,
        published_at TEXT NOT NULL, recorded_at TEXT NOT NULL, entry_id TEXT,
        extractor_version TEXT, cause TEXT NOT NULL,
        PRIMARY KEY (engagement_id, n))""",
    "CREATE INDEX IF NOT EXISTS tr_changes_track ON tr_changes (track, published_at)",
    # Read by engagement only (the key). Each row carries what the briefing shows of its
    # entry: one write per citation instead of a citation plus an entries upsert.
    """CREATE TABLE IF NOT EXISTS tr_citations (
        engagement_id TEXT NOT NULL, version INTEGER NOT NULL, track TEXT NOT NULL,
        field TEXT NOT NULL, entry_id TEXT NOT NULL, story TEXT NOT NULL,
        published_at TEXT NOT NULL, recorded_at TEXT NOT NULL, extractor_version TEXT,
        retracted_at TEXT, title TEXT NOT NULL, link TEXT, source TEXT NOT NULL,
        PRIMARY KEY (engagement_id, version))""",
    """CREATE TABLE IF NOT EXISTS tr_tracks (
        slug TEXT PRIMARY KEY, title TEXT NOT NULL, parties TEXT NOT NULL,
        started_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS tr_items (
        item_id TEXT PRIMARY KEY, track TEXT NOT NULL, kind TEXT NOT NULL, fact TEXT,
        entry_id TEXT NOT NULL, story TEXT, published_at TEXT NOT NULL,
        recorded_at TEXT NOT NULL, retracted_at TEXT, payload TEXT NOT NULL,
        title TEXT NOT NULL, link TEXT, source TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS tr_items_track ON tr_items (track, published_at)",
    "CREATE INDEX IF NOT EXISTS tr_items_kind ON tr_items (track, kind, published_at)",
    "CREATE INDEX IF NOT EXISTS tr_items_fact ON tr_items (track, fact, published_at)",
    # One row per engagement: when it last moved, and what its evidence comes to once quiet.
    """CREATE TABLE IF NOT EXISTS tr_summaries (
        engagement_id TEXT PRIMARY KEY, track TEXT NOT NULL, seen TEXT NOT NULL,
        stale INTEGER NOT NULL, until_published TEXT, until_recorded TEXT, meeting_date TEXT,
        summary TEXT)""",
    "CREATE INDEX IF NOT EXISTS tr_summaries_stale ON tr_summaries (stale, seen)",
    """CREATE TABLE IF NOT EXISTS tr_feeds (
        name TEXT PRIMARY KEY, url TEXT NOT NULL, entries INTEGER NOT NULL,
        registered_at TEXT, last_new_at TEXT, failing_since TEXT, last_error TEXT,
        error_kind TEXT, moved_from TEXT)""",
    # Survives reset(): the schema the other tables were made for (see SCHEMA).
    "CREATE TABLE IF NOT EXISTS tr_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
]
DROP = [
    "DROP TABLE IF EXISTS tr_heads",
    "DROP TABLE IF EXISTS tr_versions",
    "DROP TABLE IF EXISTS tr_changes",
    "DROP TABLE IF EXISTS tr_citations",
    "DROP TABLE IF EXISTS tr_entries",  # before schema 2
    "DROP TABLE IF EXISTS tr_tracks",
    "DROP TABLE IF EXISTS tr_items",
    "DROP TABLE IF EXISTS tr_feeds",
    "DROP TABLE IF EXISTS tr_summaries",
]

#: Version of the tables below: opening a read model made for another one rebuilds it
#: (it is derived data). 2: citations and items carry their entry's title, link, source.
#: 3: the briefing is projected in ``PARTITIONS`` partitions, each tracked under its own
#: name (``tracker.briefing.0of2``...) instead of one ``tracker.briefing`` row.
SCHEMA = "3"

#: Key of the withdrawn entries in a stored head's state (see ``Head.retracted``).
RETRACTED = "retracted_entries"

log = logging.getLogger("projections")


def _layout() -> dict[str, str]:
    """What the tables were made for, as stored in ``tr_meta``."""
    return {"schema": SCHEMA, "partitions": str(PARTITIONS)}


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


class SqlReadModel(SqlQueries, ReadModel):
    """Portable SQL for :class:`ReadModel`. Subclasses supply the connection plumbing."""

    placeholder = "?"
    tables = TABLES  # the backend's dialect of the schema

    @property
    def _reading(self) -> threading.local:
        """Per read model and thread: the cursor of the read transaction in progress."""
        local = self.__dict__.get("_reading_local")
        if local is None:
            local = self.__dict__.setdefault("_reading_local", threading.local())
        return local

    # --- plumbing supplied by the backend -----------------------------------------
    @contextmanager
    def _txn(self, commit: bool) -> Iterator[Any]:  # pragma: no cover - abstract
        raise NotImplementedError
        yield

    def _insert_tracking_in(self, cursor: Any, tracking: Tracking) -> None:  # pragma: no cover
        raise NotImplementedError

    def _rows(self, cursor: Any) -> list[dict[str, Any]]:  # pragma: no cover
        raise NotImplementedError

    def _delete_tracking(
        self, cursor: Any, names: Sequence[str], prefix: str = ""
    ) -> None:  # pragma: no cover
        """Delete the tracking rows of ``names``, and of every name starting with ``prefix``."""
        raise NotImplementedError

    # --- helpers ------------------------------------------------------------------
    def _q(self, sql: str) -> str:
        return sql if self.placeholder == "?" else sql.replace("?", self.placeholder)

    def _exec(self, c: Any, sql: str, params: Sequence[Any] = ()) -> None:
        c.execute(self._q(sql), tuple(params))

    def _many(self, c: Any, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = [tuple(r) for r in rows]
        if rows:
            c.executemany(self._q(sql), rows)

    def _select(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        reading = getattr(self._reading, "cursor", None)
        if reading is not None:
            self._exec(reading, sql, params)
            return self._rows(reading)
        with self._txn(commit=False) as c:
            self._exec(c, sql, params)
            return self._rows(c)

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Run the queries made inside the block in one read transaction (per thread).

        A briefing makes half a dozen queries: on PostgreSQL each in its own transaction
        cost four round trips; in one, they also all see the same data.
        """
        if getattr(self._reading, "cursor", None) is not None:
            yield
            return
        with self._txn(commit=False) as c:
            self._reading.cursor = c
            try:
                yield
            finally:
                self._reading.cursor = None

    # --- writing ------------------------------------------------------------------
    @contextmanager
    def _batch_txn(self) -> Iterator[Any]:
        """The transaction of one projected batch (and its tracking position)."""
        with self._txn(commit=True) as c:
            yield c

    def write(self, batch: Batch, tracking: Tracking) -> None:
        with self._batch_txn() as c:
            self._insert_tracking_in(c, tracking)
            self._write_batch(c, batch)

    def _write_batch(self, c: Any, b: Batch) -> None:
        if b.replaced:
            ids = [(e,) for e in sorted(b.replaced)]
            self._many(
                c, "DELETE FROM tr_versions WHERE engagement_id = ? AND clock = 'published'", ids
            )
            self._many(c, "DELETE FROM tr_changes WHERE engagement_id = ?", ids)
        cuts = [(e, at) for e, at in sorted(b.cuts.items()) if e not in b.replaced]
        if cuts:
            self._many(
                c,
                "DELETE FROM tr_versions WHERE engagement_id = ? AND clock = 'published' "
                "AND valid_from >= ?",
                cuts,
            )
            self._many(
                c, "DELETE FROM tr_changes WHERE engagement_id = ? AND published_at >= ?", cuts
            )
        self._many(
            c,
            "INSERT INTO tr_tracks VALUES (?,?,?,?) ON CONFLICT (slug) DO UPDATE SET "
            "title = excluded.title, parties = excluded.parties",
            b.tracks.values(),
        )
        self._many(
            c,
            "INSERT INTO tr_versions VALUES (?,?,?,?,?,?) ON CONFLICT "
            "(engagement_id, clock, valid_from) DO UPDATE SET valid_to = excluded.valid_to, "
            "state = excluded.state",
            (
                (e, clock, frm, track, to, state)
                for (e, clock, frm), (track, to, state) in b.versions.items()
            ),
        )
        self._many(c, "INSERT INTO tr_changes VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", b.changes)
        self._many(
            c,
            "INSERT INTO tr_citations VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT (engagement_id, version) DO NOTHING",
            b.citations,
        )
        self._many(
            c,
            "UPDATE tr_citations SET retracted_at = ? WHERE engagement_id = ? AND entry_id = ? "
            "AND version < ? AND retracted_at IS NULL",
            ((at, eng, entry, before) for eng, entry, before, at in b.retractions),
        )
        self._many(
            c,
            "INSERT INTO tr_items VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT (item_id) DO NOTHING",
            b.items,
        )
        self._many(
            c,
            "UPDATE tr_items SET retracted_at = ? WHERE track = ? AND entry_id = ? "
            "AND recorded_at < ? AND retracted_at IS NULL",
            ((at, track, entry, before) for track, entry, before, at in b.item_retractions),
        )
        self._many(
            c,
            "INSERT INTO tr_feeds VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (name) DO UPDATE SET "
            "url = excluded.url, entries = excluded.entries, last_new_at = excluded.last_new_at, "
            "failing_since = excluded.failing_since, last_error = excluded.last_error, "
            "error_kind = excluded.error_kind, moved_from = excluded.moved_from",
            (
                (
                    f["name"],
                    f["url"],
                    f["entries"],
                    f.get("registered_at"),
                    f.get("last_new_at"),
                    f.get("failing_since"),
                    f.get("last_error"),
                    f.get("error_kind"),
                    f.get("moved_from"),
                )
                for f in b.feeds.values()
            ),
        )
        self._many(
            c,
            "INSERT INTO tr_summaries VALUES (?,?,?,1,NULL,NULL,NULL,NULL) ON CONFLICT "
            "(engagement_id) DO UPDATE SET seen = excluded.seen, stale = 1, "
            "until_published = NULL, until_recorded = NULL, meeting_date = NULL, summary = NULL",
            ((e, h.track, b.seen.get(e, "")) for e, h in b.heads.items()),
        )
        self._many(
            c,
            "INSERT INTO tr_heads VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (engagement_id) DO UPDATE "
            "SET state = excluded.state, open_published = excluded.open_published, "
            "open_recorded = excluded.open_recorded, last_key = excluded.last_key, "
            "version = excluded.version, changes = excluded.changes",
            (
                (
                    h.engagement_id,
                    h.track,
                    _dumps({**h.state, RETRACTED: h.retracted} if h.retracted else h.state),
                    h.open_published,
                    h.open_recorded,
                    h.last_key,
                    h.version,
                    h.changes,
                )
                for h in b.heads.values()
            ),
        )

    def load_heads(self, engagement_ids: list[str]) -> dict[str, Head]:
        out: dict[str, Head] = {}
        for i in range(0, len(engagement_ids), 500):
            chunk = engagement_ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for r in self._select(
                f"SELECT * FROM tr_heads WHERE engagement_id IN ({marks})", chunk
            ):
                state = json.loads(r["state"])
                # Withdrawn entries are kept with the head's state, never in a version row.
                retracted = state.pop(RETRACTED, [])
                shown = _dumps(state) if retracted else r["state"]
                out[r["engagement_id"]] = Head(
                    engagement_id=r["engagement_id"],
                    track=r["track"],
                    state=state,
                    open_published=r["open_published"],
                    open_recorded=r["open_recorded"],
                    last_key=r["last_key"],
                    version=r["version"],
                    changes=r["changes"],
                    open_published_json=shown,
                    open_recorded_json=shown,
                    retracted=retracted,
                )
        return out

    def published_states(self, engagement_id: str) -> list[tuple[str, str]]:
        rows = self._select(
            "SELECT valid_from, state FROM tr_versions WHERE engagement_id = ? "
            "AND clock = 'published'",
            (engagement_id,),
        )
        return [(r["valid_from"], r["state"]) for r in rows]

    def first_cited_since(self, engagement_id: str, published_at: str) -> int | None:
        rows = self._select(
            "SELECT MIN(version) AS v FROM tr_citations WHERE engagement_id = ? "
            "AND published_at >= ?",
            (engagement_id, published_at),
        )
        return rows[0]["v"] if rows else None

    def load_feed_rows(self, names: list[str]) -> dict[str, dict[str, Any]]:
        if not names:
            return {}
        marks = ",".join("?" * len(names))
        rows = self._select(f"SELECT * FROM tr_feeds WHERE name IN ({marks})", names)
        return {r["name"]: dict(r) for r in rows}

    def reset(self) -> None:
        with self._txn(commit=True) as c:
            for stmt in DROP:
                c.execute(stmt)
            for stmt in self.tables:
                c.execute(stmt)
            # Every briefing tracking row: the single one of schema 2 and the partitions',
            # whatever their number was (the alerts projection keeps its own).
            self._delete_tracking(c, [BRIEFING], prefix=f"{BRIEFING}.")
            self._exec(c, "DELETE FROM tr_meta WHERE name IN ('schema', 'partitions')")
            for name, value in _layout().items():
                self._exec(c, "INSERT INTO tr_meta VALUES (?, ?)", (name, value))

    def create_table(self) -> None:
        """Create the tables; a read model made for another layout is dropped.

        Another schema, or the briefing in another number of partitions (schema 2 had one,
        tracked as ``tracker.briefing``): the projected rows could not be carried on from,
        so they are dropped with every briefing tracking row, and the next catch-up projects
        the whole log again. It is derived data; a warning says why the wait.
        """
        super().create_table()  # type: ignore[misc]
        rows = self._select("SELECT name, value FROM tr_meta")
        found = {r["name"]: r["value"] for r in rows}
        wanted = _layout()
        if all(found.get(k) == v for k, v in wanted.items()):
            return
        if found:  # a fresh store has no layout yet: nothing to say
            log.warning(
                "read model made for schema %s with %s briefing partition(s), this version "
                "uses schema %s with %s: dropped; the next catch-up rebuilds it from the log",
                found.get("schema", "?"),
                found.get("partitions", "1"),
                wanted["schema"],
                wanted["partitions"],
            )
        self.reset()

    # --- evidence summaries --------------------------------------------------------
    def stale_summaries(self, before: str) -> list[tuple[str, str]]:
        rows = self._select(
            "SELECT engagement_id, seen FROM tr_summaries WHERE stale = 1 AND seen < ? "
            "ORDER BY seen",
            (before,),
        )
        return [(r["engagement_id"], r["seen"]) for r in rows]

    def summary_sources(self, engagement_ids: list[str]) -> dict[str, SummarySource]:
        out: dict[str, SummarySource] = {}
        for i in range(0, len(engagement_ids), 200):
            chunk = engagement_ids[i : i + 200]
            marks = ",".join("?" * len(chunk))
            cited: dict[str, list[dict[str, Any]]] = {e: [] for e in chunk}
            for r in self._select(
                f"SELECT {CITED} WHERE c.engagement_id IN ({marks}) "
                "ORDER BY c.engagement_id, c.published_at, c.version",
                chunk,
            ):
                cited[r["engagement_id"]].append(r)
            heads = self._select(
                f"SELECT engagement_id, state FROM tr_heads WHERE engagement_id IN ({marks})",
                chunk,
            )
            dates = {h["engagement_id"]: json.loads(h["state"]).get("date") for h in heads}
            for eid, rows in cited.items():
                standing = [r for r in rows if r["retracted_at"] is None]
                out[eid] = SummarySource(
                    rows=standing,
                    published=max((r["published_at"] for r in standing), default=""),
                    # A withdrawn citation shows on the recorded clock until it was withdrawn.
                    recorded=max((r["retracted_at"] or r["recorded_at"] for r in rows), default=""),
                    meeting_date=dates.get(eid),
                )
        return out

    def save_summaries(self, summaries: list[tuple[str, str, SummarySource, Any]]) -> None:
        with self._txn(commit=True) as c:
            self._many(
                c,
                "UPDATE tr_summaries SET stale = 0, until_published = ?, until_recorded = ?, "
                "meeting_date = ?, summary = ? WHERE engagement_id = ? AND seen = ? AND stale = 1",
                (
                    (src.published, src.recorded, src.meeting_date, _dumps(summary), eid, seen)
                    for eid, seen, src, summary in summaries
                ),
            )
