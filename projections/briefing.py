"""The pure fold behind the briefing: engagement events -> engagement state, changes, citations.

``apply(state, event)`` is shared by the live projection and by replay, so "the briefing after
k events" is the same however it is computed. Events are folded in *published* order
(``published_at``, then the order we recorded them); a claim retracted by a later
re-extraction is dropped first (:func:`visible`).

The state holds only what a reader sees (status, venue, date, parties, delegations, expected
heads, rumour, conflicts) as plain JSON. Which entries support which field is not in the
state: ``apply`` returns a citation per event (field + entry + story) that the read model
stores as its own rows, so evidence counts time-travel too without bloating every version.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracker.engagement_rules import STATUS_OF_EVENT as _STATUS_OF
from tracker.engagement_rules import next_status, takes_part
from tracker.values import DelegationLevel, iso

#: Event names that carry a claim (everything but Opened and ClaimRetracted).
CLAIM_EVENTS = frozenset(
    [
        *_STATUS_OF,
        "RumourDenied",
        "DelegationExpected",
        "DelegationChanged",
        "AttendanceDeclined",
        "EvidenceAdded",
        "ClaimConflicted",
    ]
)


@dataclass(frozen=True)
class Citation:
    """One entry supporting one field of an engagement (``story`` de-duplicates re-slugs)."""

    field: str
    entry_id: str
    story: str


def name_of(event: Any) -> str:
    return type(event).__name__


def order_key(event: Any) -> tuple[datetime, int]:
    """Published order: when the source published it, then the order we recorded it."""
    published = getattr(event, "published_at", None) or event.timestamp
    return (published, event.originator_version)


def visible(events: Sequence[Any]) -> list[Any]:
    """Drop claims that a later re-extraction retracted (by entry); drop the retractions."""
    retracted_at: dict[str, int] = {}
    for e in events:
        if name_of(e) == "ClaimRetracted":
            retracted_at[e.entry_id] = max(retracted_at.get(e.entry_id, 0), e.originator_version)
    out = []
    for e in events:
        if name_of(e) == "ClaimRetracted":
            continue
        ev = getattr(e, "evidence", None)
        if ev is not None and retracted_at.get(ev.entry_id, 0) > e.originator_version:
            continue
        out.append(e)
    return out


def new_state(opened: Any) -> dict[str, Any]:
    """The state of a just-opened engagement (nothing reported about it yet)."""
    return {
        "id": str(opened.originator_id),
        "track": opened.track,
        "kind": opened.kind,
        "status": "rumored" if opened.kind == "summit" else "proposed",
        "status_reported": False,
        "status_since": None,
        "parties": sorted(opened.parties),
        "venue": None,
        "date": None,
        "date_precision": "unknown",
        "delegations": {},
        "expected": {},
        "declined": {},
        "rumour": None,
        "conflicts": {},
        "first_published": iso(opened.published_at),
    }


def level_change(old: str | None, new: str | None) -> dict[str, Any] | None:
    """``{"direction": "upgrade"|"downgrade", "step": n}`` between two known levels."""
    lo, ln = DelegationLevel.parse(old), DelegationLevel.parse(new)
    if lo is None or ln is None or lo == ln:
        return None
    step = ln.rank - lo.rank
    return {"direction": "upgrade" if step > 0 else "downgrade", "step": abs(step)}


def apply(state: dict[str, Any], event: Any) -> tuple[list[dict[str, Any]], Citation | None]:
    """Fold one engagement event into ``state`` (in place).

    Returns the field changes it made (``{"field", "old", "new"}``, plus ``level_change`` for
    delegations) and the citation it adds (None for events that carry no claim).
    """
    name = name_of(event)
    if name not in CLAIM_EVENTS:
        return [], None
    changes: list[dict[str, Any]] = []
    claim = event.claim
    ev = event.evidence
    published = iso(event.published_at)
    new_parties = (
        sorted({*state["parties"], *claim.parties}) if takes_part(claim) else state["parties"]
    )
    if new_parties != state["parties"]:
        changes.append({"field": "parties", "old": state["parties"], "new": new_parties})
        state["parties"] = new_parties

    field = "engagement"
    fact = getattr(event, "fact_key", "")
    if name in _STATUS_OF or (name == "EvidenceAdded" and fact.startswith("status:")):
        status = _STATUS_OF.get(name) or fact.split(":", 1)[1]
        field = f"status:{status}"
        _apply_status(state, status, claim, published, changes)
    elif name == "ClaimConflicted":
        field = f"date:{claim.date.isoformat()}" if claim.date else "conflict"
        _apply_status(state, "scheduled", claim, published, changes)
    elif name == "RumourDenied":
        field = "rumour:denied"
        _apply_rumour(state, "denied", claim, published, changes)
    elif name == "DelegationExpected":
        field = f"expected:{event.party}"
        old = state["expected"].get(event.party)
        if old is None or old["person"] != event.person:
            new = {
                "person": event.person,
                "level": event.level.value if event.level else None,
                "since": published,
                "declined": False,
            }
            state["expected"][event.party] = new
            changes.append({"field": f"expected.{event.party}", "old": _who(old), "new": _who(new)})
    elif name == "DelegationChanged" or (
        name == "EvidenceAdded" and fact.startswith("delegation:")
    ):
        party = _apply_delegation(state, claim, published, event, changes)
        field = delegation_field(party, claim.head, claim.level.value if claim.level else None)
    elif name == "AttendanceDeclined":
        party = event.party or "?"
        field = f"declined:{party}"
        declined = state["declined"].setdefault(party, [])
        if event.person and event.person not in declined:
            declined.append(event.person)
            changes.append({"field": f"declined.{party}", "old": None, "new": event.person})
        exp = state["expected"].get(party)
        if exp is not None and not exp["declined"] and _matches(exp.get("person"), event.person):
            exp["declined"] = True
    story = getattr(event, "story", None) or ev.entry_id
    return changes, Citation(field=field, entry_id=ev.entry_id, story=story)


def delegation_field(party: str, head: str | None, level: str | None) -> str:
    """Citation field of one head of one party's delegation (one per person, or per level)."""
    who = head.lower().split()[-1] if head else (level or "?")
    return f"delegation:{party}:{who}"


#: Two different heads reported for one party within this long of each other conflict.
CONFLICT_WINDOW_S = 24 * 3600


def _matches(expected: str | None, person: str | None) -> bool:
    if not expected or not person:
        return True
    return _same_person(expected, person)


def _who(d: dict[str, Any] | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {"head": d.get("head", d.get("person")), "level": d.get("level")}


def _apply_status(
    state: dict[str, Any],
    status: str,
    claim: Any,
    published: str | None,
    changes: list[dict[str, Any]],
) -> None:
    current = state["status"]
    after = next_status(
        current,
        status,
        first=not state["status_reported"],
        same_day=claim.date is None or claim.date.isoformat() == state["date"],
    )
    if not state["status_reported"] and after == current:
        # The first report of a status is a change too (the timeline starts there).
        changes.append({"field": "status", "old": None, "new": after})
        state["status_since"] = published
    elif after != current:
        changes.append({"field": "status", "old": current, "new": after})
        state["status"] = after
        state["status_since"] = published
    state["status_reported"] = True
    if state["kind"] == "summit":
        rumour_status = {
            "scheduled": "confirmed",
            "held": "confirmed",
            "rumored": "open",
            "cancelled": "cancelled",
        }.get(status)
        if rumour_status:
            _apply_rumour(state, rumour_status, claim, published, changes)
    _apply_venue(state, status, claim.venue, changes)
    _apply_date(state, status, claim, published, changes)


def _apply_venue(
    state: dict[str, Any], status: str, venue: str | None, changes: list[dict[str, Any]]
) -> None:
    if not venue:
        return
    old = state["venue"]
    if old == venue:
        return
    more_specific = old is not None and len(venue) > len(old) and old.lower() in venue.lower()
    moved = (
        status in ("rescheduled", "held") and old is not None and (venue.lower() not in old.lower())
    )
    if old is None or more_specific or moved:
        changes.append({"field": "venue", "old": old, "new": venue})
        state["venue"] = venue


def _apply_date(
    state: dict[str, Any],
    status: str,
    claim: Any,
    published: str | None,
    changes: list[dict[str, Any]],
) -> None:
    if claim.date is None:
        if status == "held" and state["date"] is None and published:
            # Reported as held without a day: it took place on (or just before) that report.
            state["date"] = published[:10]
            state["date_precision"] = "day"
            state["date_inferred"] = True
            changes.append({"field": "date", "old": None, "new": published[:10]})
        return
    new_date = claim.date.isoformat()
    precision = claim.date_precision.value
    old = state["date"]
    sharper = (state["date_precision"] != "day" or state.get("date_inferred")) and (
        precision == "day"
    )
    if old is None or status in ("rescheduled", "held") or sharper:
        if old != new_date:
            changes.append({"field": "date", "old": old, "new": new_date})
            state["date"] = new_date
            state["date_precision"] = precision
            state.pop("date_inferred", None)
        if status in ("rescheduled", "held") and "date" in state["conflicts"]:
            del state["conflicts"]["date"]
            changes.append({"field": "conflict.date", "old": "open", "new": "resolved"})
    elif old != new_date and precision == "day" and state["date_precision"] == "day":
        conflict = state["conflicts"].setdefault("date", [old])
        if new_date not in conflict:
            conflict.append(new_date)
            changes.append({"field": "conflict.date", "old": old, "new": new_date})


def _apply_rumour(
    state: dict[str, Any],
    status: str,
    claim: Any,
    published: str | None,
    changes: list[dict[str, Any]],
) -> None:
    rumour = state["rumour"]
    if rumour is None:
        if status not in ("open", "denied"):
            return
        state["rumour"] = {"status": status, "speaker": claim.speaker, "since": published}
        changes.append({"field": "rumour", "old": None, "new": status})
        return
    if status == "open":
        if not rumour.get("speaker") and claim.speaker:
            rumour["speaker"] = claim.speaker
        if rumour["status"] == "denied":
            return  # a denied rumour floated again stays denied until confirmed
        return
    if rumour["status"] != status:
        changes.append({"field": "rumour", "old": rumour["status"], "new": status})
        rumour["status"] = status
        rumour["resolved_at"] = published
        if status == "denied" and claim.speaker:
            rumour["denied_by"] = claim.speaker


def _apply_delegation(
    state: dict[str, Any],
    claim: Any,
    published: str | None,
    event: Any,
    changes: list[dict[str, Any]],
) -> str:
    party = claim.party or (claim.parties[0] if claim.parties else "?")
    current = state["delegations"].get(party)
    level = claim.level.value if claim.level else None
    same = current is not None and (
        (claim.head and current["head"] and _same_person(claim.head, current["head"]))
        or (not claim.head and level == current["level"])
    )
    conflict_key = f"delegation.{party}"
    if same:
        assert current is not None
        if not current.get("head_title") and claim.head_title:
            current["head_title"] = claim.head_title
        if not current.get("head") and claim.head:
            current["head"] = claim.head
        if conflict_key in state["conflicts"] and _later(published, current["since"]):
            # A further report of the current head settles a disagreement.
            del state["conflicts"][conflict_key]
            changes.append({"field": "conflict." + conflict_key, "old": "open", "new": "resolved"})
        return party
    if (
        current is not None
        and current.get("head")
        and not claim.hedged
        and _within(current["since"], published, CONFLICT_WINDOW_S)
    ):
        heads = state["conflicts"].setdefault(conflict_key, [current["head"]])
        if claim.head and claim.head not in heads:
            heads.append(claim.head)
            changes.append(
                {"field": "conflict." + conflict_key, "old": current["head"], "new": claim.head}
            )
    elif conflict_key in state["conflicts"] and claim.head in state["conflicts"][conflict_key]:
        # Reported again well after the disagreement: that report settles it.
        del state["conflicts"][conflict_key]
        changes.append({"field": "conflict." + conflict_key, "old": "open", "new": "resolved"})
    expected = state["expected"].get(party)
    old = _who(current) or _who(expected)
    basis = "announced" if current else ("expected" if expected else None)
    if old is None and getattr(event, "basis", None) == "previous_round":
        old = {"head": event.old_head, "level": event.old_level.value if event.old_level else None}
        basis = "previous_round"
    state["delegations"][party] = {
        "party": party,
        "head": claim.head,
        "head_title": claim.head_title,
        "level": level,
        "since": published,
        "previous": old,
        "basis": basis,
    }
    change: dict[str, Any] = {
        "field": f"delegation.{party}",
        "old": old,
        "new": {"head": claim.head, "level": level},
        "basis": basis,
    }
    shift = level_change(old.get("level") if old else None, level)
    if shift is not None:
        change["level_change"] = shift
    changes.append(change)
    return party


def _seconds(a: str | None, b: str | None) -> float | None:
    if not a or not b:
        return None
    fa = datetime.fromisoformat(a.replace("Z", "+00:00"))
    fb = datetime.fromisoformat(b.replace("Z", "+00:00"))
    return (fb - fa).total_seconds()


def _within(earlier: str | None, later: str | None, window: float) -> bool:
    gap = _seconds(earlier, later)
    return gap is not None and 0 <= gap <= window


def _later(now: str | None, since: str | None) -> bool:
    gap = _seconds(since, now)
    return gap is not None and gap > CONFLICT_WINDOW_S


def _same_person(a: str, b: str) -> bool:
    na, nb = a.lower().split(), b.lower().split()
    return na == nb or (bool(na) and bool(nb) and na[-1] == nb[-1])


def fold(events: Iterable[Any], opened: Any | None = None) -> dict[str, Any] | None:
    """Replay an engagement's events (in any order given) into its state, published order."""
    evs = list(events)
    if opened is None:
        opened = next((e for e in evs if name_of(e) == "Opened"), None)
    if opened is None:
        return None
    state = new_state(opened)
    for e in sorted(visible(evs), key=order_key):
        apply(state, e)
    return state
