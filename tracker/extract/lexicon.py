"""Dictionaries the extractor reads: places and parties, actors with dated offices, titles.

Country names come from pycountry (name, official name, common name); ``data/places.yaml`` adds
what pycountry lacks (demonyms, cities, metonyms, organisations, non-state sides);
``data/actors.yaml`` lists people with time-bounded offices; ``data/titles.yaml`` maps generic
titles to delegation levels. User overrides (``feeds.yaml`` ``actors:``) replace bundled actors
of the same name and add new ones.

Everything here is built once into compiled regular expressions; nothing is looked up per word.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from importlib import resources
from typing import Any

import pycountry
import yaml

from tracker.config import ActorConfig
from tracker.values import DelegationLevel

# pycountry short names that are ambiguous or misleading as bare words ("Korea", "Congo",
# "Georgia" the US state is a risk we accept; "Jersey", "Chad" as a first name are not).
_AMBIGUOUS = {"Korea", "Congo", "Virgin Islands", "Jersey", "Guinea", "Niger", "Dominica", "Chad"}
# Kinds of place mentions: which ones name a party and which ones can be a venue.
PARTY_KINDS = {"country", "demonym", "metonym", "org", "group"}
VENUE_KINDS = {"country", "city", "region", "metonym", "seat"}


@dataclass(frozen=True, slots=True)
class Office:
    """One office of one person, valid on ``since <= day < until`` (open ends allowed)."""

    title: str
    level: DelegationLevel | None
    since: date | None = None
    until: date | None = None

    def holds_on(self, day: date | None) -> bool:
        if day is None:
            return self.until is None
        return (self.since is None or self.since <= day) and (
            self.until is None or day < self.until
        )


@dataclass(frozen=True, slots=True)
class Actor:
    """A person the tracker knows: canonical name, party and offices over time."""

    name: str
    party: str
    offices: tuple[Office, ...] = ()

    def office_on(self, day: date | None) -> Office | None:
        """The office held on ``day`` (the latest one when several overlap), else None."""
        held = [o for o in self.offices if o.holds_on(day)]
        if held:
            return max(held, key=lambda o: o.since or date.min)
        return None


@dataclass(frozen=True, slots=True)
class Place:
    """A surface form of a place or party: ``code`` is the party code, ``venue`` its display."""

    code: str
    kind: str
    venue: str


@dataclass(frozen=True)
class Dictionaries:
    """Everything the rules look up, compiled. Build with :func:`load_dictionaries`."""

    places: dict[str, Place]
    actors: dict[str, Actor]
    titles: dict[str, DelegationLevel | None]
    place_re: re.Pattern[str]
    actor_re: re.Pattern[str]
    title_re: re.Pattern[str]
    leader_titles: frozenset[str] = field(default_factory=frozenset)
    # Surface -> party code for :meth:`mentions` (places that name a party, capitals, actors),
    # all in one compiled alternation so routing costs one regex pass per entry.
    mention_codes: dict[str, str] = field(default_factory=dict)
    mention_re: re.Pattern[str] | None = None

    def place(self, surface: str) -> Place | None:
        return self.places.get(surface) or self.places.get(surface.lower())

    @cached_property
    def _places_folded(self) -> dict[str, Place]:
        return {surface.lower(): place for surface, place in reversed(self.places.items())}

    def mentions(self, text: str) -> set[str]:
        """Party codes the text mentions anywhere: countries, demonyms, capitals, metonyms
        ("the Kremlin"), organisations, non-state sides and the parties of known people."""
        if not isinstance(text, str) or not text or self.mention_re is None:
            return set()
        codes = self.mention_codes
        found: set[str] = set()
        for m in self.mention_re.finditer(text):
            code = codes.get(m.group(0)) or codes.get(m.group(0).lower())
            if code:
                found.add(code)
        return found

    def venue_country(self, venue: str) -> str | None:
        """ISO code of the country a venue lies in ("Istanbul" -> "TR", "Alaska" -> "US").

        A country (or its code) maps to itself; "Belarus border" to BY; a longer venue
        ("Ciragan Palace, Istanbul") to the first place in it that we know. Organisations and
        unknown places give None.
        """
        if not isinstance(venue, str) or not venue.strip():
            return None
        text = venue.strip()
        if len(text) == 2 and text.isupper() and pycountry.countries.get(alpha_2=text):
            return text
        candidates = [text, text.removesuffix(" border").removeprefix("the ")]
        candidates += [m.group(0) for m in self.place_re.finditer(text)]
        for surface in candidates:
            place = self.place(surface) or self._places_folded.get(surface.lower())
            if (
                place is not None
                and place.kind in VENUE_KINDS | {"demonym"}
                and pycountry.countries.get(alpha_2=place.code) is not None
            ):
                return place.code
        return None

    def leader_of(self, party: str, on: date) -> str | None:
        """Who leads ``party``'s diplomacy on ``on``: the head of state, or the head of
        government where that office leads (prime ministers, chancellors; see
        ``data/actors.yaml``), from the actors' dated offices. None when we know nobody."""
        best: tuple[int, str] | None = None
        for actor in {id(a): a for a in self.actors.values()}.values():
            if actor.party != party:
                continue
            office = actor.office_on(on)
            if office is None or office.level is not DelegationLevel.LEADER:
                continue
            rank = _leader_rank(party, office.title)
            if best is None or rank > best[0]:
                best = (rank, actor.name)
        return best[1] if best else None

    def actor(self, surface: str) -> Actor | None:
        return self.actors.get(surface.lower())

    def title_level(self, title: str) -> DelegationLevel | None:
        return self.titles.get(title.lower())


# Where the head of government, not the head of state, speaks for the country abroad.
_GOVERNMENT_LED = frozenset(
    [
        "GB",
        "DE",
        "IN",
        "IL",
        "JP",
        "IT",
        "ES",
        "NL",
        "CA",
        "AU",
        "PK",
        "IQ",
        "SE",
        "NO",
        "DK",
        "GR",
        "HU",
        "CZ",
        "BE",
        "AT",
        "PT",
        "IE",
        "NZ",
        "TH",
        "MY",
    ]
)
_HEAD_OF_STATE = ("president", "king", "queen", "emir", "sultan", "supreme leader")


def _leader_rank(party: str, title: str) -> int:
    """Higher wins when a party has several leader-level office holders on a day."""
    low = title.lower()
    government = "prime minister" in low or "chancellor" in low or "premier" in low
    if party in _GOVERNMENT_LED:
        return 2 if government else 1
    if "acting" in low:
        return 1
    return 2 if low.startswith(_HEAD_OF_STATE) or not government else 1


def _alternation(words: Sequence[str]) -> str:
    # Longest first so "deputy foreign minister" wins over "foreign minister".
    ordered = sorted({w for w in words if w}, key=lambda w: (-len(w), w))
    return "|".join(re.escape(w) for w in ordered)


def _data(name: str) -> Any:
    text = resources.files("tracker.extract").joinpath("data", name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _country_names() -> dict[str, str]:
    """Surface -> alpha-2 from pycountry: name, official name, common name, 'X' of 'X, Y of'."""
    out: dict[str, str] = {}
    for c in pycountry.countries:
        names = [c.name, getattr(c, "official_name", None), getattr(c, "common_name", None)]
        for n in names:
            if not n:
                continue
            base = n.split(",")[0].split(" (")[0].strip()
            for variant in {n, base}:
                if "," in variant or "(" in variant or variant in _AMBIGUOUS:
                    continue
                out.setdefault(variant, c.alpha_2)
    return out


def _capitals() -> dict[str, str]:
    """Capital city -> country code (places.yaml ``capital:``)."""
    countries = _data("places.yaml").get("countries") or {}
    return {info["capital"]: code for code, info in countries.items() if info.get("capital")}


@lru_cache(maxsize=1)
def _capital_names() -> dict[str, str]:
    return {code: city for city, code in _capitals().items()}


def capital_of(code: str) -> str | None:
    """The capital city of country ``code`` ("TR" -> "Ankara"), from places.yaml."""
    return _capital_names().get(code)


def _build_places() -> dict[str, Place]:
    data = _data("places.yaml")
    places: dict[str, Place] = {}
    for surface, code in _country_names().items():
        places[surface] = Place(code, "country", surface)
    for code, info in (data.get("countries") or {}).items():
        for alias in info.get("aliases") or []:
            places[alias] = Place(code, "country", alias)
        for dem in info.get("demonyms") or []:
            places.setdefault(dem, Place(code, "demonym", dem))
        for city in [*(info.get("cities") or []), info.get("capital")]:
            if city:
                places.setdefault(city, Place(code, "city", city))
        for met in info.get("metonyms") or []:
            venue = "Moscow" if "Kremlin" in met else met
            places[met] = Place(code, "metonym", venue)
    for seat in data.get("seats") or []:
        # a city that seats international organisations: a venue, never a side by itself
        if seat in places:
            places[seat] = Place(places[seat].code, "seat", seat)
    for code, regions in (data.get("regions") or {}).items():
        for region in regions or []:
            places[region] = Place(code, "region", region)
    for section, kind in (("organisations", "org"), ("groups", "group")):
        for code, names in (data.get(section) or {}).items():
            for n in names:
                places[n] = Place(code, kind, n)
    for n in data.get("names") or []:
        # matched whole so that the place inside is not read: kind "name" is neither a party
        # nor a venue
        places[n] = Place("", "name", n)
    return places


def _parse_day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _bundled_actors() -> list[tuple[list[str], Actor]]:
    out = []
    for a in _data("actors.yaml")["actors"]:
        offices = tuple(
            Office(
                o["title"],
                DelegationLevel.parse(o.get("level")),
                _parse_day(o.get("from")),
                _parse_day(o.get("until")),
            )
            for o in a.get("offices") or []
        )
        out.append(([a["name"], *(a.get("aliases") or [])], Actor(a["name"], a["party"], offices)))
    return out


def _override_actors(overrides: Sequence[ActorConfig]) -> list[tuple[list[str], Actor]]:
    out = []
    for cfg in overrides:
        offices = [Office(o.title, o.level, o.since, o.until) for o in cfg.offices]
        if cfg.level is not None and not offices:
            offices.append(Office(cfg.level.value.replace("_", " "), cfg.level))
        out.append(([cfg.name, *cfg.aliases], Actor(cfg.name, cfg.party, tuple(offices))))
    return out


def _build_titles() -> dict[str, DelegationLevel | None]:
    titles: dict[str, DelegationLevel | None] = {}
    for level, words in _data("titles.yaml").items():
        parsed = None if level == "none" else DelegationLevel.parse(level)
        for w in words:
            titles[w.lower()] = parsed
    return titles


def build_dictionaries(overrides: Sequence[ActorConfig] = ()) -> Dictionaries:
    """Compile the bundled dictionaries plus ``overrides`` (which win by name and alias)."""
    places = _build_places()
    actors: dict[str, Actor] = {}
    overridden = {n.lower() for cfg in overrides for n in (cfg.name, *cfg.aliases)}
    for names, actor in _bundled_actors():
        if any(n.lower() in overridden for n in names):
            continue
        for n in names:
            actors[n.lower()] = actor
    for names, actor in _override_actors(overrides):
        for n in names:
            actors[n.lower()] = actor
    titles = _build_titles()
    surfaces = list(places)
    place_re = re.compile(rf"(?<![\w.])(?:{_alternation(surfaces)})(?![\w])")
    actor_names = [
        n
        for names, _ in _bundled_actors() + _override_actors(overrides)
        for n in names
        if n.lower() in actors
    ]
    actor_re = re.compile(rf"(?<![\w])(?:{_alternation(actor_names)})(?![\w])")
    title_re = re.compile(rf"(?<![\w])(?:{_alternation(list(titles))})(?![\w])", re.IGNORECASE)
    leaders = frozenset(t for t, lv in titles.items() if lv is DelegationLevel.LEADER)
    codes = _mention_codes(places, actors, actor_names)
    mention_re = re.compile(rf"(?<![\w.])(?:{_alternation(list(codes))})(?![\w])")
    return Dictionaries(
        places, actors, titles, place_re, actor_re, title_re, leaders, codes, mention_re
    )


def _mention_codes(
    places: dict[str, Place], actors: dict[str, Actor], actor_names: list[str]
) -> dict[str, str]:
    """Surfaces that say a party is involved: party places, capitals, known people."""
    capitals = _capitals()
    codes = {
        surface: place.code
        for surface, place in places.items()
        if place.kind in PARTY_KINDS or (place.kind == "city" and surface in capitals)
    }
    for name in actor_names:
        codes.setdefault(name, actors[name.lower()].party)
    return codes


@lru_cache(maxsize=1)
def default_dictionaries() -> Dictionaries:
    """The bundled dictionaries, built once per process."""
    return build_dictionaries(())
