"""The generated world of the benchmark store: tracks, meetings, and who reports what, when.

Used by ``gen_store.py`` (which drives the real domain and application with it). Everything
here is seeded and deterministic: the same ``random.Random`` gives the same reports.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tracker.config import TrackConfig
from tracker.values import Claim, ClaimType, DatePrecision, DelegationLevel, EntryText

START = datetime(2025, 1, 1, tzinfo=UTC)
SLOT = timedelta(hours=6)
VOLUME = 4.0  # outlets per fact, relative to the means written below
CODES = (  # noqa: SIM905
    "RU UA US TR CN IN IL PS IR SA AE QA EG SD SS ET ER SO KE CD RW UG AM AZ GE RS XK BA "
    "KP KR JP TW PH VN TH MM KH LA AF PK BD NP LK VE CO BR AR BO PE MX CU NI HT GT LY TN "
    "DZ MA ML NE TD CF CM NG GH YE SY LB JO IQ KW OM BH CY GR MK AL MD BY KZ KG TJ UZ TM "
    "MN"
).split()
_VENUES = {
    "Istanbul": "TR",
    "Doha": "QA",
    "Cairo": "EG",
    "Riyadh": "SA",
    "Jeddah": "SA",
    "Abu Dhabi": "AE",
    "Geneva": "CH",
    "Oslo": "NO",
    "Vienna": "AT",
    "Helsinki": "FI",
    "Muscat": "OM",
    "Baku": "AZ",
}
_FIRST = (  # noqa: SIM905
    "Ali Anna Boris Chen Dmitri Elena Farid Hana Ivan Jamal Karin Lev Maria Nadia Omar"
).split()
_LAST = (  # noqa: SIM905
    "Aziz Berg Chu Dorn Ekman Faraj Gorin Halim Ivanov Jonas Karimi Lund Moreau Nasser"
).split()
_TITLES = {
    DelegationLevel.LEADER: "president",
    DelegationLevel.MINISTER: "foreign minister",
    DelegationLevel.DEPUTY_MINISTER: "deputy foreign minister",
    DelegationLevel.SENIOR_OFFICIAL: "presidential aide",
    DelegationLevel.WORKING_LEVEL: "technical team lead",
}
_STANCES = [
    "no ceasefire without guarantees",
    "ready for talks without preconditions",
    "talks must include all parties",
    "withdrawal first, then negotiations",
    "humanitarian corridors before any deal",
]
WORDS = (  # noqa: SIM905
    "markets rally inflation election storm football court budget energy prices strike "
    "festival vaccine traffic satellite drought harvest museum startup merger tariff rail "
    "earthquake wildfire parliament protest verdict concert record airline bank trial"
).split()


@dataclass
class World:
    rng: random.Random
    tracks: list[TrackConfig]
    weights: list[float]
    feeds: list[str]
    names: dict[tuple[str, DelegationLevel], str] = field(default_factory=dict)

    def person(self, party: str, level: DelegationLevel) -> str:
        key = (party, level)
        if key not in self.names:
            self.names[key] = f"{self.rng.choice(_FIRST)} {self.rng.choice(_LAST)}"
        return self.names[key]


@dataclass
class Report:
    """One entry to publish: when, on which track, with which claims (empty: unrelated)."""

    published_at: datetime
    track: str | None
    claims: list[Claim]
    headline: str
    late: timedelta = timedelta(0)


class Clock:
    """The recording clock: the time of the poll being recorded, a millisecond per event."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


def _corroboration(rng: random.Random, mean: float) -> int:
    """Heavy-tailed count of further outlets reporting a fact (a few big stories)."""
    return min(int(mean * 20), int(rng.paretovariate(1.6) * mean * 0.4))


def _spread(rng: random.Random, start: datetime, hours: float) -> datetime:
    return start + timedelta(seconds=rng.uniform(0, hours * 3600))


def _fact(
    w: World, out: list[Report], track: str, when: datetime, hours: float, mean: float, c: Claim
) -> None:
    """A fact and its corroborating reports, spread over ``hours`` after ``when``."""
    weight = w.weights[int(track.rsplit("-", 1)[1])]
    n = 1 + _corroboration(w.rng, mean * weight * VOLUME)
    for _ in range(n):
        out.append(Report(_spread(w.rng, when, hours), track, [c], c.type.value))


def _talks(w: World, slug: str, parties: list[str], day: datetime, out: list[Report]) -> None:
    """One round of talks: its whole lifecycle of reports, the meeting ~25 days after ``day``."""
    rng = w.rng
    meeting = (day + timedelta(days=25)).date()
    venue = rng.choice(list(_VENUES))
    host = _VENUES[venue]
    ps = tuple(sorted({*parties, host})) if rng.random() < 0.5 else tuple(parties)

    when = [meeting]  # a rescheduling moves the date every later report names

    def cl(kind: ClaimType, **kw: Any) -> Claim:
        return Claim(
            type=kind,
            parties=ps,
            venue=venue,
            date=when[0],
            date_precision=DatePrecision.DAY,
            evidence=kind.value,
            **kw,
        )

    _fact(w, out, slug, day, 48, 8, cl(ClaimType.TALKS_PROPOSED, proposer=parties[0]))
    _fact(w, out, slug, day + timedelta(days=10), 200, 30, cl(ClaimType.TALKS_SCHEDULED))
    if rng.random() < 0.1:
        when[0] = meeting = meeting + timedelta(days=rng.randint(2, 5))
        _fact(w, out, slug, day + timedelta(days=21), 24, 10, cl(ClaimType.TALKS_RESCHEDULED))
    for party in parties:
        level = rng.choice(list(_TITLES)[1:])
        at = day + timedelta(days=20 + rng.random() * 3)
        if rng.random() < 0.15:  # a leader expected, someone lower sent
            lead = DelegationLevel.LEADER
            _fact(
                w, out, slug, at - timedelta(days=3), 24, 4, _delegation(w, cl, party, lead, True)
            )
        _fact(w, out, slug, at, 36, 10, _delegation(w, cl, party, level, False))
        if rng.random() < 0.1:  # the head changes before the meeting
            other = rng.choice([x for x in list(_TITLES)[1:] if x != level])
            _fact(
                w, out, slug, at + timedelta(days=1), 24, 6, _delegation(w, cl, party, other, False)
            )
        if rng.random() < 0.05:
            who = w.person(party, DelegationLevel.MINISTER)
            c = cl(ClaimType.ATTENDANCE_DECLINED, party=party, person=who)
            _fact(w, out, slug, at, 24, 3, c)
    held = datetime.combine(meeting, datetime.min.time(), UTC) + timedelta(hours=9)
    if rng.random() < 0.1:
        _fact(w, out, slug, held - timedelta(days=1), 24, 12, cl(ClaimType.TALKS_CANCELLED))
    else:
        _fact(w, out, slug, held, 36, 40, cl(ClaimType.TALKS_HELD))


def _delegation(
    w: World, cl: Callable[..., Claim], party: str, level: DelegationLevel, hedged: bool
) -> Claim:
    return cl(
        ClaimType.DELEGATION_ANNOUNCED,
        party=party,
        head=w.person(party, level),
        head_title=_TITLES[level],
        level=level,
        hedged=hedged,
    )


def _summit(w: World, slug: str, parties: list[str], day: datetime, out: list[Report]) -> None:
    rng = w.rng
    on = (day + timedelta(days=30)).date()
    venue = rng.choice(list(_VENUES))
    ps = tuple(parties)
    speaker = w.person(parties[0], DelegationLevel.MINISTER)

    def cl(kind: ClaimType, **kw: Any) -> Claim:
        return Claim(
            type=kind,
            parties=ps,
            venue=venue,
            date=on,
            date_precision=DatePrecision.DAY,
            evidence=kind.value,
            **kw,
        )

    _fact(w, out, slug, day, 72, 10, cl(ClaimType.SUMMIT_RUMORED, hedged=True, speaker=speaker))
    if rng.random() < 0.3:
        denier = w.person(parties[1], DelegationLevel.MINISTER)
        c = cl(ClaimType.SUMMIT_RUMORED, negated=True, speaker=denier)
        _fact(w, out, slug, day + timedelta(days=4), 24, 4, c)
        return
    _fact(w, out, slug, day + timedelta(days=15), 100, 25, cl(ClaimType.SUMMIT_SCHEDULED))
    held = datetime.combine(on, datetime.min.time(), UTC) + timedelta(hours=12)
    _fact(w, out, slug, held, 36, 40, cl(ClaimType.SUMMIT_HELD))


def reports_of_day(w: World, d: int, plans: dict[int, list[Report]], filler: int) -> list[Report]:
    """Everything published on day ``d`` (plans for later days are filed under their day)."""
    rng = w.rng
    day = START + timedelta(days=d)
    new: list[Report] = []
    for i, t in enumerate(w.tracks):
        if rng.random() < 1 / 12:
            _talks(w, t.slug, t.parties, day, new)
        if rng.random() < 1 / 40:
            _summit(w, t.slug, t.parties, day, new)
        for _ in range(rng.randrange(0, 3 if w.weights[i] > 0.5 else 2)):
            party = rng.choice(t.parties)
            person = w.person(party, rng.choice([DelegationLevel.LEADER, DelegationLevel.MINISTER]))
            c = Claim(
                type=ClaimType.POSITION_STATED,
                parties=(party,),
                party=party,
                person=person,
                stance=rng.choice(_STANCES),
                evidence="stance",
            )
            new.append(Report(_spread(rng, day, 24), t.slug, [c], "position"))
        if rng.random() < 1 / 20:
            kind = rng.choice([ClaimType.CEASEFIRE_PROPOSED, ClaimType.PRISONER_EXCHANGE])
            c = Claim(type=kind, parties=tuple(t.parties), date=day.date(), evidence=kind.value)
            _fact(w, new, t.slug, day, 48, 8, c)
    for r in new:
        if r.claims and rng.random() < 0.02:
            r.late = timedelta(days=rng.uniform(3, 20))
        plans[(r.published_at - START).days].append(r)
    today = plans.pop(d, [])
    for _ in range(filler):
        words = " ".join(rng.choices(WORDS, k=rng.randint(6, 11)))
        today.append(Report(_spread(rng, day, 24), None, [], words))
    return today


def misread(c: Claim) -> Claim:
    """What a newer extractor reads differently: no venue, or a different level."""
    if c.level is not None:
        lower = {DelegationLevel.MINISTER: DelegationLevel.DEPUTY_MINISTER}
        return Claim(**{**_fields(c), "level": lower.get(c.level, DelegationLevel.MINISTER)})
    return Claim(**{**_fields(c), "venue": None})


def _fields(c: Claim) -> dict[str, Any]:
    return {f: getattr(c, f) for f in c.__dataclass_fields__}


@dataclass
class Reader:
    """The extractor's lookups (venues, leaders); never asked to read text here."""

    version: str

    def __call__(self, text: EntryText) -> list[Claim]:
        raise AssertionError("the generator builds claims itself")

    def mentions(self, text: str) -> set[str]:
        return set()

    def venue_country(self, venue: str) -> str | None:
        return _VENUES.get(venue)

    def leader_of(self, party: str, on: date) -> str | None:
        return f"Leader of {party}"
