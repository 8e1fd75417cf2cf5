"""The read model's queries in portable SQL (the briefing, history, feeds), for SqlReadModel.

Split from :mod:`projections.sql` (which owns the tables and the writes) to keep modules
short; see that module for the conventions (``?`` placeholders, JSON as TEXT, fixed-width
timestamps). Indexes that serve these queries are declared there, next to the tables.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from projections.evidence import EVIDENCE_SHOWN
from projections.views import PUBLISHED, RECORDED

#: A citation with what counting its evidence needs; what a displayed one is shown with is
#: read apart (``citation_details``). Measured on the busiest track of the generated 1M-event
#: store at a date when one engagement still moving had 1,135 citations (1,454 rows in all):
#: reading them with their titles, links and sources took 4.1 ms in SQLite, without them
#: 2.4 ms, and the details of the 62 rows the briefing shows 0.3 ms more.
COUNTED = "c.engagement_id, c.version, c.field, c.story, c.published_at"
#: ... and when each was recorded and withdrawn (what a stored summary stands for).
CITED = f"{COUNTED}, c.recorded_at, c.retracted_at FROM tr_citations c"
#: What a displayed citation is shown with.
DETAILS = ("entry_id", "extractor_version", "title", "link", "source")


def _cited_filter(clock: str, at: str) -> tuple[str, tuple[str, ...]]:
    """Citations standing at ``at`` on a clock (a WHERE clause and its parameters)."""
    if clock == RECORDED:
        return "c.recorded_at <= ? AND (c.retracted_at IS NULL OR c.retracted_at > ?)", (at, at)
    return "c.published_at <= ? AND c.retracted_at IS NULL", (at,)


class SqlQueries:
    """Query methods of :class:`projections.sql.SqlReadModel` (it supplies ``_select``)."""

    def _select(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        raise NotImplementedError  # pragma: no cover - supplied by SqlReadModel

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
            where, visible = _cited_filter(clock, at)
            out += self._select(
                f"SELECT {COUNTED} FROM tr_citations c WHERE c.engagement_id IN ({marks}) "
                f"AND {where} "
                "ORDER BY c.engagement_id, c.published_at, c.version",
                (*chunk, *visible),
            )
        return out

    def citation_details(self, rows: list[dict[str, Any]]) -> None:
        by_engagement: dict[str, dict[int, dict[str, Any]]] = {}
        for r in rows:
            by_engagement.setdefault(r["engagement_id"], {})[r["version"]] = r
        ids = sorted(by_engagement)
        for i in range(0, len(ids), 100):
            # One key lookup per row: each engagement's versions, OR-ed (both databases use
            # the primary key for every term; a row-value IN list made SQLite scan).
            terms, params = [], []
            for eid in ids[i : i + 100]:
                versions = sorted(by_engagement[eid])
                terms.append(
                    f"(engagement_id = ? AND version IN ({','.join('?' * len(versions))}))"
                )
                params += [eid, *versions]
            found = self._select(
                f"SELECT engagement_id, version, {', '.join(DETAILS)} FROM tr_citations "
                f"WHERE {' OR '.join(terms)}",
                params,
            )
            for d in found:
                row = by_engagement[d["engagement_id"]][d["version"]]
                row.update((k, d[k]) for k in DETAILS)

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
            "c.extractor_version, c.title, c.link, c.source FROM tr_citations c "
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
        sql = f"SELECT i.* FROM tr_items i WHERE i.track = ? AND {where}"
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
        facts = [r["fact"] for r in self._select(reported + " ORDER BY 1", params)]
        if not facts:
            return []
        # A development can have hundreds of reports; each report of it is its own story
        # (Track.report_development turns a repeat away), so per fact the count and the
        # first and latest reports are index lookups, not a scan of them all.
        marks = ",".join("?" * len(facts))
        of_fact = f"FROM tr_items i WHERE i.track = ? AND i.kind = 'development' AND {where}"
        counts = {
            r["fact"]: r["n"]
            for r in self._select(
                f"SELECT i.fact, COUNT(DISTINCT i.story) AS n {of_fact} AND i.fact IN ({marks}) "
                "GROUP BY i.fact",
                (track, *visible, *facts),
            )
        }
        parts, args = [], []
        for fact in facts:
            for order, limit in (("", 1), (" DESC", EVIDENCE_SHOWN - 1)):
                parts.append(
                    f"SELECT * FROM (SELECT i.* {of_fact} AND i.fact = ? ORDER BY "
                    f"i.published_at{order}, i.item_id{order} LIMIT {limit}) x"
                )
                args += [track, *visible, fact]
        rows = {r["item_id"]: r for r in self._select(" UNION ALL ".join(parts), args)}
        out = sorted(rows.values(), key=lambda r: (r["fact"], r["published_at"], r["item_id"]))
        for r in out:
            r["payload"] = json.loads(r["payload"])
            r["n"] = counts.get(r["fact"], 0)
        return out

    def track(self, slug: str) -> dict[str, Any] | None:
        rows = self._select("SELECT * FROM tr_tracks WHERE slug = ?", (slug,))
        for r in rows:
            r["parties"] = json.loads(r["parties"])
        return rows[0] if rows else None

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
