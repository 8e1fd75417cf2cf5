"""The evidence behind each engagement field, as of a date: from citation rows or a summary.

A briefing shows, for every field of every engagement, up to ``EVIDENCE_SHOWN`` distinct
stories (the first and the latest) and how many there are. Counting them from the citation
rows valid at D costs as much as the engagement has citations, and a briefing lists every
engagement of the track: that grows with history. So once an engagement has been quiet for
``SUMMARY_IDLE`` (no event recorded), the projector stores what its citations come to
(:func:`summarize`, in ``tr_summaries``); any later citation or retraction marks it stale in
the same transaction that writes it. A summary stands for every date after its last
citation (published clock) or its last citation and retraction (recorded clock), so only the
engagements still moving around D are counted from their rows. Both ways give the same
document (tests/test_projections_scale.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from projections.views import ReadModel, ts

EVIDENCE_SHOWN = 5
#: An engagement with no event recorded for this long gets a summary of its evidence.
SUMMARY_IDLE = timedelta(days=3)
#: Engagements summarised per read: their citations are in memory together.
SUMMARY_CHUNK = 40


def iso_ts(value: str | None) -> str | None:
    """Storage timestamp -> the ``...Z`` ISO form used in every JSON output."""
    if value is None:
        return None
    return value[:19] + "Z" if value.endswith(".000000Z") else value


def _distinct(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first row of each story, in the order the stories first appear."""
    first: dict[str, dict[str, Any]] = {}
    for r in rows:
        first.setdefault(r["story"], r)  # a dict keeps the order stories first appear in
    return list(first.values())


def _shown(distinct: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What is displayed of the distinct stories: the first and the latest."""
    if len(distinct) > EVIDENCE_SHOWN:
        return distinct[:1] + distinct[-(EVIDENCE_SHOWN - 1) :]
    return distinct


def stories(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """Distinct stories, oldest first, capped for display; plus the full corroboration count."""
    first = _distinct(rows)
    shown = _shown(first)
    items = [
        {
            "title": r["title"],
            "link": r["link"],
            "source": r["source"],
            "published_at": iso_ts(r["published_at"]),
            "extractor_version": r.get("extractor_version"),
        }
        for r in shown
    ]
    return items, len(first)


class Evidence:
    """One engagement's evidence, counted from its citation rows (oldest first).

    Counting needs only each row's field, story and time; what a story is shown with (title,
    link, source, extractor version) is needed only for the few rows displayed
    (:meth:`shown_rows`, loaded by :func:`load_details`).
    """

    def __init__(self, rows: list[dict[str, Any]]):
        self._fields: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            self._fields[r["field"]].append(r)
        self._rows = rows

    def field(self, key: str) -> tuple[list[dict[str, Any]], int]:
        """Stories behind one citation field (``status:held``, ``delegation:RU:lavrov``...)."""
        return stories(self._fields.get(key, []))

    def _status_rows(self) -> list[dict[str, Any]]:
        rows = [r for f, rows in self._fields.items() if f.startswith("status:") for r in rows]
        return rows or self._rows

    def status(self) -> tuple[list[dict[str, Any]], int]:
        """Stories behind the engagement's status reports (every report when there is none)."""
        return stories(self._status_rows())

    def shown_rows(self) -> list[dict[str, Any]]:
        """The rows any answer here can display (of every field, and of the status)."""
        out: dict[int, dict[str, Any]] = {}
        for rows in (*self._fields.values(), self._status_rows()):
            for r in _shown(_distinct(rows)):
                out[id(r)] = r
        return list(out.values())

    def total(self) -> int:
        return len(_distinct(self._rows))

    def last(self, key: str) -> str | None:
        """When the latest report behind a field was published (storage timestamp)."""
        return max((r["published_at"] for r in self._fields.get(key, [])), default=None)

    def summary(self) -> dict[str, Any]:
        """Everything the methods above can answer, as JSON (see :class:`Summary`)."""
        return {
            "fields": {k: [*self.field(k), self.last(k)] for k in self._fields},
            "status": list(self.status()),
            "total": self.total(),
        }


class Summary(Evidence):
    """The same answers, read from a stored :meth:`Evidence.summary`."""

    def __init__(self, summary: dict[str, Any]):
        self._summary = summary

    def shown_rows(self) -> list[dict[str, Any]]:
        return []  # the summary holds what it shows

    def field(self, key: str) -> tuple[list[dict[str, Any]], int]:
        items, n, _last = self._summary["fields"].get(key, ([], 0, None))
        return items, n

    def status(self) -> tuple[list[dict[str, Any]], int]:
        items, n = self._summary["status"]
        return items, n

    def total(self) -> int:
        return int(self._summary["total"])

    def last(self, key: str) -> str | None:
        return self._summary["fields"].get(key, ([], 0, None))[2]


def load_details(view: ReadModel, evidence: Iterable[Evidence]) -> None:
    """Load what the displayed rows of each engagement's evidence are shown with.

    Citation rows are read with only what counting needs (``ReadModel.citations_of``,
    ``summary_sources``); a long-running engagement has thousands and shows a few per field.
    """
    missing = [r for e in evidence for r in e.shown_rows() if "title" not in r]
    if missing:
        view.citation_details(missing)


def refresh_summaries(
    view: ReadModel,
    latest: str,
    *,
    idle: timedelta = SUMMARY_IDLE,
    keep: Callable[[str], bool] | None = None,
) -> int:
    """Summarise every engagement with no event recorded for ``idle`` before ``latest`` (the
    latest event folded, a storage timestamp); returns how many were due.

    ``keep`` limits it to some engagements (by id): a partition of the briefing summarises
    only its own, so that it never reads the citations of an engagement another process is
    writing at the same time (``projections.projector``).
    """
    before = datetime.fromisoformat(latest) - idle
    stale = view.stale_summaries(ts(before))
    if keep is not None:
        stale = [(e, seen) for e, seen in stale if keep(e)]
    for i in range(0, len(stale), SUMMARY_CHUNK):
        chunk = dict(stale[i : i + SUMMARY_CHUNK])
        sources = view.summary_sources(list(chunk))
        evidence = {e: Evidence(src.rows) for e, src in sources.items()}
        load_details(view, evidence.values())
        view.save_summaries(
            [(e, chunk[e], src, evidence[e].summary()) for e, src in sources.items()]
        )
    return len(stale)
