"""Queries over the read model: the briefing at any date, its history, and diffs.

"As of D" means, by default, everything *published* up to D (clock ``published``); with
``as_recorded`` it means what this system had recorded by D (clock ``recorded``). Both read
the version rows valid at D (index ``tr_versions_asof``), the evidence of each engagement
(a stored summary once it is quiet, else its citation rows: :mod:`projections.evidence`),
the positions and developments of the last ``DEFAULT_HORIZON``, and the latest changes; so
what one briefing reads depends on how busy the track was lately, not on how long it has
been followed (benchmarks/bench_projections.py: median and p95 at 10k and 1M events).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from projections.briefing import delegation_field
from projections.evidence import Evidence, Summary, iso_ts, load_details, stories
from projections.views import OPEN, PUBLISHED, RECORDED, ReadModel, ts
from tracker.values import DelegationLevel, iso

DEFAULT_STALE_AFTER = timedelta(days=30)
#: Positions and developments shown: those stated or reported again within this long.
DEFAULT_HORIZON = timedelta(days=120)
_iso_ts = iso_ts
_evidence = stories


def _level_rank(level: str | None) -> int:
    parsed = DelegationLevel.parse(level)
    return parsed.rank if parsed else 0


def briefing(
    view: ReadModel,
    track: str,
    *,
    as_of: datetime | None = None,
    as_recorded: bool = False,
    now: datetime | None = None,
    stale_after: timedelta = DEFAULT_STALE_AFTER,
    changes_shown: int = 25,
    horizon: timedelta | None = DEFAULT_HORIZON,
) -> dict[str, Any]:
    """The briefing document for ``track`` (DESIGN.md shape, stable snake_case keys).

    What is current within ``horizon`` before the date (None: everything): engagements with
    news or a meeting date in it, positions stated in it, developments reported in it. With
    no ``as_of``, the horizon ends at the track's latest change, not at the wall clock.
    """
    with view.reading():  # one read transaction: one view of the data, fewer round trips
        return _briefing(view, track, as_of, as_recorded, now, stale_after, changes_shown, horizon)


def _briefing(
    view: ReadModel,
    track: str,
    as_of: datetime | None,
    as_recorded: bool,
    now: datetime | None,
    stale_after: timedelta,
    changes_shown: int,
    horizon: timedelta | None,
) -> dict[str, Any]:
    clock = RECORDED if as_recorded else PUBLISHED
    moment = as_of or now or datetime.now(UTC)
    at = ts(moment) if as_of is not None else OPEN[:-1] + "8Z"  # "now": every current row
    info = view.track(track) or {"slug": track, "title": track, "parties": []}
    since = None
    if horizon is not None:
        latest = view.latest_change(track) if as_of is None else None
        end = min(ts(moment), latest) if latest else ts(moment)
        since = ts(datetime.fromisoformat(end) - horizon)
    states = view.engagement_rows(track, clock, at, since)
    moving = sorted(state["id"] for state, summary in states if summary is None)
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in view.citations_of(moving, clock, at):
        rows[c["engagement_id"]].append(c)
    evidence = [
        Summary(summary) if summary is not None else Evidence(rows.get(state["id"], []))
        for state, summary in states
    ]
    load_details(view, evidence)
    engagements, rumours = [], []
    for (state, _summary), cites in zip(states, evidence, strict=True):
        doc = _engagement_doc(state, cites, info["parties"])
        if state["kind"] == "summit" and state.get("rumour"):
            rumours.append(_rumour_doc(state, cites, moment, stale_after))
        if state["kind"] == "talks" or state["status"] != "rumored":
            engagements.append(doc)
    engagements.sort(key=lambda e: (e["date"] or e["first_published"] or "", e["id"]), reverse=True)
    rumours.sort(key=lambda r: r["since"] or "", reverse=True)
    positions = _positions(view.track_items(track, clock, at, since, "position"))
    developments = _developments(view.developments(track, clock, at, since))
    changes = [
        _change_doc(c)
        for c in view.changes(track, since=None, until=at, clock=clock, limit=changes_shown)
    ]
    today = moment.date().isoformat()
    upcoming = [
        {
            "id": e["id"],
            "kind": e["kind"],
            "status": e["status"],
            "date": e["date"],
            "venue": e["venue"],
            "parties": e["parties"],
        }
        for e in engagements
        if e["date"]
        and e["date"] >= today
        and e["status"] in ("proposed", "scheduled", "rescheduled")
    ]
    sources: dict[str, int] = defaultdict(int)
    for e in engagements:
        for ev in e["evidence"]:
            sources[ev["source"]] += 1
    return {
        "track": track,
        "title": info.get("title") or track,
        "parties": info.get("parties", []),
        "as_of": iso(moment),
        "clock": clock,
        "engagements": engagements,
        "rumours": rumours,
        "positions": positions,
        "developments": developments,
        "changes": changes,
        "looking_ahead": {
            "upcoming": sorted(upcoming, key=lambda u: u["date"]),
            "open_rumours": [r for r in rumours if r["status"] == "open"],
        },
        "sources": [{"source": s, "citations": n} for s, n in sorted(sources.items())],
    }


def _engagement_doc(
    state: dict[str, Any], cites: Evidence, track_parties: list[str]
) -> dict[str, Any]:
    evidence, corroboration = cites.status()
    total = cites.total()
    delegations = []
    for party, d in sorted(state["delegations"].items()):
        ev, n = cites.field(delegation_field(party, d["head"], d["level"]))
        previous = d.get("previous")
        delegations.append(
            {
                "party": party,
                "head": d["head"],
                "head_title": d["head_title"],
                "level": d["level"],
                "since": d["since"],
                "previous": previous,
                "basis": d.get("basis"),
                "level_change": _shift(previous, d["level"]),
                "evidence": ev,
                "corroboration": n,
            }
        )
    expected = []
    for party, x in sorted(state["expected"].items()):
        ev, _n = cites.field(f"expected:{party}")
        expected.append(
            {
                "party": party,
                "person": x["person"],
                "level": x["level"],
                "since": x["since"],
                "declined": x["declined"],
                "sent": party in state["delegations"],
                "evidence": ev,
            }
        )
    conflicts = []
    for fld, values in sorted(state["conflicts"].items()):
        if fld.startswith("delegation."):
            party = fld.split(".", 1)[1]
            keys = [delegation_field(party, v, None) for v in values]
        else:
            keys = [f"{fld}:{v}" for v in values]
        conflicts.append(
            {
                "field": fld,
                "values": [
                    {"value": v, "evidence": cites.field(k)[0]}
                    for v, k in zip(values, keys, strict=True)
                ],
            }
        )
    # Mediators/hosts: parties from outside the track at a meeting of two track parties.
    sides = [p for p in state["parties"] if p in track_parties]
    mediators = [p for p in state["parties"] if p not in track_parties] if len(sides) >= 2 else []
    return {
        "id": state["id"],
        "kind": state["kind"],
        "status": state["status"],
        "status_since": state.get("status_since"),
        "parties": state["parties"],
        "mediators": mediators,
        "venue": state["venue"],
        "date": state["date"],
        "date_precision": state["date_precision"],
        "delegations": delegations,
        "expected": expected,
        "declined": state.get("declined", {}),
        "conflicts": conflicts,
        "evidence": evidence,
        "corroboration": corroboration,
        "citations": total,
        "first_published": state.get("first_published"),
    }


def _shift(previous: dict[str, Any] | None, level: str | None) -> dict[str, Any] | None:
    if not previous:
        return None
    a, b = _level_rank(previous.get("level")), _level_rank(level)
    if not a or not b or a == b:
        return None
    return {"direction": "upgrade" if b > a else "downgrade", "step": abs(b - a)}


def _rumour_doc(
    state: dict[str, Any],
    cites: Evidence,
    moment: datetime,
    stale_after: timedelta,
) -> dict[str, Any]:
    rumour = state["rumour"]
    evidence, corroboration = cites.field("status:rumored")
    last = cites.last("status:rumored")
    status = rumour["status"]
    if status == "open" and last is not None:
        last_dt = datetime.strptime(last, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        if moment - last_dt > stale_after:
            status = "stale"
    denial, _ = cites.field("rumour:denied")
    return {
        "id": state["id"],
        "kind": "summit",
        "parties": state["parties"],
        "venue": state["venue"],
        "date": state["date"],
        "speaker": rumour.get("speaker"),
        "status": status,
        "since": rumour.get("since"),
        "last_reported": _iso_ts(last),
        "resolved_at": rumour.get("resolved_at"),
        "denied_by": rumour.get("denied_by"),
        "engagement_status": state["status"],
        "evidence": evidence,
        "denials": denial,
        "corroboration": corroboration,
    }


def _positions(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One document per stance: the same party and person saying the same thing in several
    reports (wire copy re-published by many outlets) is one position with its evidence and
    a corroboration count, as a meeting reported fifty times is one engagement. Ordered by
    when each was last reported."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for item in items:  # oldest first
        p = item["payload"]
        stance = " ".join((p.get("stance") or "").casefold().split()).strip(" .,;:!?\"'“”‘’")
        groups[(p.get("party"), p.get("person"), stance)].append(
            {
                **item,
                # a position's item has no story key of its own: each entry is a report
                "story": item["story"] or item["entry_id"],
                "extractor_version": p.get("extractor_version"),
            }
        )
    docs = []
    for rows in groups.values():
        latest = rows[-1]
        evidence, corroboration = _evidence(rows)
        docs.append(
            {
                "party": latest["payload"].get("party"),
                "person": latest["payload"].get("person"),
                "stance": latest["payload"].get("stance"),
                "published_at": _iso_ts(latest["published_at"]),
                "first_stated": _iso_ts(rows[0]["published_at"]),
                "evidence": evidence,
                "corroboration": corroboration,
            }
        )
    docs.sort(key=lambda d: d["published_at"] or "")
    return docs


def _developments(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Development documents from :meth:`ReadModel.developments` rows."""
    facts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        facts[r["fact"]].append({**r, "extractor_version": r["payload"].get("extractor_version")})
    out = []
    for shown in facts.values():
        first = shown[0]
        out.append(
            {
                "type": first["payload"]["type"],
                "parties": first["payload"]["parties"],
                "date": first["payload"].get("date") or first["published_at"][:10],
                "first_reported": _iso_ts(first["published_at"]),
                "evidence": _evidence(shown)[0],
                "corroboration": first["n"],
            }
        )
    out.sort(key=lambda d: d["first_reported"] or "", reverse=True)
    return out


def _change_doc(c: dict[str, Any]) -> dict[str, Any]:
    detail = c.get("detail") or {}
    return {
        "engagement_id": c["engagement_id"],
        "n": c["n"],
        "entry_id": c.get("entry_id"),
        "engagement": detail.get("engagement"),
        "field": c["field"],
        "old": c["old"],
        "new": c["new"],
        "level_change": detail.get("level_change"),
        "basis": detail.get("basis"),
        "published_at": _iso_ts(c["published_at"]),
        "recorded_at": _iso_ts(c["recorded_at"]),
        "evidence": (
            {**detail["evidence"], "published_at": _iso_ts(detail["evidence"]["published_at"])}
            if detail.get("evidence")
            else None
        ),
        "extractor_version": c["extractor_version"],
        "cause": c["cause"],
    }


def history(
    view: ReadModel,
    track: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    as_recorded: bool = False,
    limit: int | None = None,
) -> dict[str, Any]:
    """Every change to the track's briefing between two dates, oldest first.

    ``limit`` keeps only the latest that many (still oldest first).
    """
    clock = RECORDED if as_recorded else PUBLISHED
    rows = view.changes(
        track,
        since=ts(since) if since else None,
        until=ts(until) if until else None,
        clock=clock,
        limit=limit,
    )
    title = next((t["title"] for t in view.tracks() if t["slug"] == track), track)
    return {
        "track": track,
        "title": title,
        "clock": clock,
        "since": iso(since),
        "until": iso(until),
        "changes": [_change_doc(c) for c in rows],
    }


def diff(
    view: ReadModel,
    track: str,
    start: datetime,
    end: datetime,
    *,
    as_recorded: bool = False,
) -> dict[str, Any]:
    """What changed in the briefing between ``start`` and ``end``."""
    before = briefing(
        view, track, as_of=start, as_recorded=as_recorded, changes_shown=0, horizon=None
    )
    after = briefing(view, track, as_of=end, as_recorded=as_recorded, changes_shown=0, horizon=None)
    old = {e["id"]: e for e in before["engagements"] + _rumour_engagements(before)}
    new = {e["id"]: e for e in after["engagements"] + _rumour_engagements(after)}
    keys = ("status", "venue", "date", "parties")
    changed = []
    for eid in sorted(set(old) & set(new)):
        a, b = old[eid], new[eid]
        fields = {k: {"old": a.get(k), "new": b.get(k)} for k in keys if a.get(k) != b.get(k)}
        da = {d["party"]: (d["head"], d["level"]) for d in a.get("delegations", [])}
        db = {d["party"]: (d["head"], d["level"]) for d in b.get("delegations", [])}
        for party in sorted(set(da) | set(db)):
            if da.get(party) != db.get(party):
                fields[f"delegation.{party}"] = {
                    "old": _pair(da.get(party)),
                    "new": _pair(db.get(party)),
                }
        if fields:
            changed.append({"id": eid, "kind": b["kind"], "fields": fields})
    hist = history(view, track, since=start, until=end, as_recorded=as_recorded)
    return {
        "track": track,
        "clock": before["clock"],
        "from": iso(start),
        "to": iso(end),
        "added": [new[i] for i in sorted(set(new) - set(old))],
        "removed": [old[i] for i in sorted(set(old) - set(new))],
        "changed": changed,
        "rumours": {
            "before": [(r["id"], r["status"]) for r in before["rumours"]],
            "after": [(r["id"], r["status"]) for r in after["rumours"]],
        },
        "changes": hist["changes"],
    }


def _pair(v: tuple[str | None, str | None] | None) -> dict[str, Any] | None:
    return None if v is None else {"head": v[0], "level": v[1]}


def _rumour_engagements(doc: dict[str, Any]) -> list[dict[str, Any]]:
    ids = {e["id"] for e in doc["engagements"]}
    return [
        {
            "id": r["id"],
            "kind": "summit",
            "status": "rumored",
            "venue": r["venue"],
            "date": r["date"],
            "parties": r["parties"],
            "delegations": [],
        }
        for r in doc["rumours"]
        if r["id"] not in ids
    ]
