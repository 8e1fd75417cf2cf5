"""Geometry for the page's two charts, computed on the server and drawn as inline SVG.

Both charts share one time axis on the history's own clock (``published_at`` by default,
``recorded_at`` in the audit view), so the timeline of engagements and the delegation-level
chart line up one above the other.

- **Timeline**: one row per engagement (meetings and summit rumours). The bar is coloured by
  the status in force at each moment (from the history's ``status`` changes), a dot marks
  each reported change (one dot per moment; its tooltip lists them) and a diamond marks the
  meeting's own date (``effective_on``), which may lie ahead of the news.
- **Delegation levels**: one panel per party, levels from leader (top) to working level. Each
  ``expected.P`` change (a leader invited or expected) is a hollow point, each
  ``delegation.P`` change (who was actually named) a filled one; a step line holds the level
  until the next report, and a drop is drawn red (downgrade) or a rise green (upgrade).

Templates only place what this module computes (``tracker/web/templates/_timeline.html`` and
``_levels.html``); nothing here knows about HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from projections.render.html import LEVELS, describe_change
from projections.render.text import LEVEL_LABEL, day, engagement_label, parse_iso, parties_label

WIDTH = 960.0  # SVG user units; the SVG scales to the page width
LEFT = 200.0  # room for row labels
RIGHT = 24.0
ROW = 40.0  # height of one timeline row
LEVEL_STEP = 22.0  # vertical distance between two delegation levels
PANEL_PAD = 16.0
MAX_ROWS = 24  # the most recent engagements; a long track would make the chart unreadable
RANK = {level: len(LEVELS) - i for i, level in enumerate(LEVELS)}  # leader=5 … working=1


def _dt(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = (
            parse_iso(value)
            if "T" in value
            else datetime.combine(date.fromisoformat(value[:10]), datetime.min.time())
        )
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Axis:
    """Maps a moment to an x position between ``LEFT`` and ``WIDTH - RIGHT``."""

    start: datetime
    end: datetime

    def x(self, when: datetime) -> float:
        span = (self.end - self.start).total_seconds() or 1.0
        frac = (when - self.start).total_seconds() / span
        return round(LEFT + min(max(frac, 0.0), 1.0) * (WIDTH - LEFT - RIGHT), 1)

    def ticks(self) -> list[Tick]:
        """Day, week or month ticks, whichever gives a readable handful."""
        days = (self.end - self.start).days
        first = self.start.replace(hour=0, minute=0, second=0, microsecond=0)
        out: list[Tick] = []
        if days <= 75:
            step = 1 if days <= 12 else 7
            d = first + timedelta(days=1)
            if step == 7:  # weeks start on Monday
                d += timedelta(days=(7 - d.weekday()) % 7)
            while d <= self.end:
                out.append(Tick(self.x(d), f"{d.day} {d:%b}"))
                d += timedelta(days=step)
            return out
        every = 1 if days <= 400 else 3 if days <= 1200 else 12
        d = first.replace(day=1)
        while d <= self.end:
            if d >= self.start and (d.month - 1) % every == 0:
                out.append(Tick(self.x(d), f"{d:%b %Y}" if d.month == 1 or not out else f"{d:%b}"))
            d = (d + timedelta(days=32)).replace(day=1)
        return out


def make_axis(moments: list[datetime]) -> Axis | None:
    """An axis covering ``moments`` with a little room either side (None when empty)."""
    if not moments:
        return None
    start, end = min(moments), max(moments)
    span = max(end - start, timedelta(days=6))
    pad = span * 0.04
    mid = start + (end - start) / 2
    if end - start < span:  # a single day of news: centre it in a week
        start, end = mid - span / 2, mid + span / 2
    return Axis(start - pad, end + pad)


def clock_key(history: dict[str, Any]) -> str:
    """The change timestamp the charts place things by: the history's own clock."""
    return "recorded_at" if history.get("clock") == "recorded" else "published_at"


def _changes(history: dict[str, Any]) -> list[dict[str, Any]]:
    """The history's changes, each with ``at``: its moment on the chosen clock."""
    key = clock_key(history)
    out = []
    for c in history.get("changes") or []:
        if _dt(c.get(key)) is not None:
            out.append({**c, "at": c[key]})
    out.sort(key=lambda c: c["at"])
    return out


def _changes_by_engagement(history: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for c in _changes(history):
        out.setdefault(c["engagement_id"], []).append(c)
    return out


def chart_axis(
    briefing: dict[str, Any], history: dict[str, Any], as_of: datetime | None
) -> Axis | None:
    """The shared axis: every change, every meeting date, and the chosen "as of" moment."""
    moments = [m for c in _changes(history) if (m := _dt(c["at"]))]
    for e in briefing.get("engagements") or []:
        if e.get("date") and e.get("date_precision") in (None, "day"):
            d = _dt(e["date"])
            if d is not None:
                moments.append(d + timedelta(hours=12))
    if as_of is not None and moments:
        moments.append(as_of)
    return make_axis(moments)


@dataclass
class Row:
    """One engagement on the timeline."""

    id: str
    label: str
    title: str  # first line of the row label: kind and parties
    sub: str  # second line: venue and date, or who floated it
    status: str
    anchor: str
    y: float
    segments: list[dict[str, Any]] = field(default_factory=list)
    marks: list[dict[str, Any]] = field(default_factory=list)
    meeting: dict[str, Any] | None = None
    faded: bool = False  # a rumour nobody repeats any more, or one denied


def timeline(
    briefing: dict[str, Any], history: dict[str, Any], axis: Axis, as_of: datetime | None
) -> dict[str, Any]:
    """Rows (status bars, change dots, meeting diamonds) and the axis ticks."""
    end = min(as_of, axis.end) if as_of else axis.end
    by_id = _changes_by_engagement(history)
    items = [(e, f"e-{e['id']}") for e in briefing.get("engagements") or []]
    known = {e["id"] for e, _ in items}
    items += [
        ({**r, "status": "rumored", "rumour_status": r["status"]}, f"r-{r['id']}")
        for r in briefing.get("rumours") or []
        if r["id"] not in known
    ]
    items.sort(key=lambda it: _first_seen(it[0], by_id))
    hidden = max(0, len(items) - MAX_ROWS)
    rows: list[Row] = []
    for e, anchor in items[hidden:]:
        changes = by_id.get(e["id"], [])
        title, sub = _label_lines(e)
        row = Row(
            id=e["id"],
            label=engagement_label(e),
            title=title,
            sub=sub,
            status=e["status"],
            anchor=anchor,
            y=round(30 + len(rows) * ROW, 1),
        )
        row.faded = e.get("rumour_status") in ("stale", "denied")
        _status_segments(row, e, changes, axis, end)
        _marks(row, changes, axis)
        when = _dt(e.get("date")) if e.get("date_precision") in (None, "day") else None
        if when is not None:
            row.meeting = {"x": axis.x(when + timedelta(hours=12)), "label": day(e["date"])}
        rows.append(row)
    height = round(30 + len(rows) * ROW + 12, 1)
    return {
        "rows": rows,
        "ticks": axis.ticks(),
        "height": height,
        "as_of_x": axis.x(as_of) if as_of and axis.start <= as_of <= axis.end else None,
        "width": WIDTH,
        "left": LEFT,
        "hidden": hidden,
    }


def _label_lines(e: dict[str, Any]) -> tuple[str, str]:
    kind = "Summit" if e.get("kind") == "summit" else "Talks"
    title = f"{kind} {parties_label(e.get('parties') or [])}"
    where = [e["venue"]] if e.get("venue") else []
    if e.get("date"):
        where.append(day(e["date"]))
    if e.get("speaker") and not where:
        where.append(f"floated by {e['speaker']}")
    if e.get("rumour_status"):
        where.append(f"rumour {e['rumour_status']}")
    return title, " · ".join(where)


def _first_seen(e: dict[str, Any], by_id: dict[str, list[dict[str, Any]]]) -> str:
    rows = by_id.get(e["id"])
    return rows[0]["at"] if rows else (e.get("first_published") or e.get("since") or "")


def _status_segments(
    row: Row, e: dict[str, Any], changes: list[dict[str, Any]], axis: Axis, end: datetime
) -> None:
    moves = [c for c in changes if c["field"] == "status"]
    status = moves[0]["old"] if moves and moves[0].get("old") else e["status"]
    start = _dt(changes[0]["at"]) if changes else _dt(_first_seen(e, {}))
    if start is None:
        return
    for c in moves:
        at = _dt(c["at"]) or start
        if at > start:
            row.segments.append(_segment(axis, start, at, status))
        start, status = at, c["new"] or status
    if end > start:
        row.segments.append(_segment(axis, start, end, status))
    elif not row.segments:  # news on the very last moment: a sliver, not nothing
        row.segments.append({**_segment(axis, start, start, status), "w": 3.0})


def _segment(axis: Axis, a: datetime, b: datetime, status: str) -> dict[str, Any]:
    x1, x2 = axis.x(a), axis.x(b)
    return {"x": x1, "w": round(max(x2 - x1, 1.5), 1), "status": status}


_MARK_ORDER = {"other": 0, "status": 1, "downgrade": 2, "upgrade": 2}


def _marks(row: Row, changes: list[dict[str, Any]], axis: Axis) -> None:
    """One dot per moment; its kind is the most telling change reported then."""
    moments: dict[str, list[dict[str, Any]]] = {}
    for c in changes:
        moments.setdefault(c["at"], []).append(c)
    for moment, group in moments.items():
        kind = "other"
        for c in group:
            shift = c.get("level_change")
            if shift:
                kind = shift["direction"]
                break
            if c["field"] == "status":
                kind = f"status-{c['new']}"
        when = _dt(moment)
        assert when is not None  # filtered in _changes
        row.marks.append(
            {
                "x": axis.x(when),
                "kind": kind,
                "at": moment,
                "title": f"{day(moment)}: " + "; ".join(describe_change(c) for c in group),
            }
        )
    _dodge(row.marks)
    # Dots that still overlap: the telling ones are drawn last so they stay on top (and
    # clickable): level changes over status changes over the rest.
    row.marks.sort(key=lambda m: _MARK_ORDER.get(m["kind"].split("-")[0], 0))


def _dodge(marks: list[dict[str, Any]]) -> None:
    """Lift or drop a dot that would cover its neighbour (news comes in bursts)."""
    lanes = {0.0: -1e9, -9.0: -1e9, 9.0: -1e9}  # vertical offset -> x of its last dot
    for m in sorted(marks, key=lambda m: m["x"]):
        free = [dy for dy, last in lanes.items() if m["x"] - last >= 12]
        dy = free[0] if free else min(lanes, key=lambda d: lanes[d])
        m["dy"] = dy
        lanes[dy] = m["x"]


def level_chart(history: dict[str, Any], axis: Axis, as_of: datetime | None) -> dict[str, Any]:
    """Per party: the level of its delegation to the talks over time, from the history."""
    end = min(as_of, axis.end) if as_of else axis.end
    series: dict[str, list[dict[str, Any]]] = {}
    for c in _changes(history):
        head, _, party = c["field"].partition(".")
        if head not in ("delegation", "expected") or not party:
            continue
        if (c.get("engagement") or {}).get("kind") == "summit":
            continue  # leaders meet at summits by definition: the chart follows the talks
        new = c.get("new") or {}
        level = new.get("level") if isinstance(new, dict) else None
        when = _dt(c["at"])
        if level not in RANK or when is None:
            continue  # an unnamed or unknown head is no change of level
        series.setdefault(party, []).append(
            {
                "when": when,
                "level": level,
                "head": new.get("head"),
                "expected": head == "expected",
                "shift": c.get("level_change"),
                "engagement": engagement_label(c["engagement"]) if c.get("engagement") else "",
                "title": f"{day(c['at'])}: {describe_change(c)}",
                "at": c["at"],
            }
        )
    panels = []
    top = 8.0
    for party, points in series.items():
        points.sort(key=lambda p: p["when"])
        panels.append(_panel(party, points, axis, end, top))
        top += panels[-1]["height"]
    return {
        "panels": panels,
        "height": round(top + 26, 1),
        "ticks": axis.ticks(),
        "width": WIDTH,
        "left": LEFT,
        "as_of_x": axis.x(as_of) if as_of and axis.start <= as_of <= axis.end else None,
    }


def _panel(
    party: str, points: list[dict[str, Any]], axis: Axis, end: datetime, top: float
) -> dict[str, Any]:
    def y(level: str) -> float:
        return round(top + PANEL_PAD + (len(LEVELS) - RANK[level]) * LEVEL_STEP, 1)

    grid = [{"y": y(lv), "label": LEVEL_LABEL[lv], "level": lv} for lv in LEVELS]
    steps, drawn, story = [], [], []
    prev: dict[str, Any] | None = None
    for p in points:
        x, py = axis.x(p["when"]), y(p["level"])
        if prev is not None:
            steps.append({"x1": prev["x"], "x2": x, "y": prev["y"], "expected": prev["expected"]})
            if py != prev["y"]:
                direction = "downgrade" if RANK[p["level"]] < RANK[prev["level"]] else "upgrade"
                steps.append(
                    {
                        "x": x,
                        "y1": prev["y"],
                        "y2": py,
                        "direction": direction,
                        "step": abs(RANK[p["level"]] - RANK[prev["level"]]),
                    }
                )
                story.append({**_words(prev, p), "direction": direction})
        point = {**p, "x": x, "y": py}
        drawn.append(point)
        prev = point
    if prev is not None and axis.x(end) > prev["x"]:
        steps.append(
            {"x1": prev["x"], "x2": axis.x(end), "y": prev["y"], "expected": prev["expected"]}
        )
    return {
        "party": party,
        "top": top,
        "height": PANEL_PAD * 2 + (len(LEVELS) - 1) * LEVEL_STEP + 14,
        "grid": grid,
        "steps": steps,
        "points": drawn,
        "story": story,
        "current": drawn[-1] if drawn else None,
    }


def _words(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """``Vladimir Putin (leader, expected) → Vladimir Medinsky (senior official)``."""

    def who(p: dict[str, Any]) -> str:
        note = ", expected" if p["expected"] else ""
        return f"{p['head'] or 'unnamed'} ({LEVEL_LABEL[p['level']]}{note})"

    return {
        "text": f"{who(a)} → {who(b)}",
        "when": day(b["at"]),
        "step": abs(RANK[b["level"]] - RANK[a["level"]]),
        "engagement": b["engagement"],
    }
