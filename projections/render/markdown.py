"""Markdown laid out like an analyst's briefing, every line citing its sources.

Sections follow the seed briefing: situation, meetings and schedule, delegations and levels,
summit rumours, stakeholders and positions, what changed, looking ahead, sources.
"""

from __future__ import annotations

from typing import Any

from projections.render.text import (
    LEVEL_LABEL,
    change_sentence,
    day,
    engagement_label,
    parties_label,
    situation,
    when,
)


def _cite(evidence: list[dict[str, Any]], limit: int = 3) -> str:
    if not evidence:
        return ""
    parts = []
    for ev in evidence[:limit]:
        label = f"{ev['source']}, {day(ev['published_at'])}"
        parts.append(f"[{label}]({ev['link']})" if ev.get("link") else label)
    more = f" +{len(evidence) - limit}" if len(evidence) > limit else ""
    return " — " + "; ".join(parts) + more


def render_briefing(doc: dict[str, Any]) -> str:
    clock = "published" if doc["clock"] == "published" else "recorded by this tracker"
    lines = [
        f"# {doc['title']}",
        "",
        f"_Briefing as of {when(doc['as_of'])} (everything {clock} by then)._",
        "",
        "## Situation",
        "",
        situation(doc),
        "",
        "## Meetings and schedule",
        "",
    ]
    if not doc["engagements"]:
        lines.append("No meetings reported yet.")
    for e in doc["engagements"]:
        corr = f" · {e['corroboration']} source(s)" if e["corroboration"] else ""
        lines.append(f"- **{engagement_label(e)}** — {e['status']}{corr}{_cite(e['evidence'])}")
        if e["mediators"]:
            lines.append(f"  - Mediator/host: {parties_label(e['mediators'])}")
        for c in e["conflicts"]:
            vals = ", ".join(f"{v['value']}{_cite(v['evidence'], 1)}" for v in c["values"])
            lines.append(f"  - ⚠ Conflicting reports on {c['field']}: {vals}")
    lines += ["", "## Delegations and levels", ""]
    any_delegation = False
    for e in doc["engagements"]:
        if not e["delegations"] and not e["expected"]:
            continue
        any_delegation = True
        lines.append(f"**{engagement_label(e)}**")
        lines.append("")
        lines.append("| Party | Head | Title | Level | Since | Change | Sources |")
        lines.append("|---|---|---|---|---|---|---|")
        for d in e["delegations"]:
            change = ""
            if d["level_change"]:
                prev = d["previous"] or {}
                was = prev.get("head") or LEVEL_LABEL.get(prev.get("level") or "", "?")
                change = (
                    f"{d['level_change']['direction']} from {was} "
                    f"({LEVEL_LABEL.get(prev.get('level') or '', '?')}, {d['basis']})"
                )
            srcs = _cite(d["evidence"]).removeprefix(" — ")
            lines.append(
                f"| {d['party']} | {d['head'] or '(unnamed)'} | {d['head_title'] or ''} | "
                f"{LEVEL_LABEL.get(d['level'] or '', '?')} | {day(d['since'])} | {change} | "
                f"{srcs} |"
            )
        for x in e["expected"]:
            if x["sent"]:
                continue
            note = " (declined)" if x["declined"] else ""
            lines.append(
                f"| {x['party']} | {x['person'] or '(leader)'} expected{note} | | "
                f"{LEVEL_LABEL.get(x['level'] or '', '?')} | {day(x['since'])} | | "
                f"{_cite(x['evidence']).removeprefix(' — ')} |"
            )
        lines.append("")
    if not any_delegation:
        lines += ["No delegations reported yet.", ""]
    lines += ["## Summit rumours", ""]
    if not doc["rumours"]:
        lines.append("None.")
    for r in doc["rumours"]:
        who = f", floated by {r['speaker']}" if r["speaker"] else ""
        place = f" in {r['venue']}" if r["venue"] else ""
        date = f" on {day(r['date'])}" if r["date"] else ""
        denied = f" (denied by {r['denied_by']})" if r.get("denied_by") else ""
        lines.append(
            f"- {parties_label(r['parties'])} leaders' meeting{place}{date}{who} — "
            f"**{r['status']}**{denied}, since {day(r['since'])}{_cite(r['evidence'])}"
        )
    lines += ["", "## Stakeholders and positions", ""]
    if not doc["positions"] and not doc["developments"]:
        lines.append("No positions or developments reported yet.")
    for p in doc["positions"]:
        who = p["person"] or p["party"] or "?"
        party = f" ({p['party']})" if p["party"] and p["person"] else ""
        n = p["corroboration"]
        reports = f" · {n} source(s)" if n > 1 else ""  # as developments say it
        lines.append(f"- {who}{party}: “{p['stance']}”{reports}{_cite(p['evidence'])}")
    for d in doc["developments"]:
        lines.append(
            f"- {d['type'].replace('_', ' ').capitalize()} — {parties_label(d['parties'])}, "
            f"{day(d['date'])} · {d['corroboration']} source(s){_cite(d['evidence'])}"
        )
    lines += ["", "## What changed", ""]
    if not doc["changes"]:
        lines.append("Nothing yet.")
    for c in reversed(doc["changes"]):
        ev = c["evidence"]
        src = f" — [{ev['source']}]({ev['link']})" if ev and ev.get("link") else ""
        tag = " _(extractor re-reading)_" if c["cause"] == "extractor" else ""
        lines.append(f"- {day(c['published_at'])}: {change_sentence(c)}{tag}{src}")
    lines += ["", "## Looking ahead", ""]
    ahead = doc["looking_ahead"]
    if not ahead["upcoming"] and not ahead["open_rumours"]:
        lines.append("No scheduled dates or open rumours.")
    for u in ahead["upcoming"]:
        lines.append(f"- {day(u['date'])}: {engagement_label(u)} ({u['status']})")
    for r in ahead["open_rumours"]:
        lines.append(
            f"- Open rumour: {parties_label(r['parties'])} leaders' meeting"
            + (f" floated by {r['speaker']}" if r["speaker"] else "")
        )
    lines += ["", "## Sources", ""]
    if not doc["sources"]:
        lines.append("None yet.")
    for s in doc["sources"]:
        lines.append(f"- {s['source']}: {s['citations']} citation(s)")
    return "\n".join(lines).rstrip() + "\n"


def render_history(doc: dict[str, Any]) -> str:
    lines = [f"# History of {doc['track']}", ""]
    if not doc["changes"]:
        lines.append("No changes in this period.")
    for c in doc["changes"]:
        ev = c["evidence"]
        src = f" — [{ev['source']}]({ev['link']})" if ev and ev.get("link") else ""
        tag = f" _(extractor {c['extractor_version']})_" if c["cause"] == "extractor" else ""
        lines.append(
            f"- {when(c['published_at'])} (recorded {when(c['recorded_at'])}): "
            f"{change_sentence(c)}{tag}{src}"
        )
    return "\n".join(lines) + "\n"


def render_diff(doc: dict[str, Any]) -> str:
    lines = [f"# {doc['track']}: what changed from {when(doc['from'])} to {when(doc['to'])}", ""]
    for e in doc["added"]:
        lines.append(f"- New: {engagement_label(e)} ({e['status']})")
    for e in doc["removed"]:
        lines.append(f"- Gone: {engagement_label(e)}")
    for c in doc["changed"]:
        for fld, v in c["fields"].items():
            lines.append(f"- {c['kind']} {c['id'][:8]}: {fld} {v['old']} → {v['new']}")
    if len(lines) == 2:
        lines.append("No difference in meetings or delegations.")
    lines += ["", "## Changes reported in the period", ""]
    for c in doc["changes"]:
        lines.append(f"- {day(c['published_at'])}: {change_sentence(c)}")
    if not doc["changes"]:
        lines.append("None.")
    return "\n".join(lines) + "\n"
