"""The read model in portable SQL (SQLite and PostgreSQL run the very same statements).

Statements are written with ``?`` placeholders; :class:`SqlReadModel` rewrites them for the
backend (``%s`` for psycopg). Every JSON value is stored as TEXT, every timestamp as a
fixed-width ISO string (``views.ts``), so both backends sort and compare identically.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import Tracking

from projections.evidence import EVIDENCE_SHOWN
from projections.views import PUBLISHED, RECORDED, Batch, Head, ReadModel, SummarySource

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
    """CREATE TABLE IF NOT EXISTS tr_citations (
        engagement_id TEXT NOT NULL, version INTEGER NOT NULL, track TEXT NOT NULL,
        field TEXT NOT NULL, entry_id TEXT NOT NULL, story TEXT NOT NULL,
        published_at TEXT NOT NULL, recorded_at TEXT NOT NULL, extractor_version TEXT,
        retracted_at TEXT, PRIMARY KEY (engagement_id, version))""",
    "CREATE INDEX IF NOT EXISTS tr_citations_track ON tr_citations (track, published_at)",
    "CREATE INDEX IF NOT EXISTS tr_citations_entry ON tr_citations (engagement_id, entry_id)",
    """CREATE TABLE IF NOT EXISTS tr_entries (
        entry_id TEXT PRIMARY KEY, title TEXT NOT NULL, link TEXT, source TEXT NOT NULL,
        published_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS tr_tracks (
        slug TEXT PRIMARY KEY, title TEXT NOT NULL, parties TEXT NOT NULL,
        started_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS tr_items (
        item_id TEXT PRIMARY KEY, track TEXT NOT NULL, kind TEXT NOT NULL, fact TEXT,
        entry_id TEXT NOT NULL, story TEXT, published_at TEXT NOT NULL,
        recorded_at TEXT NOT NULL, retracted_at TEXT, payload TEXT NOT NULL)""",
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
]
DROP = [
    "DROP TABLE IF EXISTS tr_heads",
    "DROP TABLE IF EXISTS tr_versions",
    "DROP TABLE IF EXISTS tr_changes",
    "DROP TABLE IF EXISTS tr_citations",
    "DROP TABLE IF EXISTS tr_entries",
    "DROP TABLE IF EXISTS tr_tracks",
    "DROP TABLE IF EXISTS tr_items",
    "DROP TABLE IF EXISTS tr_feeds",
    "DROP TABLE IF EXISTS tr_summaries",
]

#: A citation with what the briefing shows of its entry.
_CITED = (
    "c.engagement_id, c.field, c.story, c.entry_id, c.published_at, c.recorded_at, "
    "c.retracted_at, c.extractor_version, e.title, e.link, e.source FROM tr_citations c "
    "JOIN tr_entries e ON e.entry_id = c.entry_id"
)

#: Key of the withdrawn entries in a stored head's state (see ``Head.retracted``).
RETRACTED = "retracted_entries"

#: Tracking keys of the projections this read model serves (one row each).
PROJECTIONS = ("tracker.briefing",)


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


class SqlReadModel(ReadModel):
    """Portable SQL for :class:`ReadModel`. Subclasses supply the connection plumbing."""

    placeholder = "?"

    # --- plumbing supplied by the backend -----------------------------------------
    @contextmanager
    def _txn(self, commit: bool) -> Iterator[Any]:  # pragma: no cover - abstract
        raise NotImplementedError
        yield

    def _insert_tracking_in(self, cursor: Any, tracking: Tracking) -> None:  # pragma: no cover
        raise NotImplementedError

    def _rows(self, cursor: Any) -> list[dict[str, Any]]:  # pragma: no cover
        raise NotImplementedError

    def _delete_tracking(self, cursor: Any, names: Sequence[str]) -> None:  # pragma: no cover
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
        with self._txn(commit=False) as c:
            self._exec(c, sql, params)
            return self._rows(c)

    # --- writing ------------------------------------------------------------------
    def write(self, batch: Batch, tracking: Tracking) -> None:
        with self._txn(commit=True) as c:
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
            "INSERT INTO tr_entries VALUES (?,?,?,?,?) ON CONFLICT (entry_id) DO UPDATE SET "
            "title = excluded.title, link = excluded.link, published_at = excluded.published_at",
            b.entries.values(),
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
            "INSERT INTO tr_citations VALUES (?,?,?,?,?,?,?,?,?,?) "
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
            "INSERT INTO tr_items VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (item_id) DO NOTHING",
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
            for stmt in TABLES:
                c.execute(stmt)
            self._delete_tracking(c, PROJECTIONS)

    # --- evidence summaries --------------------------------------------------------
    def stale_summaries(self, before: str) -> list[tuple[str, str]]:
        rows = self._select(
            "SELECT engagement_id, seen FROM tr_summaries WHERE stale = 1 AND seen < ? "
            "ORDER BY seen",
            (before,),
        )
        return [(r["engagement_id"], r["seen"]) for r in rows]

    def summary_source(self, engagement_id: str) -> SummarySource:
        rows = self._select(
            f"SELECT {_CITED} WHERE c.engagement_id = ? ORDER BY c.published_at, c.version",
            (engagement_id,),
        )
        standing = [r for r in rows if r["retracted_at"] is None]
        head = self._select("SELECT state FROM tr_heads WHERE engagement_id = ?", (engagement_id,))
        return SummarySource(
            rows=standing,
            published=max((r["published_at"] for r in standing), default=""),
            # A withdrawn citation shows on the recorded clock until it was withdrawn.
            recorded=max((r["retracted_at"] or r["recorded_at"] for r in rows), default=""),
            meeting_date=json.loads(head[0]["state"]).get("date") if head else None,
        )

    def save_summary(
        self, engagement_id: str, seen: str, source: SummarySource, summary: Any
    ) -> bool:
        with self._txn(commit=True) as c:
            self._exec(
                c,
                "UPDATE tr_summaries SET stale = 0, until_published = ?, until_recorded = ?, "
                "meeting_date = ?, summary = ? WHERE engagement_id = ? AND seen = ? AND stale = 1",
                (
                    source.published,
                    source.recorded,
                    source.meeting_date,
                    _dumps(summary),
                    engagement_id,
                    seen,
                ),
            )
            return bool(getattr(getattr(c, "sqlite_cursor", c), "rowcount", 1))

    # --- queries ------------------------------------------------------------------
    def engagement_rows(
        self, track: str, clock: str, at: str, since: str | None = None
    ) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
        until = "until_recorded" if clock == RECORDED else "until_published"
        sql = (
            "SELECT v.state, s.summary FROM tr_versions v LEFT JOIN tr_summaries s "
            f"ON s.engagement_id = v.engagement_id AND s.stale = 0 AND s.{until} <= ? "
            "WHERE v.track = ? AND v.clock = ? AND v.valid_to > ? AND v.valid_from <= ?"
        )
        params: tuple[Any, ...] = (at, track, clock, at, at)
        if since is not None:
            # Quiet since before ``since`` and met before it: history, not the briefing.
            sql += (
                " AND (v.valid_from > ? OR s.engagement_id IS NULL OR s.until_published > ? "
                "OR s.meeting_date >= ?)"
            )
            params += (since, since, since[:10])
        rows = self._select(sql, params)
        return [
            (json.loads(r["state"]), json.loads(r["summary"]) if r["summary"] else None)
            for r in rows
        ]

    def citations_of(self, engagement_ids: list[str], clock: str, at: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for i in range(0, len(engagement_ids), 500):
            chunk = engagement_ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            if clock == RECORDED:
                where = "c.recorded_at <= ? AND (c.retracted_at IS NULL OR c.retracted_at > ?)"
                params: tuple[Any, ...] = (*chunk, at, at)
            else:
                where = "c.published_at <= ? AND c.retracted_at IS NULL"
                params = (*chunk, at)
            out += self._select(
                f"SELECT {_CITED} WHERE c.engagement_id IN ({marks}) AND {where} "
                "ORDER BY c.engagement_id, c.published_at, c.version",
                params,
            )
        return out

    def engagement_states(self, track: str, clock: str, at: str) -> list[dict[str, Any]]:
        rows = self._select(
            "SELECT state FROM tr_versions WHERE track = ? AND clock = ? AND valid_to > ? "
            "AND valid_from <= ?",
            (track, clock, at, at),
        )
        return [json.loads(r["state"]) for r in rows]

    def citations(self, track: str, clock: str, at: str) -> list[dict[str, Any]]:
        if clock == RECORDED:
            where = "c.recorded_at <= ? AND (c.retracted_at IS NULL OR c.retracted_at > ?)"
            params: tuple[Any, ...] = (track, at, at)
        else:
            where = "c.published_at <= ? AND c.retracted_at IS NULL"
            params = (track, at)
        return self._select(
            "SELECT c.engagement_id, c.field, c.story, c.entry_id, c.published_at, "
            "c.extractor_version, e.title, e.link, e.source FROM tr_citations c "
            "JOIN tr_entries e ON e.entry_id = c.entry_id "
            f"WHERE c.track = ? AND {where} ORDER BY c.published_at, c.version",
            params,
        )

    def latest_change(self, track: str) -> str | None:
        found = [
            self._select(f"SELECT MAX(published_at) AS at FROM {table} WHERE track = ?", (track,))
            for table in ("tr_changes", "tr_items")
        ]
        return max((r[0]["at"] for r in found if r and r[0]["at"]), default=None)

    def changes(
        self,
        track: str,
        *,
        since: str | None,
        until: str | None,
        clock: str = PUBLISHED,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        col = "recorded_at" if clock == RECORDED else "published_at"
        sql = "SELECT * FROM tr_changes WHERE track = ?"
        params: list[Any] = [track]
        if since:
            sql += f" AND {col} > ?"
            params.append(since)
        if until:
            sql += f" AND {col} <= ?"
            params.append(until)
        if limit:
            sql += f" ORDER BY {col} DESC, engagement_id, n DESC LIMIT {int(limit)}"
            rows = list(reversed(self._select(sql, params)))
        else:
            sql += f" ORDER BY {col}, engagement_id, n"
            rows = self._select(sql, params)
        out = []
        for r in rows:
            d = dict(r)
            for k in ("old", "new", "detail"):
                d[k] = json.loads(d[k]) if d[k] is not None else None
            out.append(d)
        return out

    def _item_filter(self, clock: str, at: str) -> tuple[str, tuple[Any, ...]]:
        if clock == RECORDED:
            where = "i.recorded_at <= ? AND (i.retracted_at IS NULL OR i.retracted_at > ?)"
            return where, (at, at)
        return "i.published_at <= ? AND i.retracted_at IS NULL", (at,)

    def track_items(
        self,
        track: str,
        clock: str,
        at: str,
        since: str | None = None,
        kind: str | None = None,
    ) -> list[dict[str, Any]]:
        where, params = self._item_filter(clock, at)
        sql = (
            "SELECT i.*, e.title, e.link, e.source FROM tr_items i "
            f"LEFT JOIN tr_entries e ON e.entry_id = i.entry_id WHERE i.track = ? AND {where}"
        )
        params = (track, *params)
        if since is not None:
            sql += " AND i.published_at > ?"
            params += (since,)
        if kind is not None:
            sql += " AND i.kind = ?"
            params += (kind,)
        rows = self._select(sql + " ORDER BY i.published_at, i.item_id", params)
        for r in rows:
            r["payload"] = json.loads(r["payload"])
        return rows

    def developments(
        self, track: str, clock: str, at: str, since: str | None = None
    ) -> list[dict[str, Any]]:
        where, visible = self._item_filter(clock, at)
        reported = (
            "SELECT DISTINCT i.fact FROM tr_items i WHERE i.track = ? AND "
            f"i.kind = 'development' AND {where}"
        )
        params: tuple[Any, ...] = (track, *visible)
        if since is not None:
            reported += " AND i.published_at > ?"
            params += (since,)
        # Narrow rows first (a development can have hundreds of reports), whole rows for the
        # first and latest stories only. (Window functions in SQL were slower on SQLite.)
        narrow = self._select(
            "SELECT i.item_id, i.fact, i.story FROM tr_items i WHERE i.track = ? AND "
            f"i.kind = 'development' AND {where} AND i.fact IN ({reported}) "
            "ORDER BY i.fact, i.published_at, i.item_id",
            (track, *visible, *params),
        )
        stories: dict[str, dict[str, str]] = {}
        for r in narrow:
            stories.setdefault(r["fact"], {}).setdefault(r["story"], r["item_id"])
        chosen: dict[str, tuple[int, int]] = {}
        for firsts in stories.values():
            ids = list(firsts.values())
            for a, item_id in enumerate(ids, 1):
                if a == 1 or a > len(ids) - (EVIDENCE_SHOWN - 1):
                    chosen[item_id] = (a, len(ids))
        rows: list[dict[str, Any]] = []
        ids = sorted(chosen)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            rows += self._select(
                "SELECT i.*, e.title, e.link, e.source FROM tr_items i LEFT JOIN tr_entries e "
                f"ON e.entry_id = i.entry_id WHERE i.item_id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
        for r in rows:
            r["payload"] = json.loads(r["payload"])
            r["a"], r["n"] = chosen[r["item_id"]]
        rows.sort(key=lambda r: (r["fact"], r["a"]))
        return rows

    def tracks(self) -> list[dict[str, Any]]:
        rows = self._select("SELECT * FROM tr_tracks ORDER BY slug")
        for r in rows:
            r["parties"] = json.loads(r["parties"])
        return rows

    def feeds(self) -> list[dict[str, Any]]:
        return self._select("SELECT * FROM tr_feeds ORDER BY name")

    def counts(self) -> dict[str, int]:
        out = {}
        for table in ("tr_versions", "tr_changes", "tr_citations", "tr_items", "tr_heads"):
            out[table] = self._select(f"SELECT COUNT(*) AS n FROM {table}")[0]["n"]
        return out
