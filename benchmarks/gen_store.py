"""Generate a realistic event store for the projection benchmarks (SQLite file or PostgreSQL).

    python benchmarks/gen_store.py [--events 1000000] [--seed N] [--postgres]

The events are exactly what production writes: entries are ``Entry`` aggregates built with
their claims, claims go through the real ``Interpreter.apply`` (engagement matching, lifecycle,
evidence, delegations, track index, positions, developments), re-extractions through
``Interpreter.retract`` + ``Entry.reinterpret`` (as ``tracker.commands.reextract`` does), and
polls through ``Feed.record_poll`` / ``record_failure``. Only the extractor is skipped: the
claims are built directly as :class:`tracker.values.Claim` (reading English is not what is
measured, and it would take hours for a million events).

The world (seeded, deterministic, so SQLite and PostgreSQL get the same log):
- ``tracks`` situations, each a pair of parties, busiest first (Zipf weights): a round of talks
  every 8-16 days (proposed -> scheduled -> sometimes rescheduled -> delegations, sometimes an
  expected leader replaced by a lower head -> held, or cancelled), a floated leaders' summit
  every ~40 days (rumoured, sometimes denied, confirmed, held), stakeholder positions daily, and
  a ceasefire proposal or prisoner exchange every ~20 days. Every fact is reported by many
  outlets (heavy-tailed corroboration: the first report is a lifecycle event, the rest are
  ``EvidenceAdded``).
- Unrelated news (entries with no claims) fills the log to about 55% of all events.
- 60 feeds polled in 6-hour slots; each slot of a feed that brought entries is one
  ``Feed.Polled``; ~0.5% of polls fail first (``FailureStarted``/``FailureEnded``).
- ~2% of claim-bearing entries are backfills: recorded 3-20 days after publication, so they
  land behind newer events of their engagement. Every ~30 days a re-extraction (extractor
  ``gen-2``) reads ~1% of recent claim-bearing entries differently: retraction + new claims.
- ``published_at`` spans ``days`` (365 at 1M events); ``recorded_at`` follows the polls.

History length is what changes with size: both the number of tracks and the span scale with
``sqrt(events / 1M)`` (1M: 40 tracks over a year; 10k: 4 tracks over five weeks), so the
density per track and day, and hence what one briefing shows, stays the same.
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import itertools
import json
import math
import random
import sqlite3
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import tracker as tracker_package
from tracker.application import TrackerApp, UnitOfWork
from tracker.config import TrackConfig
from tracker.domain import Entry, Feed, Track, evidence_for, recording_clock, story_key
from tracker.interpret import Interpreter
from tracker.store import parse_store_url
from tracker.values import (
    Claim,
    ClaimType,
    DatePrecision,
    DelegationLevel,
    EntryText,
    content_hash,
    iso,
)

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
START = datetime(2025, 1, 1, tzinfo=UTC)
SLOT = timedelta(hours=6)
VOLUME = 4.0  # outlets per fact, relative to the means written below
_CODES = (  # noqa: SIM905
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
_WORDS = (  # noqa: SIM905
    "markets rally inflation election storm football court budget energy prices strike "
    "festival vaccine traffic satellite drought harvest museum startup merger tariff rail "
    "earthquake wildfire parliament protest verdict concert record airline bank trial"
).split()


@dataclass(frozen=True)
class Params:
    """What the generated store depends on (and what its cache file is keyed by)."""

    events: int = 1_000_000
    seed: int = 20250516

    @property
    def scale(self) -> float:
        return math.sqrt(self.events / 1_000_000)

    @property
    def tracks(self) -> int:
        return max(2, round(40 * self.scale))

    @property
    def feeds(self) -> int:
        return max(6, round(60 * self.scale))

    @property
    def days(self) -> int:
        return max(14, round(365 * self.scale))

    @property
    def key(self) -> str:
        return f"store-{self.events}-{self.seed}-{_fingerprint()}"


def _fingerprint() -> str:
    """Hash of the code that decides which events are written (a cached store goes stale
    when any of it changes: the generator, the domain, the interpreter, the matching)."""
    digest = hashlib.sha256()
    tracker = Path(tracker_package.__file__).resolve().parent
    for path in [Path(__file__).resolve(), *(tracker / f for f in _SHAPING)]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


_SHAPING = (
    "domain.py",
    "engagement.py",
    "interpret.py",
    "matching.py",
    "application.py",
    "values.py",
)


@dataclass
class _World:
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
class _Report:
    """One entry to publish: when, on which track, with which claims (empty: unrelated)."""

    published_at: datetime
    track: str | None
    claims: list[Claim]
    headline: str
    late: timedelta = timedelta(0)


class _Clock:
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
    w: _World, out: list[_Report], track: str, when: datetime, hours: float, mean: float, c: Claim
) -> None:
    """A fact and its corroborating reports, spread over ``hours`` after ``when``."""
    weight = w.weights[int(track.rsplit("-", 1)[1])]
    n = 1 + _corroboration(w.rng, mean * weight * VOLUME)
    for _ in range(n):
        out.append(_Report(_spread(w.rng, when, hours), track, [c], c.type.value))


def _talks(w: _World, slug: str, parties: list[str], day: datetime, out: list[_Report]) -> None:
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
    w: _World, cl: Callable[..., Claim], party: str, level: DelegationLevel, hedged: bool
) -> Claim:
    return cl(
        ClaimType.DELEGATION_ANNOUNCED,
        party=party,
        head=w.person(party, level),
        head_title=_TITLES[level],
        level=level,
        hedged=hedged,
    )


def _summit(w: _World, slug: str, parties: list[str], day: datetime, out: list[_Report]) -> None:
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


def _day(w: _World, d: int, plans: dict[int, list[_Report]], filler: int) -> list[_Report]:
    """Everything published on day ``d`` (plans for later days are filed under their day)."""
    rng = w.rng
    day = START + timedelta(days=d)
    new: list[_Report] = []
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
            new.append(_Report(_spread(rng, day, 24), t.slug, [c], "position"))
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
        words = " ".join(rng.choices(_WORDS, k=rng.randint(6, 11)))
        today.append(_Report(_spread(rng, day, 24), None, [], words))
    return today


class _Session(UnitOfWork):
    """A unit of work kept across commits: the generator is the only writer of a fresh store."""

    def drop_entries(self) -> None:
        for key in [k for k, a in self.loaded.items() if isinstance(a, Entry)]:
            del self.loaded[key]


class _Generator:
    def __init__(self, app: TrackerApp, params: Params) -> None:
        rng = random.Random(params.seed)
        codes = list(_CODES)
        rng.shuffle(codes)
        tracks = [
            TrackConfig(
                slug=f"t-{i}",
                title=f"{codes[2 * i]}–{codes[2 * i + 1]} talks",
                parties=[codes[2 * i], codes[2 * i + 1]],
            )
            for i in range(params.tracks)
        ]
        weights = [1.6 / (i + 1) ** 0.6 for i in range(params.tracks)]
        self.w = _World(rng, tracks, weights, [f"outlet-{i:02d}" for i in range(params.feeds)])
        self.app, self.params = app, params
        self.uow = _Session(app)
        self.v1 = Interpreter(extractor=_Reader("gen-1.0"), tracks=tracks)
        self.v2 = Interpreter(extractor=_Reader("gen-2.0"), tracks=tracks)
        self.clock = _Clock(START)
        self.events = 0
        self.serial = 0
        self.recent: list[Entry] = []  # claim-bearing entries a re-extraction may revisit
        self.failing: set[str] = set()

    def run(self, progress: Callable[[int], None] | None) -> int:
        p, w = self.params, self.w
        plans: dict[int, list[_Report]] = defaultdict(list)
        slots: list[tuple[datetime, int, str, list[_Report]]] = []
        pending: dict[tuple[datetime, str], list[_Report]] = {}
        order = itertools.count()
        with recording_clock(self.clock):
            for t in w.tracks:
                self.uow.add(Track(slug=t.slug, title=t.title, parties=list(t.parties)))
            for name in w.feeds:
                self.uow.add(Feed(name=name, url=f"https://{name}.example.org/rss"))
            filler, news = 100, 0.0
            for d in range(p.days * 2):
                if self.events >= p.events:
                    break
                for r in _day(w, d, plans, filler):
                    rec = r.published_at + r.late + timedelta(minutes=w.rng.uniform(5, 90))
                    slot = START + SLOT * math.ceil((rec - START) / SLOT)
                    key = (slot, w.rng.choice(w.feeds))
                    pending.setdefault(key, []).append(r)
                for key in [k for k in pending if k[0] <= START + timedelta(days=d + 1)]:
                    heapq.heappush(slots, (key[0], next(order), key[1], pending.pop(key)))
                while slots and slots[0][0] <= START + timedelta(days=d + 1):
                    at, _, feed, reports = heapq.heappop(slots)
                    self._poll(at, feed, reports)
                if d % 30 == 29:
                    self._reextract(START + timedelta(days=d + 1))
                before = self.events
                self._commit(progress)
                # Steer the unrelated news so that the log ends near ``days``.
                news = 0.8 * news + 0.2 * max(0, self.events - before - filler)
                needed = (p.events - self.events) / max(1, p.days - d - 1)
                filler = max(20, int(needed - news))
            self._commit(progress, force=True)
        return self.events

    def _poll(self, at: datetime, feed_name: str, reports: list[_Report]) -> None:
        self.clock.now = max(self.clock.now, at)
        feed = self.uow.get(Feed.create_id(feed_name))
        if self.w.rng.random() < 0.005:
            feed.record_failure(failed_at=self.clock.now, error="HTTP 503", kind="http")
            self.clock.now += timedelta(minutes=30)
        for r in sorted(reports, key=lambda x: x.published_at):
            self._entry(feed_name, r)
        feed.record_poll(polled_at=self.clock.now, new=len(reports), revised=0, http_status=200)

    def _entry(self, feed: str, r: _Report) -> None:
        self.serial += 1
        identity = f"g{self.serial}"
        entry_id = Entry.create_id(feed, identity)
        title = f"{r.headline} ({feed} {self.serial})"
        summary = " ".join(self.w.rng.choices(_WORDS, k=40))
        link = f"https://{feed}.example.org/{self.serial}"
        story = story_key(feed, title)
        tracks = [r.track] if r.claims and r.track else []
        evidence = evidence_for(
            entry_id,
            title=title,
            link=link,
            feed=feed,
            published_at=r.published_at,
            extractor_version=self.v1.version,
        )
        targets = (
            self.v1.apply(
                self.uow,
                entry_id=entry_id,
                evidence=evidence,
                story=story,
                claims=r.claims,
                tracks=tracks,
            )
            if r.claims
            else []
        )
        entry = Entry(
            feed=feed,
            identity=identity,
            guid=identity,
            link=link,
            title=title,
            summary=summary,
            author=None,
            published_at=r.published_at,
            published_inferred=False,
            content_hash=content_hash(title, summary, link, iso(r.published_at)),
            story=story,
            extractor_version=self.v1.version,
            claims=r.claims,
            tracks=tracks,
            targets=targets,
        )
        self.uow.add(entry)
        if r.claims:
            if len(self.recent) < 4000:
                self.recent.append(entry)
            else:
                self.recent[self.w.rng.randrange(4000)] = entry

    def _reextract(self, at: datetime) -> None:
        """Extractor ``gen-2`` reads ~1% of recent claim entries differently (as reextract)."""
        self.clock.now = max(self.clock.now, at)
        rng = self.w.rng
        chosen = rng.sample(self.recent, k=min(len(self.recent), max(1, len(self.recent) // 100)))
        for entry in chosen:
            self.uow.add(entry)
            claims = [] if rng.random() < 0.5 else [_misread(c) for c in entry.claims]
            tracks = list(entry.tracks) if claims else []
            self.v2.retract(
                self.uow, entry_id=entry.id, targets=entry.targets, published_at=entry.published_at
            )
            evidence = evidence_for(
                entry.id,
                title=entry.title,
                link=entry.link,
                feed=entry.feed,
                published_at=entry.published_at,
                extractor_version=self.v2.version,
            )
            targets = self.v2.apply(
                self.uow,
                entry_id=entry.id,
                evidence=evidence,
                story=entry.story,
                claims=claims,
                tracks=tracks,
            )
            entry.reinterpret(
                extractor_version=self.v2.version, claims=claims, tracks=tracks, targets=targets
            )
        gone = {e.id for e in chosen}
        self.recent = [e for e in self.recent if e.id not in gone]

    def _commit(self, progress: Callable[[int], None] | None, force: bool = False) -> None:
        changed = self.uow.pending()
        if not changed:
            return
        n = sum(len(a.pending_events) for a in changed)
        self.app.save(*changed)
        self.events += n
        self.uow.drop_entries()
        if progress is not None:
            progress(n)


def _misread(c: Claim) -> Claim:
    """What a newer extractor reads differently: no venue, or a different level."""
    if c.level is not None:
        lower = {DelegationLevel.MINISTER: DelegationLevel.DEPUTY_MINISTER}
        return Claim(**{**_fields(c), "level": lower.get(c.level, DelegationLevel.MINISTER)})
    return Claim(**{**_fields(c), "venue": None})


def _fields(c: Claim) -> dict[str, Any]:
    return {f: getattr(c, f) for f in c.__dataclass_fields__}


@dataclass
class _Reader:
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


def generate(url: str, params: Params, progress: Callable[[int], None] | None = None) -> int:
    """Write the store at ``url`` (must be empty); returns the number of events written."""
    app = TrackerApp(env=parse_store_url(url).event_store_env())
    try:
        if app.max_notification_id():
            raise RuntimeError(f"{url} is not empty")
        return _Generator(app, params).run(progress)
    finally:
        app.close()


def sqlite_store(params: Params, progress: Callable[[int], None] | None = None) -> Path:
    """The cached SQLite store for ``params`` under benchmarks/out/ (generated when missing)."""
    OUT.mkdir(exist_ok=True)
    path = OUT / f"{params.key}.db"
    if not path.exists():
        tmp = path.with_suffix(".tmp.db")
        for p in OUT.glob(tmp.name + "*"):
            p.unlink()
        generate(f"sqlite:///{tmp}", params, progress)
        lite = sqlite3.connect(tmp)
        try:  # fold the WAL in: the cache is one file
            lite.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            lite.close()
        tmp.rename(path)
        for p in OUT.glob(tmp.name + "-*"):
            p.unlink()
    return path


@contextmanager
def pg_store(params: Params, progress: Callable[[int], None] | None = None) -> Iterator[str]:
    """A PostgreSQL store for ``params`` in a fresh schema of ``test``, dropped afterwards."""
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    url = f"{PG_URL}?schema={schema}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        generate(url, params, progress)
        yield url
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def event_mix(url: str) -> dict[str, int]:
    """Events per topic in the store (largest first)."""
    app = TrackerApp(env=parse_store_url(url).event_store_env())
    try:
        mix: Counter[str] = Counter()
        start = 0
        while notes := app.recorder.select_notifications(
            start=start, limit=20000, inclusive_of_start=False
        ):
            mix.update(n.topic.removeprefix("tracker.").removesuffix(".v1") for n in notes)
            start = notes[-1].id
        return dict(mix.most_common())
    finally:
        app.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=Params.seed)
    parser.add_argument("--postgres", action="store_true", help="generate into PostgreSQL too")
    args = parser.parse_args(argv)
    params = Params(events=args.events, seed=args.seed)
    started = time.perf_counter()
    path = sqlite_store(params)
    took = time.perf_counter() - started
    mix = event_mix(f"sqlite:///{path}")
    out: dict[str, Any] = {"sqlite": str(path), "seconds": round(took, 1), "mix": mix}
    if args.postgres:
        started = time.perf_counter()
        with pg_store(params) as url:
            out["postgres_seconds"] = round(time.perf_counter() - started, 1)
            out["postgres_mix_equal"] = event_mix(url) == mix
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
