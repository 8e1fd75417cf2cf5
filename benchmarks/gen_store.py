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
- Unrelated news (entries with no claims) fills the log: about half of all events; with the
  entries that carry claims, raw ``Entry.Recorded`` events are ~70% of the log.
- 60 feeds (at 1M) polled in 6-hour slots; each slot of a feed that brought entries is one
  ``Feed.Polled``; ~0.5% of polls fail first (``FailureStarted``/``FailureEnded``).
- ~2% of claim-bearing entries are backfills: recorded 3-20 days after publication, so they
  land behind newer events of their engagement. Every ~30 days a re-extraction (extractor
  ``gen-2``) reads ~1% of recent claim-bearing entries differently: retraction + new claims.
- ``published_at`` spans ``days`` (365 at 1M events); ``recorded_at`` follows the polls.

History length is what changes with size: both the number of tracks and the span scale with
``sqrt(events / 1M)`` (1M: 40 tracks over a year; 10k: 4 tracks over five weeks), so the
density per track and day, and hence what one briefing shows, stays the same.

SQLite stores are cached in benchmarks/out/ under a name made of the size, the seed and a
hash of the code that shapes the events (this generator, the domain, the interpreter, the
matching), so a changed domain regenerates them. About 3 minutes for 1M events (SQLite or
PostgreSQL), 1-2 s for 10k.
"""

from __future__ import annotations

import argparse
import ast
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
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from gen_world import (
    CODES,
    SLOT,
    START,
    WORDS,
    Clock,
    Reader,
    Report,
    World,
    misread,
    reports_of_day,
)

from tracker.application import TrackerApp, UnitOfWork
from tracker.config import TrackConfig
from tracker.domain import recording_clock
from tracker.entry import Entry, evidence_for, story_key
from tracker.feed import Feed
from tracker.interpret import Interpreter
from tracker.store import parse_store_url
from tracker.track import Track
from tracker.values import (
    content_hash,
    iso,
)

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


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
    """Hash of the code that decides which events are written: this generator and every
    tracker module it imports, directly or not (domain, interpreter, matching, application).
    A cached store goes stale when any of it changes."""
    here = Path(__file__).resolve().parent
    package = here.parent / "tracker"
    todo = [here / "gen_store.py", here / "gen_world.py"]
    seen: set[Path] = set()
    while todo:
        path = todo.pop()
        if path in seen or not path.exists():
            continue
        seen.add(path)
        for node in ast.walk(ast.parse(path.read_text())):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            if module and module.startswith("tracker."):
                todo.append(package.joinpath(*module.split(".")[1:]).with_suffix(".py"))
    digest = hashlib.sha256()
    for path in sorted(seen):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


class _Session(UnitOfWork):
    """A unit of work kept across commits: the generator is the only writer of a fresh store."""

    def drop_entries(self) -> None:
        for key in [k for k, a in self.loaded.items() if isinstance(a, Entry)]:
            del self.loaded[key]


class _Generator:
    def __init__(self, app: TrackerApp, params: Params) -> None:
        rng = random.Random(params.seed)
        codes = list(CODES)
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
        self.w = World(rng, tracks, weights, [f"outlet-{i:02d}" for i in range(params.feeds)])
        self.app, self.params = app, params
        self.uow = _Session(app)
        self.v1 = Interpreter(extractor=Reader("gen-1.0"), tracks=tracks)
        self.v2 = Interpreter(extractor=Reader("gen-2.0"), tracks=tracks)
        self.clock = Clock(START)
        self.events = 0
        self.serial = 0
        self.recent: list[Entry] = []  # claim-bearing entries a re-extraction may revisit
        self.failing: set[str] = set()

    def run(self, progress: Callable[[int], None] | None) -> int:
        p, w = self.params, self.w
        plans: dict[int, list[Report]] = defaultdict(list)
        slots: list[tuple[datetime, int, str, list[Report]]] = []
        pending: dict[tuple[datetime, str], list[Report]] = {}
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
                for r in reports_of_day(w, d, plans, filler):
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

    def _poll(self, at: datetime, feed_name: str, reports: list[Report]) -> None:
        self.clock.now = max(self.clock.now, at)
        feed = self.uow.get(Feed.create_id(feed_name))
        assert feed is not None  # registered when the world was made
        if self.w.rng.random() < 0.005:
            feed.record_failure(failed_at=self.clock.now, error="HTTP 503", kind="http")
            self.clock.now += timedelta(minutes=30)
        for r in sorted(reports, key=lambda x: x.published_at):
            self._entry(feed_name, r)
        feed.record_poll(polled_at=self.clock.now, new=len(reports), revised=0, http_status=200)

    def _entry(self, feed: str, r: Report) -> None:
        self.serial += 1
        identity = f"g{self.serial}"
        entry_id = Entry.create_id(feed, identity)
        title = f"{r.headline} ({feed} {self.serial})"
        summary = " ".join(self.w.rng.choices(WORDS, k=40))
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
            claims = [] if rng.random() < 0.5 else [misread(c) for c in entry.claims]
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
        # Stores of the same size and seed made by older code are stale for good.
        for p in OUT.glob(f"store-{params.events}-{params.seed}-*.db"):
            if p != path:
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
