"""Plain-language pieces shared by every renderer (Markdown, HTML, terminal, Atom, alerts)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

LEVEL_LABEL = {
    "leader": "leader",
    "minister": "minister",
    "deputy_minister": "deputy minister",
    "senior_official": "senior official",
    "working_level": "working level",
}


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def day(value: str | None) -> str:
    """``2025-05-16`` or a timestamp -> ``16 May 2025``."""
    if not value:
        return "?"
    try:
        d = date.fromisoformat(value[:10])
    except ValueError:
        return value
    return f"{d.day} {d:%b %Y}"


def when(value: str | None) -> str:
    """A timestamp -> ``16 May 2025 14:05 UTC``."""
    if not value:
        return "?"
    try:
        dt = parse_iso(value)
    except ValueError:
        return value
    return f"{dt.day} {dt:%b %Y %H:%M} UTC"


def parties_label(parties: list[str]) -> str:
    return "–".join(parties) if parties else "?"


def engagement_label(e: dict[str, Any]) -> str:
    kind = "Summit" if e.get("kind") == "summit" else "Talks"
    place = f" in {e['venue']}" if e.get("venue") else ""
    date_part = f", {day(e['date'])}" if e.get("date") else ""
    return f"{kind} {parties_label(e.get('parties') or [])}{place}{date_part}"


def _who(v: Any) -> str:
    if not v:
        return "nobody known"
    if isinstance(v, dict):
        head = v.get("head")
        level = LEVEL_LABEL.get(v.get("level") or "", "")
        if head and level:
            return f"{head} ({level})"
        return head or level or "unknown"
    return str(v)


def _value(field: str, v: Any) -> str:
    """An old/new value of a plain field in words (dates as days, party lists joined)."""
    if v is None or v == "":
        return "—"
    if field.endswith("date") and isinstance(v, str):
        return day(v)
    if isinstance(v, list | tuple):
        return parties_label([str(x) for x in v])
    return str(v)


def change_sentence(c: dict[str, Any]) -> str:
    """One change record -> a sentence a reader understands without the data model."""
    field = c["field"]
    e = c.get("engagement") or {}
    what = engagement_label(e) if e else "Engagement"
    old, new = c.get("old"), c.get("new")
    if field.startswith("delegation."):
        party = field.split(".", 1)[1]
        shift = c.get("level_change")
        arrow = f" ({shift['direction']}, {shift['step']} level(s))" if shift else ""
        if old is None:
            return f"{what}: {party} delegation led by {_who(new)}"
        if _who(old) == _who(new):
            basis = "as expected" if c.get("basis") == "expected" else "as before"
            return f"{what}: {party} delegation led by {_who(new)}, {basis}"
        return f"{what}: {party} delegation {_who(old)} → {_who(new)}{arrow}"
    if field.startswith("expected."):
        party = field.split(".", 1)[1]
        return f"{what}: {party} expected to send {_who(new)}"
    if field.startswith("declined."):
        return f"{what}: {new} will not attend"
    if field == "rumour":
        return f"{what}: rumour {old or 'floated'} → {new}" if old else f"{what}: rumour {new}"
    if field.startswith("conflict."):
        subject = field.split(".", 1)[1].replace("delegation.", "head of the ") + (
            " delegation" if ".delegation." in f".{field}" else ""
        )
        if new == "resolved":
            return f"{what}: conflicting reports on {subject} resolved"
        return (
            f"{what}: conflicting reports on {subject} ({_value(field, old)} vs "
            f"{_value(field, new)})"
        )
    label = field.replace("_", " ")
    if old in (None, "", []):
        return f"{what}: {label} set to {_value(field, new)}"
    return f"{what}: {label} {_value(field, old)} → {_value(field, new)}"


def situation(doc: dict[str, Any]) -> str:
    """A few sentences summarising the briefing, built only from its data."""
    engagements = doc["engagements"]
    held = [e for e in engagements if e["status"] == "held"]
    planned = [e for e in engagements if e["status"] in ("proposed", "scheduled", "rescheduled")]
    parts = []
    if held:
        last = held[0]
        parts.append(f"{len(held)} meeting(s) held; the latest: {engagement_label(last)}.")
    if planned:
        nxt = sorted(planned, key=lambda e: e["date"] or "9999")[0]
        parts.append(
            f"{len(planned)} planned or proposed; next: {engagement_label(nxt)} ({nxt['status']})."
        )
    downgrades = [
        (e, d)
        for e in engagements
        for d in e["delegations"]
        if d["level_change"] and d["level_change"]["direction"] == "downgrade"
    ]
    for e, d in downgrades[:3]:
        prev = d["previous"] or {}
        parts.append(
            f"{d['party']} sent {d['head'] or 'an unnamed envoy'} "
            f"({LEVEL_LABEL.get(d['level'] or '', '?')}) to {engagement_label(e)}, "
            f"below the {LEVEL_LABEL.get(prev.get('level') or '', '?')} "
            f"{'expected' if d['basis'] == 'expected' else 'before'}."
        )
    open_r = [r for r in doc["rumours"] if r["status"] == "open"]
    if open_r:
        parts.append(f"{len(open_r)} summit rumour(s) open.")
    if not parts:
        return "Nothing reported on this track yet."
    return " ".join(parts)
