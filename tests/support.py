"""Test helpers: a scripted extractor and a small builder for entries and trackers.

The scripted extractor is a fake of the one thing these tests do not exercise (reading
English): it returns the claims a test wrote down for a headline, so the domain,
application and projection tests can state exactly what the news said.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tracker.config import Config, parse_config
from tracker.values import Claim, ClaimType, DatePrecision, DelegationLevel, EntryText, ParsedEntry

LEADERS = {"RU": "Vladimir Putin", "UA": "Volodymyr Zelensky", "US": "Donald Trump"}
COUNTRY_OF = {"istanbul": "TR", "turkey": "TR", "ankara": "TR", "anchorage": "US", "alaska": "US"}

CONFIG = """
feeds:
  - name: wire
    url: http://127.0.0.1:1/wire.xml
  - name: desk
    url: http://127.0.0.1:1/desk.xml
tracks:
  - slug: russia-ukraine
    title: Russia–Ukraine peace talks
    parties: [RU, UA]
    keywords: [Istanbul, peace talks]
"""


def config(text: str = CONFIG) -> Config:
    return parse_config(text, "test-feeds.yaml")


@dataclass
class ScriptedExtractor:
    """Returns the claims scripted for a title (matched by substring); nothing otherwise."""

    script: dict[str, list[Claim]] = field(default_factory=dict)
    version: str = "scripted-1"
    calls: int = 0

    def __call__(self, text: EntryText) -> list[Claim]:
        self.calls += 1
        for key, claims in self.script.items():
            if key in text.title:
                return list(claims)
        return []

    def mentions(self, text: str) -> set[str]:
        found = set()
        for code, word in (("RU", "Russia"), ("UA", "Ukrain"), ("US", "United States")):
            if word in text:
                found.add(code)
        return found

    def venue_country(self, venue: str) -> str | None:
        return COUNTRY_OF.get(venue.lower())

    def leader_of(self, party: str, on: date) -> str | None:
        return LEADERS.get(party)

    def leader_title(self, party: str, on: date) -> str | None:
        return "president" if party in LEADERS else None


def claim(kind: str, **kw: Any) -> Claim:
    """``claim("talks_held", parties=("RU", "UA"), venue="Istanbul", date="2025-05-16")``."""
    if isinstance(kw.get("date"), str):
        kw["date"] = date.fromisoformat(kw["date"])
        kw.setdefault("date_precision", DatePrecision.DAY)
    if isinstance(kw.get("level"), str):
        kw["level"] = DelegationLevel(kw["level"])
    if "parties" in kw:
        kw["parties"] = tuple(kw["parties"])
    return Claim(type=ClaimType(kind), **kw)


def at(day: str, hour: int = 12) -> datetime:
    """``at("2025-05-16")`` -> 2025-05-16 12:00 UTC."""
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def entry(
    identity: str,
    title: str,
    published: datetime | None,
    summary: str = "",
    link: str | None = None,
) -> ParsedEntry:
    return ParsedEntry(
        identity=identity,
        title=title,
        summary=summary,
        link=link or f"https://news.example/{identity}",
        guid=identity,
        published_at=published,
    )


class StepClock:
    """A fake wall clock the test moves by hand (used for recorded_at and poll times)."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> datetime:
        self.now += timedelta(**kw)
        return self.now


def notifications(app: Any) -> Iterator[Any]:
    start = 0
    while True:
        notes = app.recorder.select_notifications(start=start, limit=500, inclusive_of_start=False)
        if not notes:
            return
        yield from notes
        start = notes[-1].id


def topics(app: Any) -> list[str]:
    return [n.topic for n in notifications(app)]


def make(
    store_url: str,
    script: dict[str, list[Claim]],
    clock: Callable[[], datetime] | None = None,
    cfg: Config | None = None,
) -> Any:
    from tracker.bootstrap import make_tracker

    tracker = make_tracker(
        cfg or config(), store_url, extractor=ScriptedExtractor(script), clock=clock
    )
    tracker.recording_clock = clock
    return tracker


# --- the May 2025 Istanbul storyline, as the claims tests script for their headlines ------

PUTIN_PROPOSES = claim(
    "talks_proposed", parties=("RU", "UA"), venue="Istanbul", date="2025-05-15", proposer="RU"
)
ZELENSKY_WAITS = claim(
    "summit_rumored",
    parties=("RU", "UA"),
    venue="Turkey",
    date="2025-05-15",
    speaker="Volodymyr Zelensky",
    hedged=True,
)
MEDINSKY_LEADS = claim(
    "delegation_announced",
    party="RU",
    parties=("RU", "UA"),
    head="Vladimir Medinsky",
    head_title="presidential aide",
    level="senior_official",
)
UMEROV_LEADS = claim(
    "delegation_announced",
    party="UA",
    parties=("RU", "UA"),
    head="Rustem Umerov",
    head_title="defence minister",
    level="minister",
)
MOVED_TO_FRIDAY = claim(
    "talks_rescheduled", parties=("RU", "UA"), venue="Istanbul", date="2025-05-16"
)
HELD_IN_ISTANBUL = claim(
    "talks_held", parties=("RU", "UA", "TR"), venue="Istanbul", date="2025-05-16"
)
