"""Who and where a sentence talks about: parties, people with titles and levels, the venue.

A mention is a span of the sentence with what it resolves to. People come from the actor
dictionary (level from the office held on the publication date) or from a generic title, with
the party taken from a neighbouring demonym/country ("Russian Foreign Minister", "Iraq's national
security advisor", "King Hassan of Morocco").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

import pycountry

from tracker.extract.lexicon import PARTY_KINDS, VENUE_KINDS, Dictionaries, Place, capital_of
from tracker.values import DelegationLevel


@dataclass(slots=True)
class Mention:
    """A party, place or person found in a sentence (character offsets into it)."""

    start: int
    end: int
    text: str
    kind: str  # "place" | "person"
    party: str | None = None
    place: Place | None = None
    head: str | None = None  # a person's name, when the text gives one
    title: str | None = None
    level: DelegationLevel | None = None
    known: bool = False  # a person from the actor dictionary


# A capitalised name right after a title: "Foreign Minister Sergey Lavrov", "Hamas leader
# Khalil al-Hayya", "Sheikh Hamad bin Khalifa al-Thani".
_NAME_AFTER = re.compile(
    r"\s+((?:[A-Z][\w'’.-]+|al-\w+|(?:bin|ibn|von|van|der|den|de|la|el)(?!\w))"
    r"(?:\s+(?:[A-Z][\w'’.-]+|al-\w+|(?:bin|ibn|von|van|der|den|de|la|el|Al)(?!\w))){0,5})"
)
_NAME_STOP = {
    "The",
    "On",
    "In",
    "At",
    "And",
    "But",
    "As",
    "Of",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Said",
    "Says",
    "Will",
    "Has",
    "Is",
}
_POSSESSIVE = re.compile(r"['’]s?\s*$")
_WAR_BEFORE = re.compile(
    r"(?:war|invasion|conflict|crisis|fighting|attacks?|assault|offensive|strikes?|aggression|"
    r"refugees|unrest|situation|occupation|sanctions|tensions|border with|troops in|forces in|"
    r"threat to|support for|aid to|evacuat\w+|genocide|bombing|shelling|against|invade|invades)"
    r"\s+(?:in|of|on|against|over|to|into|from|near)?\s*(?:the\s+)?$",
    re.IGNORECASE,
)
_WAR_AFTER = re.compile(
    r"^(?:['’]s\s+)?\s*(?:invasion|war|attack|assault|offensive|aggression|strikes?|troops|"
    r"forces|military|shelling|bombardment|missile|drone|soldiers)\b|"
    # a feed's section label ("Ukraine daily roundup:", "Russia latest:") names no side
    r"^\s+(?:daily\s+|weekly\s+)?(?:roundup|round-up|live|latest|updates?|briefing)\s*:|"
    # the country as the agent of military action ("while Russia masses troops")
    r"^\s+(?:continues\s+to\s+|keeps\s+|has\s+|had\s+)?(?:mass(?:es|ed|ing)|amass\w*|invad\w*|"
    r"shell(?:s|ed|ing)|bomb(?:s|ed|ing)|pound\w*|deploy\w*|attack(?:s|ed|ing)|"
    r"launch(?:es|ed)\s+(?:an?\s+)?(?:attack|offensive|invasion|strikes?))\b",
    re.IGNORECASE,
)
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
    r"(?:\bvisits?|visited|visiting|visit\s+to|trip\s+to|arrived\s+in|arrives\s+in)\s+(?:the\s+)?$",
    re.IGNORECASE,
)


def country_name(code: str) -> str:
    c = pycountry.countries.get(alpha_2=code)
    if c is None:
        return code
    return str(getattr(c, "common_name", None) or c.name).split(",")[0]


def find_mentions(sentence: str, d: Dictionaries, day: date | None) -> list[Mention]:
    """Every place/party and person mention in ``sentence``, left to right, no overlaps."""
    found: list[Mention] = []
    for m in d.actor_re.finditer(sentence):
        actor = d.actor(m.group(0))
        if actor is None:
            continue
        office = actor.office_on(day)
        found.append(
            Mention(
                m.start(),
                m.end(),
                m.group(0),
                "person",
                actor.party,
                None,
                actor.name,
                office.title if office else None,
                office.level if office else None,
                True,
            )
        )
    taken = [(x.start, x.end) for x in found]
    for m in d.place_re.finditer(sentence):
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        place = d.place(m.group(0))
        if place is None:
            continue
        party = place.code if place.kind in PARTY_KINDS else None
        found.append(Mention(m.start(), m.end(), m.group(0), "place", party, place))
    taken = [(x.start, x.end) for x in found]
    for m in d.title_re.finditer(sentence):
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        found.append(_title_mention(sentence, m, d, found))
    found.sort(key=lambda x: x.start)
    out = _coordinated(sentence, _attach_titles(sentence, found))
    if day is not None:
        for person in out:
            # "the US president", "Russia's president": the office holder on that day
            unnamed = person.kind == "person" and not person.known and person.head is None
            if unnamed and person.party and person.title in _SINGLE_LEADER_TITLES:
                person.head = d.leader_of(person.party, day)
    return out


_NAME = r"[A-Z][\w-]+(?:\s+[A-Z][\w-]+)?"
# "Russian and Ukrainian foreign ministers", "the Polish, Czech and Slovenian prime ministers"
_LIST_BEFORE = re.compile(rf"(?:^|\b)((?:{_NAME},\s+)*{_NAME},?\s+and\s+{_NAME})\s+$")
# "his counterparts in China and India", "the foreign ministers of France and Germany"
_LIST_AFTER = re.compile(
    rf"\s+(?:in|of|from)\s+(?:the\s+)?((?:{_NAME},\s+)*{_NAME},?\s+and\s+{_NAME})"
)


def _coordinated(sentence: str, found: list[Mention]) -> list[Mention]:
    """A plural title before or after a list of sides: one person mention for each side."""
    out: list[Mention] = []
    for m in found:
        out.append(m)
        if m.kind != "person" or m.known or not (m.title or "").endswith("s"):
            continue
        lo = max(0, m.start - 60)
        listed = _LIST_BEFORE.search(sentence[lo : m.start])
        if listed is not None:
            span = (lo + listed.start(1), lo + listed.end(1))
        else:
            listed = _LIST_AFTER.match(sentence, m.end)
            if listed is None:
                continue
            span = listed.span(1)
        seen = {m.party}
        for x in found:
            listed_side = x.kind == "place" and x.party and span[0] <= x.start < span[1]
            if listed_side and x.party not in seen:
                seen.add(x.party)
                out.append(replace(m, party=x.party))
    return out


_SINGLE_LEADER_TITLES = frozenset(
    {"president", "prime minister", "chancellor", "premier", "kremlin leader"}
)


def _title_mention(
    sentence: str, m: re.Match[str], d: Dictionaries, found: list[Mention]
) -> Mention:
    title = m.group(0).lower()
    mention = Mention(m.start(), m.end(), m.group(0), "person", None, None, None, title)
    mention.level = d.title_level(title)
    name = _NAME_AFTER.match(sentence, m.end())
    if name and name.group(1).split()[0] not in _NAME_STOP:
        words = name.group(1).split()
        while words and words[-1] in _NAME_STOP:
            words.pop()
        if words and len(words[-1]) > 2 and words[-1].endswith("."):
            words[-1] = words[-1][:-1]  # "… leader Yasser Arafat.": the full stop, not an initial
        if words and not d.place(" ".join(words)):
            mention.head = " ".join(words)
            mention.end = m.end() + 1 + len(" ".join(words))
    return mention


def _attach_titles(sentence: str, found: list[Mention]) -> list[Mention]:
    """Give titled people their party and merge a title with the known person it introduces."""
    out: list[Mention] = []
    for i, mention in enumerate(found):
        if mention.kind != "person" or mention.known:
            out.append(mention)
            continue
        nxt = found[i + 1] if i + 1 < len(found) else None
        if nxt is not None and nxt.known and 0 <= nxt.start - mention.end <= 2:
            # "President Donald Trump": the dictionary knows the person; keep the written title.
            nxt.title = nxt.title or mention.title
            continue
        if mention.head and nxt is not None and nxt.known and nxt.start < mention.end:
            # "his aide Vladimir Medinsky": the office's own title ("presidential aide") says
            # more than the shorter word written before the name
            if not (nxt.title and mention.title and mention.title in nxt.title.lower()):
                nxt.title = mention.title
            continue
        mention.party = _party_near(sentence, mention, out, found[i + 1 :])
        out.append(mention)
    return out


def _party_near(
    sentence: str, person: Mention, before: list[Mention], after: list[Mention]
) -> str | None:
    """The party of a titled person: "Russian X", "Russia's X", "X of Russia", "Hamas leader"."""
    for prev in reversed(before):
        gap = sentence[prev.end : person.start]
        if prev.kind == "person":
            break
        owner = prev.party or (
            prev.place.code if prev.place and prev.place.kind in ("city", "region") else None
        )
        adjacent = _POSSESSIVE.match(gap) or gap.strip() == "" or re.fullmatch(r"\s*\w+\s*", gap)
        joined = re.search(r"[,;:]|\b(?:and|with|to)\b", gap)
        if owner and len(gap) <= 30 and adjacent and not joined:
            # "Russia's EU ambassador": the possessive owner wins over the nearer name.
            return _possessive_owner(sentence, before, person) or owner
        break
    for nxt in after[:1]:
        gap = sentence[person.end : nxt.start]
        if nxt.party and re.fullmatch(r"\s+(?:of|from)\s+(?:the\s+)?", gap):
            return nxt.party
    return None


def _possessive_owner(sentence: str, before: list[Mention], person: Mention) -> str | None:
    for prev in reversed(before):
        near = prev.party and person.start - prev.end <= 30
        if near and re.match(r"['’]s?\b", sentence[prev.end : prev.end + 2]):
            return prev.party
    return None


def is_background_place(sentence: str, m: Mention) -> bool:
    """True for places in a war/crisis frame ("invasion of Ukraine", "Russia's invasion")."""
    before = sentence[max(0, m.start - 40) : m.start]
    after = sentence[m.end : m.end + 30]
    return bool(_WAR_BEFORE.search(before) or _WAR_AFTER.match(after))


def find_venue(sentence: str, mentions: list[Mention]) -> tuple[str | None, Mention | None, bool]:
    """The venue of the event in ``sentence``: (display, mention, visited).

    ``visited`` is True when the place is the object of a visit ("visits Ukraine"): then its
    country takes part (it hosts), unlike a city named after "in".
    """
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
        if m.place.kind in ("country", "city", "demonym") and re.match(
            r"\s+(?:visit|trip)\b", after
        ):
            return m.place.venue, m, True
        capital = capital_of(m.place.code) if m.place.kind == "demonym" else None
        if capital and re.match(r"\s+capital\b", after) and VENUE_RE.search(before):
            # "landed in the Turkish capital": Ankara; the adjective still names its country as
            # a side, as it did before the capital was recognised
            return capital, m, True
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
        if _WAR_BEFORE.search(before) or re.search(r"\bsummit of\s+$", before):
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
