"""Where a meeting takes place: the venue of a clause, as written, and whether it is visited.

A city beats its country ("in Doha, Qatar"); a place that is the object of a visit hosts the
meeting (its country takes part); a place described by its kind ("the Turkish city of
Gaziantep", "Oman's capital Muscat", "the Black Sea resort of Sochi") is the named place, and
the country that describes it is no side; "on the border with Belarus" is the "Belarus border".
"""

from __future__ import annotations

import re

import pycountry

from tracker.extract.lexicon import VENUE_KINDS, capital_of
from tracker.extract.mentions import WAR_BEFORE, Mention

VENUE_RE = re.compile(
    r"(?:\b(?:in|at|to|visits?|visited|visiting|arrives?\s+in|arrived\s+in|arriving\s+in|"
    r"heads?\s+to|travel(?:s|led|ed)?\s+to|trip\s+to|visit\s+to|hosted\s+in|held\s+in|"
    r"(?:set|scheduled|slated|planned|due)\s+for)\s+)"
    # "in south Lebanon", "in northern Syria": still the place, not a side
    r"(?:the\s+)?(?:(?:north|south|east|west|central)(?:ern|-?east(?:ern)?|-?west(?:ern)?)?\s+)?$",
    re.IGNORECASE,
)
_BORDER_AFTER = re.compile(r"^(?:[-–][A-Z]\w+)?\s+border\b")
_HOST_AFTER = re.compile(
    r"\s+(?:hosted|hosts|(?:will|would|to|is|was) (?:again )?host(?:ing)?)\b", re.IGNORECASE
)
_VISIT_BEFORE = re.compile(
    r"(?:\bvisits?|visited|visiting|visit\s+to|trip\s+to|arrived\s+in|arrives\s+in|lands?\s+in|"
    r"landed\s+in)\s+(?:the\s+)?$",
    re.IGNORECASE,
)


# "in the Turkish city of Gaziantep", "in Oman's capital Muscat", "at the Black Sea resort of
# Sochi", "in the Malaysian capital, Kuala Lumpur": the place a reporter describes by its kind
_DESCRIBED = re.compile(
    r"\b(?:in|at|to|near)\s+(?:the\s+)?(?P<desc>(?:[A-Z][\w'’.-]*\s+){0,2}?[A-Z][\w'’.-]*)\s+"
    r"(?:[a-z-]+\s+)?(?:city|capital|resort|town|port|village|enclave|province|region|"
    r"island|seaside\s+resort|mountain\s+resort)(?:\s+of|,)?\s+"
    r"(?P<name>(?!(?:On|In|At|The|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b)"
    r"[A-Z][\w'’-]+(?:[ -](?:[A-Z][\w'’-]+|al-\w+|es-\w+|de|el))*)"
)
# "on the border with Belarus": the same place as "on the Belarus border"
_BORDER_WITH = re.compile(r"\b(?:on|at|near|along)\s+(?:the\s+)?border\s+with\s+(?:the\s+)?$", re.I)


def _described(sentence: str, mentions: list[Mention]) -> tuple[str, Mention | None] | None:
    """A place named with its kind: (the name as written, the mention to treat as the venue).

    The describing country is part of the venue, not a side: it is returned as the venue
    mention when it names a party, so that the participants leave it out.
    """
    found = _DESCRIBED.search(sentence)
    if found is None:
        return None
    named = next((m for m in mentions if m.start == found.start("name") and m.place), None)
    describing = next(
        (
            m
            for m in mentions
            if m.place is not None
            and m.party
            and found.start("desc") <= m.start < found.end("desc")
        ),
        None,
    )
    if named is None and describing is None:
        return None  # "at the Grand Hotel Imperial": no place we know says this is one
    display = named.place.venue if named is not None and named.place else found.group("name")
    return display, describing or named


def country_name(code: str) -> str:
    c = pycountry.countries.get(alpha_2=code)
    if c is None:
        return code
    return str(getattr(c, "common_name", None) or c.name).split(",")[0]


def find_venue(sentence: str, mentions: list[Mention]) -> tuple[str | None, Mention | None, bool]:
    """The venue of the event in ``sentence``: (display, mention, visited).

    ``visited`` is True when the place is the object of a visit ("visits Ukraine"): then its
    country takes part (it hosts), unlike a city named after "in".
    """
    described = _described(sentence, mentions)
    if described is not None:
        return described[0], described[1], False
    best: tuple[str | None, Mention | None, bool] = (None, None, False)
    host: tuple[str, Mention, bool] | None = None
    for m in mentions:
        if m.place is None or m.start < 0:  # start < 0: borrowed from the sentence, not here
            continue
        before = sentence[max(0, m.start - 40) : m.start]
        after = sentence[m.end : m.end + 20]
        border = m.place.kind in ("country", "demonym") and _BORDER_AFTER.match(after)
        if border and re.search(r"\b(?:at|on|near|along)\s+(?:the\s+)?(?:\w+[-–])?$", before):
            return f"{country_name(m.place.code)} border", m, False
        if m.place.kind == "country" and _BORDER_WITH.search(before):
            return f"{country_name(m.place.code)} border", m, False
        if m.place.kind in ("country", "city", "demonym") and re.match(
            r"\s+(?:visit|trip)\b", after
        ):
            return m.place.venue, m, True
        capital = capital_of(m.place.code) if m.place.kind == "demonym" else None
        if capital and re.match(r"\s+capital\b", after) and VENUE_RE.search(before):
            # "landed in the Turkish capital": Ankara; its country takes part only when it is
            # visited ("arrived in the Turkish capital"), not when others meet there
            return capital, m, bool(_VISIT_BEFORE.search(before))
        if m.place.kind in ("country", "city", "region", "seat") and _HOST_AFTER.match(after):
            # "Istanbul hosted the last round", "Turkey will host": the host is the venue and,
            # when it is a country, a party (unless a city is named: "host talks in Istanbul")
            host = host or (m.place.venue, m, m.place.kind == "country")
            continue
        named = m.place.kind in ("city", "region", "seat") and re.match(
            r"\s+(?:peace\s+)?(?:talks|round|meeting|summit|negotiations)\b", after
        )  # "Istanbul talks", "the Alaska summit"
        if m.place.kind not in VENUE_KINDS or not (named or VENUE_RE.search(before)):
            continue
        if WAR_BEFORE.search(before) or re.search(r"\bsummit of\s+$", before):
            continue
        # visiting a city that seats international bodies is no visit to a host country
        visited = bool(_VISIT_BEFORE.search(before)) and m.place.kind != "seat"
        candidate = (m.place.venue, m, visited)
        # A city beats a country ("in Doha, Qatar"); the first city wins.
        if best[1] is None or (
            m.place.kind in ("city", "metonym", "region", "seat")
            and best[1].place
            and best[1].place.kind == "country"
        ):
            best = candidate
    if host is not None and (
        best[1] is None or (host[1].place is not None and host[1].place.kind in ("city", "seat"))
    ):
        return host
    return best
