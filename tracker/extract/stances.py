"""Ceasefires and stated positions: who proposes or accepts a truce, who says what about talks."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tracker.extract.context import Context, make_claim, proposer_of
from tracker.extract.mentions import Mention, find_mentions, is_background_place
from tracker.extract.patterns import CEASE_RE, DECLINE_RE, SPEECH_RE, TALKS_AS_SUBJECT, TOPIC_RE
from tracker.values import Claim, ClaimType

_I = re.IGNORECASE
_OWNED_STANCE = re.compile(r"['’]s?\s+(?:peace\s+)?(?:demands|conditions|terms)\b", _I)
#: A clause boundary just before an attributed speaker (", Zelensky said, …").
_ASIDE = re.compile(r",\s*(?:\S+\s+){0,4}$")
_TAIL_SPEECH = re.compile(
    r"(?:says?|said|told)\s+(?:\w+\s+){0,3}?[A-Z]",
)

_CF_AGREED = re.compile(
    r"\b(?:agree\w*|sign\w*|declar\w*|announc\w*|accept\w*|reach\w*|brokered|mediated|took effect|"
    r"takes? effect|in force|came into force|holds?|holding|respect\w*|observ\w*|breach\w*|"
    r"implement\w*)\b",
    _I,
)
_CF_PROPOSED = re.compile(
    r"\b(?:propos\w*|call(?:s|ed|ing)? for|urg\w+|demand\w*|offer\w*|appeal\w*|seek\w*|"
    r"push\w* for|wants?|suggest\w*|arrange\w*)\b",
    _I,
)


_CF_DEMAND = re.compile(
    r"\b(?:should|must|(?:urg\w*|press\w*|call\w* on|ask\w*|push\w*|want\w*)\s+(?:\w+\s+){1,2}to)"
    r"\s+$",
    _I,
)


def ceasefire_kind(clause: str, hit: re.Match[str]) -> tuple[str, re.Match[str]] | None:
    """("agreed"|"proposed", verb) from the verbs near the ceasefire word, else None."""
    lo = max(0, hit.start() - 45)
    if re.search(r"\b(?:no|not an?|without|mere)\s+(?:\w+\s+)?$", clause[lo : hit.start()], _I):
        return None  # "no ceasefire was announced", "a peace agreement, not a ceasefire"
    window = clause[lo : hit.end() + 25]
    agreed = _CF_AGREED.search(window)
    proposed = _CF_PROPOSED.search(window)
    # "press Moscow to accept a truce", "Russia should accept": a demand, not an agreement.
    # Read back from the verb, not from the window's edge: "called on Russia to accept a full
    # and unconditional 30-day ceasefire" has the demand beyond the ceasefire word's reach.
    if agreed and _CF_DEMAND.search(clause[max(0, lo + agreed.start() - 40) : lo + agreed.start()]):
        return "proposed", agreed
    if agreed and not (
        proposed and proposed.start() < agreed.start() and "proposed by" not in window
    ):
        return "agreed", agreed
    if proposed and not TALKS_AS_SUBJECT.search(window[: proposed.start()]):
        return "proposed", proposed
    return None


def ceasefire(
    clause: str, ctx: Context, mentions: list[Mention], parties: list[str], hit: re.Match[str]
) -> Iterator[Claim]:
    """A ceasefire proposed (with its proposer) or agreed, read from the verbs near ``hit``."""
    found = ceasefire_kind(clause, hit)
    if found is None:
        return
    kind, verb = found
    if kind == "agreed":
        yield make_claim(ClaimType.CEASEFIRE_AGREED, clause, ctx, -1, parties=parties)
    else:
        owner = proposer_of(clause, mentions, verb)
        yield make_claim(
            ClaimType.CEASEFIRE_PROPOSED, clause, ctx, +1, parties=parties, proposer=owner
        )


# "accused the rebels of violating the ceasefire": a charge about the fighting, no stance on
# the truce itself
_VIOLATED = re.compile(
    r"\b(?:violat\w*|breach\w*|broke|break(?:s|ing)?)\s+(?:of\s+)?(?:the\s+|a\s+|an\s+|its\s+)?"
    r"(?:[\w-]+\s+){0,2}$",
    _I,
)
# ", as diplomatic efforts to deter an invasion continue": a background clause after what was
# said; its topic is not the statement's
_BACKGROUND = re.compile(r",?\s+(?:as|amid|while)\s+(?!(?:well|saying|telling|soon)\b)", _I)
# Verbs of assessment: "officials believe Putin has not backed off his demands in talks" is
# what onlookers think of Putin, not a stance Putin stated
_ASSESSED = re.compile(
    r"\b(?:believes?|believed|thinks?|thought|fears?|feared|suspects?|suspected|doubts?|"
    r"doubted|assess\w*)\s+(?:that\s+)?(?:the\s+)?(?:(?-i:[A-Z])[\w.-]*\s+){0,3}$",
    _I,
)


def _topic(sentence: str) -> re.Match[str] | None:
    """The first stance topic that is neither a charge of violation nor background."""
    speech = SPEECH_RE.search(sentence)
    background = _BACKGROUND.search(sentence, speech.end()) if speech else None
    for topic in TOPIC_RE.finditer(sentence):
        if background is not None and topic.start() >= background.start():
            break
        if _VIOLATED.search(sentence[max(0, topic.start() - 40) : topic.start()]):
            continue
        return topic
    return None


def position(sentence: str, ctx: Context) -> Iterator[Claim]:
    """A stance on talks/peace/ceasefire stated by a party or person ("X says …", "…, says X")."""
    topic = _topic(sentence)
    if not topic or DECLINE_RE.search(sentence):
        return
    mentions = [
        m
        for m in find_mentions(sentence, ctx.d, ctx.published)
        # "the war in Ukraine has prompted appeals": a war's place speaks for nobody
        if not is_background_place(sentence, m)
    ]
    who: Mention | None = None
    owned = _OWNED_STANCE.search(sentence)
    if owned:
        owners = [m for m in mentions if m.party and m.end <= owned.start() + 1]
        who = owners[-1] if owners else None
    tail = re.search(r"(?:,|\s[-–—])\s+(?:says?|said|according to)?\s*([^,]{2,60})$", sentence)
    cease = CEASE_RE.search(sentence)
    for verb in SPEECH_RE.finditer(sentence) if who is None else ():
        word = verb.group(0).lower()
        if (
            cease
            and ceasefire_kind(sentence, cease)
            and not re.match(r"reject|refus|oppos|dismiss|insist", word)
        ):
            return  # a ceasefire demand or acceptance is the ceasefire claim itself
        if verb.start() > topic.start():
            said = _ASIDE.search(sentence[: verb.start()]) and word in ("said", "says", "told")
            if said:
                # "…, Zelensky said, calling the Russian line-up decorative": the speaker is
                # the subject set off before the verb, not the first name after it
                aside = [m for m in mentions if m.party and 0 <= verb.start() - m.end <= 1]
                if aside and _ASIDE.search(sentence[: aside[-1].start]):
                    who = aside[-1]
                    break
            if _TAIL_SPEECH.match(sentence, verb.start()):
                right = [m for m in mentions if m.party and 0 <= m.start - verb.end() <= 20]
                who = right[0] if right else None
                if who is not None:
                    break
            continue  # the stance must follow the verb, except in "…, says X"
        left = [
            m
            for m in mentions
            if m.party
            and m.end <= verb.start()
            and not re.search(r"[:;]", sentence[m.end : verb.start()])
        ]
        if left:
            people = [m for m in left if m.kind == "person"]
            who = people[-1] if people and verb.start() - people[-1].end < 60 else left[0]
            break
    if who is None and tail and topic.start() < tail.start():
        right = [m for m in mentions if m.party and m.start >= tail.start(1)]
        who = right[0] if right else None
    if who is None or not who.party:
        return
    if who.start >= 0 and _ASSESSED.search(sentence[max(0, who.start - 40) : who.start]):
        return
    yield Claim(
        type=ClaimType.POSITION_STATED,
        party=who.party,
        person=who.head if who.kind == "person" else None,
        stance=sentence.strip()[:200],
        evidence=sentence.strip(),
        evidence_field=ctx.field,
    )
