"""Which parties take part in the meeting a clause reports: people's and places' parties,
less venues, war frames, adversaries, onlookers and the country of a city in apposition."""

from __future__ import annotations

import re

from tracker.extract.mentions import Mention, is_background_place
from tracker.extract.patterns import MEET_RE, PARTISAN

_I = re.IGNORECASE


def participants(
    clause: str, mentions: list[Mention], venue_m: Mention | None, visited: bool
) -> list[str]:
    """Parties taking part: people's and places' parties, minus venues and war frames.

    A visited place hosts ("visits Ukraine", "arrived in Amman"), so its country takes part.
    """
    parties: list[str] = []
    for m in mentions:
        party = m.party
        if m.place is not None:
            if m is venue_m:
                if not visited or m.place.kind == "seat":
                    continue  # a venue; "visits Brussels" is a visit to NATO or the EU
                party = m.place.code
            elif _in_apposition(clause, venue_m, m):
                continue  # "in Brussels, Belgium": the city's country belongs to the venue
            elif (
                m.place.kind == "city"
                and m.start >= 0
                and _CITY_SUBJECT.fullmatch(clause[: m.start])
            ):
                if not _SUBJECT_VERB.match(clause, m.end):
                    continue
                party = m.place.code  # "Moscow proposes …", "Kyiv rejects …": the government
            elif (
                not party
                or (
                    m.place.kind == "demonym"
                    and (
                        clause[max(0, m.start - 4) : m.start].lower().endswith(("pro-", "anti-"))
                        or _NON_STATE_AFTER.match(clause, m.end) is not None
                    )
                )
                or (
                    m.start >= 0
                    and (
                        PARTISAN.match(clause[m.end : m.end + 12]) or is_background_place(clause, m)
                    )
                )
            ):
                continue
        elif m.kind == "person" and m.start >= 0 and _AGAINST.search(clause[: m.start]):
            continue  # "a coalition against President Putin": an adversary, not a participant
        if party and party not in parties:
            parties.append(party)
    return parties


_BETWEEN = re.compile(
    r"\b(?:talks|negotiations?|meetings?|summits?|dialogue|contacts?|mediation|deal|"
    r"(?:cease-?fire|truce)(?:\s+(?:deal|agreement))?)\s+(?:\w+\s+){0,2}?between\s+"
    r"(.{3,90}?)(?=[,.;:]|$|\s+(?:in|on|at|to|over|for|after|as|would|will|is|are|was|were)\b)",
    _I,
)
_GO_BETWEEN = re.compile(
    # "Turkey offered to host …", "King Hassan … as saying he would be ready to host …"
    r"^\s+(?:[\w'’]+\s+){0,12}?(?:mediat|host|broker|facilitat|arrang)\w*|"
    r"(?:mediated|hosted|brokered|facilitated|arranged)\s+by\s+(?:the\s+)?$",
    _I,
)


def between(clause: str, mentions: list[Mention], parties: list[str]) -> list[str]:
    """ "US and NATO struggle to read the negotiations between Russia and Ukraine": the sides
    are the two named after "between", plus whoever the clause says hosts or mediates."""
    found = _BETWEEN.search(clause)
    if found is None:
        return parties
    inside = {
        str(m.party)
        for m in mentions
        if m.party and m.start >= 0 and found.start(1) <= m.start < found.end(1)
    }
    if len(inside) < 2:
        return parties
    keep = set(inside)
    for m in mentions:
        if (
            m.party
            and m.start >= 0
            and (
                _GO_BETWEEN.match(clause[m.end :])
                or _GO_BETWEEN.search(clause[max(0, m.start - 30) : m.start])
            )
        ):
            keep.add(str(m.party))
    kept = [p for p in parties if p in keep]
    return kept if len(kept) >= 2 else parties  # only narrows: exclusions made above stand


# Verbs of assessment: who believes or doubts is an onlooker. (Not verbs of saying: officials
# who say "a meeting with Putin could come" announce their own side's meeting.)
_FRAME = re.compile(
    r"\b(?:believes?|believed|thinks?|thought|fears?|feared|suspects?|suspected|doubts?|"
    r"doubted|struggles? to (?:decipher|read|understand|assess))\b",
    _I,
)


def unframed(clause: str, mentions: list[Mention], parties: list[str]) -> list[str]:
    """ "US and NATO officials believe Putin has not backed off his demands in talks with
    Ukraine": who believes or doubts is not a side of the talks the statement is about."""
    frame = _FRAME.search(clause)
    meet = MEET_RE.search(clause, frame.end()) if frame else None
    if frame is None or meet is None:
        return parties
    before = {m.party for m in mentions if m.party and 0 <= m.end <= frame.start()}
    after = {m.party for m in mentions if m.party and m.start >= frame.end()}
    kept = [p for p in parties if p not in before or p in after]
    return kept if len(kept) >= 2 else parties


def _in_apposition(clause: str, venue_m: Mention | None, m: Mention) -> bool:
    if venue_m is None or venue_m.place is None or m.place is None or m.start < 0:
        return False
    return (
        m.place.kind == "country"
        and m.place.code == venue_m.place.code
        and re.fullmatch(r",\s*", clause[venue_m.end : m.start]) is not None
    )


# "an Israeli peace movement", "Syrian opposition groups": people of a nation who do not act
# for its state (a named group of its own is in the dictionary: Hamas, the PLO, …)
_NON_STATE_AFTER = re.compile(
    r"\s+(?:[\w-]+\s+)?(?:peace\s+(?:movement|activists|campaigners|groups?)|opposition|"
    r"dissidents?|activists|rebels?|insurgents?|guerrillas?|militants?|separatists?|"
    r"settlers?|exiles?|militias?)\b",
    _I,
)
_CITY_SUBJECT = re.compile(r"\W*(?:the\s+)?", _I)
_SUBJECT_VERB = re.compile(
    r"\s+(?:(?:again|now|also|formally|officially)\s+)?(?:propos|offer|say|said|reject|accept|"
    r"want|call|urg|demand|agree|insist|warn|den(?:y|ie)|confirm|announc|send|sent|suggest|"
    r"plan|refus|respond|welcom|hope|expect|dismiss|nam|appoint|invit|push|press|seek|ask|"
    r"tell|told|signal|is ready|ready)\w*\b",
    _I,
)
_AGAINST = re.compile(
    r"\b(?:against|pressure on|isolate|disappointed (?:in|with)|angry (?:at|with)|"
    r"criticis\w+|criticiz\w+|condemn\w*)\s+(?:\w+\s+){0,2}$",
    _I,
)


# "urged Russia to accept a ceasefire", "called on Moscow to withdraw": the party is asked to
# do something; asked to meet ("urged Putin to meet Zelensky") it is a side of that meeting.
_ADDRESSED = re.compile(
    r"\b(?:urg(?:e|es|ed|ing)|call(?:s|ed|ing)?\s+on|press(?:es|ed|ing)?|ask(?:s|ed|ing)?|"
    r"told|tells?)\s+(?:\w+\s+)?$",
    _I,
)
_TO_DO_ELSE = re.compile(
    r"\s+to\s+(?!(?:meet|talk|negotiat|join|attend|come|sit|hold|take|visit|return|resume)\w*)"
    r"\w",
    _I,
)


def unaddressed(clause: str, mentions: list[Mention], parties: list[str]) -> list[str]:
    """The parties of a meeting, without those the clause only asks to do something else.

    "Macron and Merz met Zelensky in Kyiv and urged Russia to accept a ceasefire": Russia is
    the addressee of the demand, not at the meeting (it stays a side of the ceasefire).
    """

    def addressed(m: Mention) -> bool:
        return bool(_ADDRESSED.search(clause[: m.start]) and _TO_DO_ELSE.match(clause, m.end))

    named = [m for m in mentions if m.party and m.start >= 0]
    asked = {m.party for m in named if addressed(m)}
    present = {m.party for m in named if not addressed(m)}
    return [p for p in parties if p not in asked or p in present]
