"""The rules an engagement follows, shared by the aggregate and the briefing projection.

The two kinds (``talks``, ``summit``) and the lifecycle status each claim type reports; how a
report moves the status (a late report of an earlier stage never rewinds it); the day a
meeting took place; which claims make their parties participants; the lifecycle event for
each status and back; and whether an announced delegation head is the one already known.
Pure: standard library and :mod:`tracker.values` only.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from tracker.values import Claim, ClaimType

TALKS = "talks"
SUMMIT = "summit"

#: Claim type -> (engagement kind, status it reports).
LIFECYCLE: dict[ClaimType, tuple[str, str]] = {
    ClaimType.TALKS_PROPOSED: (TALKS, "proposed"),
    ClaimType.TALKS_SCHEDULED: (TALKS, "scheduled"),
    ClaimType.TALKS_RESCHEDULED: (TALKS, "rescheduled"),
    ClaimType.TALKS_HELD: (TALKS, "held"),
    ClaimType.TALKS_CANCELLED: (TALKS, "cancelled"),
    ClaimType.SUMMIT_RUMORED: (SUMMIT, "rumored"),
    ClaimType.SUMMIT_SCHEDULED: (SUMMIT, "scheduled"),
    ClaimType.SUMMIT_HELD: (SUMMIT, "held"),
    ClaimType.SUMMIT_CANCELLED: (SUMMIT, "cancelled"),
}

#: How far along the lifecycle a status is (a late report of an earlier stage never rewinds).
STATUS_RANK = {
    "rumored": 0,
    "proposed": 1,
    "scheduled": 2,
    "rescheduled": 2,
    "held": 3,
    "cancelled": 3,
}


#: Claims that say who is at the table (a proposal or a rumour does not make a party present).
_PARTICIPATION = frozenset(
    {
        ClaimType.TALKS_SCHEDULED,
        ClaimType.TALKS_RESCHEDULED,
        ClaimType.TALKS_HELD,
        ClaimType.SUMMIT_SCHEDULED,
        ClaimType.SUMMIT_HELD,
    }
)


def next_status(current: str, reported: str, *, first: bool, same_day: bool) -> str:
    """The lifecycle status after a report (shared by the aggregate and the projection).

    A late report of an earlier stage never rewinds (``held`` stays held); a cancelled
    meeting can be revived; and a report that a meeting is "scheduled" for the day it was
    already moved to confirms the rescheduling rather than undoing it.
    """
    if first:
        return reported
    if current == "cancelled" and reported in ("scheduled", "rescheduled", "held"):
        return reported
    if current == "held":
        return "held"
    if current == "rescheduled" and reported == "scheduled" and same_day:
        return "rescheduled"
    return reported if STATUS_RANK[reported] >= STATUS_RANK[current] else current


def held_on(status: str, claim: Claim, published_at: datetime) -> date | None:
    """The day a meeting took place: the claim's own date, else (for a report that it was
    held) the day it was reported; None for claims that are not about a held meeting."""
    if claim.date is not None:
        return claim.date
    return published_at.date() if status == "held" else None


def takes_part(claim: Claim) -> bool:
    """Whether this claim's parties are participants (so they join the engagement's parties)."""
    return claim.type in _PARTICIPATION and not claim.negated and not claim.hedged


#: (engagement kind, status a claim reports) -> name of the aggregate's lifecycle event.
EVENT_FOR_STATUS: dict[tuple[str, str], str] = {
    (TALKS, "proposed"): "TalksProposed",
    (TALKS, "scheduled"): "TalksScheduled",
    (TALKS, "rescheduled"): "TalksRescheduled",
    (TALKS, "held"): "TalksHeld",
    (TALKS, "cancelled"): "TalksCancelled",
    (SUMMIT, "rumored"): "SummitRumored",
    (SUMMIT, "scheduled"): "SummitConfirmed",
    (SUMMIT, "held"): "SummitHeld",
    (SUMMIT, "cancelled"): "SummitCancelled",
}

#: Lifecycle event name -> the status it reports (the inverse of EVENT_FOR_STATUS).
STATUS_OF_EVENT = {
    "TalksProposed": "proposed",
    "TalksScheduled": "scheduled",
    "TalksRescheduled": "rescheduled",
    "TalksHeld": "held",
    "TalksCancelled": "cancelled",
    "SummitRumored": "rumored",
    "SummitConfirmed": "scheduled",
    "SummitHeld": "held",
    "SummitCancelled": "cancelled",
}


def same_head(current: dict[str, Any], claim: Claim) -> bool:
    if claim.head and current.get("head"):
        return (
            _norm(claim.head) == _norm(current["head"])
            or _norm(claim.head).split()[-1] == _norm(current["head"]).split()[-1]
        )
    return (
        claim.head is None
        and claim.level is not None
        and str(claim.level) == str(current.get("level"))
    )


def _norm(name: str) -> str:
    return " ".join(name.lower().replace(".", " ").split())
