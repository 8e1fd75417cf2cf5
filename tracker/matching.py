"""Which engagement a claim is about: pure functions over a track's engagement index.

Claims about the same meeting (same parties, compatible venue, date window) update one
engagement; a claim about a later date after a meeting was held is the next round. The index
is the ``Track.index`` mapping (engagement id -> kind, parties, status, venue, effective_on,
delegations, published_at), so matching never reads the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

from tracker.values import DelegationLevel

#: Days either side within which two dated reports can be about the same meeting.
DATE_WINDOW = 3
#: An open (not yet held) engagement with no news for this long stops absorbing new claims.
STALE_AFTER_DAYS = 45
CLOSED = ("held", "cancelled")
PLANNED = ("scheduled", "rescheduled")

VenueCountry = Callable[[str], str | None]


def _norm(venue: str) -> str:
    return " ".join(venue.lower().replace(",", " ").split())


def venue_compatible(a: str | None, b: str | None, country_of: VenueCountry | None = None) -> bool:
    """Unknown venues are compatible with anything; "Istanbul" fits "Istanbul, Turkey"."""
    if not a or not b:
        return True
    na, nb = _norm(a), _norm(b)
    if na == nb or na in nb or nb in na:
        return True
    if country_of is not None:
        ca, cb = country_of(a), country_of(b)
        if ca and cb and ca == cb:
            return True
    return False


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _published(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    return datetime.fromisoformat(str(value)).date()


def find_engagement(
    index: Mapping[str, Mapping[str, Any]],
    *,
    kind: str,
    parties: Iterable[str],
    venue: str | None,
    when: date | None,
    status: str | None,
    published: datetime,
    country_of: VenueCountry | None = None,
) -> str | None:
    """Return the id of the engagement this claim is about, or None for a new one.

    ``status`` is the lifecycle status the claim reports (None for delegation and attendance
    claims); ``when`` is the claim's own date, if any.
    """
    claim_parties = set(parties)
    pub = published.date()
    best: tuple[float, str] | None = None
    for eid, e in index.items():
        if e["kind"] != kind:
            continue
        e_parties = set(e["parties"])
        shared = claim_parties & e_parties
        need = min(2, len(claim_parties), len(e_parties))
        if len(shared) < need:
            continue
        e_date = _date(e.get("effective_on"))
        e_pub = _published(e["published_at"])
        same_venue = venue_compatible(venue, e.get("venue"), country_of)
        if e["status"] in CLOSED:
            if not _fits_closed(e["status"], e_date, e_pub, when, status, pub):
                continue
        else:
            if (pub - e_pub).days > STALE_AFTER_DAYS:
                continue
            if (
                when is not None
                and e_date is not None
                and status != "rescheduled"
                and abs((when - e_date).days) > DATE_WINDOW
            ):
                continue
            if (
                status == "held"
                and e_date is not None
                and when is None
                and abs((pub - e_date).days) > DATE_WINDOW
            ):
                continue
        if not same_venue and status != "rescheduled":
            continue
        anchor = e_date or e_pub
        ref = when or pub
        score = 10.0 * len(shared) - abs((ref - anchor).days)
        if venue and e.get("venue") and same_venue:
            score += 5
        if e["status"] not in CLOSED:
            score += 3
        if e_date is not None:
            score += 2  # a meeting with a known day is a firmer anchor than a vague one
        if status in ("held", "rescheduled", "cancelled") and e["status"] in PLANNED:
            score += 4  # news of a planned meeting moving on, rather than of a mere rumour
        if status == "held" and e["status"] == "rumored":
            score -= 5  # a floated meeting is the weakest match for one that took place
        if best is None or score > best[0]:
            best = (score, eid)
    return best[1] if best else None


def _fits_closed(
    e_status: str,
    e_date: date | None,
    e_pub: date,
    when: date | None,
    status: str | None,
    pub: date,
) -> bool:
    """Can a claim be about this finished (held/cancelled) meeting?

    Yes when it names the meeting's own day; or, undated, when it was published before the
    meeting or within a few days after it (a report of the meeting itself, not a new round).
    """
    if when is not None and e_date is not None:
        return abs((when - e_date).days) <= 1
    if e_date is not None and pub <= e_date:
        return True
    anchor = e_date or e_pub
    if status not in (None, "held", "cancelled", e_status):
        return False
    return 0 <= (pub - anchor).days <= DATE_WINDOW


def previous_round(
    index: Mapping[str, Mapping[str, Any]],
    *,
    engagement_id: str,
    kind: str,
    party: str,
) -> tuple[str, str | None, DelegationLevel | None] | None:
    """The party's delegation at its latest earlier round of the same kind in the track.

    Returns (engagement id, head, level) or None. Rounds are ordered by their meeting date
    (else first publication); only rounds where the party's level is known count.
    """
    this = index.get(engagement_id)
    this_key = _round_key(this) if this is not None else None
    best: tuple[tuple[date, str], str, dict[str, Any]] | None = None
    for eid, e in index.items():
        if eid == engagement_id or e["kind"] != kind:
            continue
        d = (e.get("delegations") or {}).get(party)
        if not d or not d.get("level"):
            continue
        key = _round_key(e)
        if this_key is not None and key >= this_key:
            continue
        if best is None or key > best[0]:
            best = (key, eid, d)
    if best is None:
        return None
    _, eid, d = best
    return eid, d.get("head"), DelegationLevel.parse(d.get("level"))


def _round_key(e: Mapping[str, Any]) -> tuple[date, str]:
    return (_date(e.get("effective_on")) or _published(e["published_at"]), e["published_at"])


def development_fact(
    facts: Mapping[str, Any], *, type: str, parties: Iterable[str], when: date
) -> str:
    """The key grouping reports of one ceasefire/prisoner exchange (same type, parties, week)."""
    party_key = "+".join(sorted(parties)) or "-"
    for key in facts:
        k_type, k_parties, k_date = key.split("|")
        near = abs((date.fromisoformat(k_date) - when).days) <= DATE_WINDOW
        if k_type == type and k_parties == party_key and near:
            return key
    return f"{type}|{party_key}|{when.isoformat()}"
