"""Who leads a party's side: explicit delegation news, and the participants of a talks claim.

Explicit language names the head ("led by X", "X to lead Russia's team", "sends aide X",
"names X as head of the delegation", "with X at the helm"); the head is the person nearest to
that phrase, so the leader who signs the decree or the president who confirms the choice is not
taken for the head. Without such language the people who take part in talks are their party's
delegation ("Lavrov is meeting his counterparts"), except a leader on the other side of a
lower-level visitor ("Witkoff meets Putin"): a leader merely received or met is not his side's
head unless the text says he led it (DESIGN.md; labelling guide, "delegation_announced").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from tracker.extract.mentions import Mention
from tracker.values import Claim, ClaimType, DelegationLevel

_I = re.IGNORECASE
LEAD_RE = re.compile(
    r"\b(?:led|headed|chaired) by\b|\b(?:to|will|would|shall)\s+(?:again\s+)?(?:lead|head)\b|"
    r"\bas (?:the\s+|its\s+)?(?:head|leader|chief) of\b|"
    r"\bleads?\b|\bleading\b|\bheads?\b(?!\s+(?:of\s+state|to|for|back|home))|"
    r"\bat the helm\b|\bat (?:its|their|the) head\b|"
    r"\bhead of (?:the|its|\w+['’]s) delegation\b|"
    r"\bnam\w+ .{0,60}\bto (?:lead|head)\b",
    _I,
)
# Phrases whose head comes after them ("led by X", "sends X"); in every other phrase the head
# comes first ("X will lead", "X as head of the delegation", "with X at the helm").
_HEAD_AFTER = re.compile(
    r"(?:led|headed|chaired) by|sends?|sent|sending|to send|will send|head of (?:the|its)",
    _I,
)
DELEGATION_NOUN = re.compile(
    r"\b(?:delegations?|delegates|(?:negotiating\s+)?teams?|line-?up|negotiators|side)\b", _I
)
# "sends aide Medinsky", "will send Defence Minister Umerov": the object leads.
SEND_RE = re.compile(r"\b(?:sends?|sent|sending|to send|will send)\b", _I)
# The object of "sends": a (titled) person, not a place ("who Russia had sent to Istanbul").
_SENT_OBJECT = re.compile(
    r"\s+(?!(?:to|for|in|into|back|out|on|at|from|troops|weapons|aid)\b)"
    r"(?:(?:[\w-]+\s+){0,2}?[A-Z]|(?:his|her|its)\s+)"
)
_HOSTING = re.compile(r"\s+(?:\w+\s+)?(?:received|receives|hosted|hosts|welcomed|welcomes)\b", _I)
_SPEAKER_NEAR = re.compile(
    r"\b(?:says?|said|told|according to|believe\w*|confirm\w*|call(?:s|ed)|open(?:s|ed|ing)|"
    r"chair\w*|host(?:s|ed|ing))\b",
    _I,
)
_NOT_HEAD_BEFORE = re.compile(r"(?:signed by|decree (?:by|of)|opened by|hosted by)\s*$", _I)


def is_explicit(clause: str) -> re.Match[str] | None:
    """The delegation phrase of ``clause`` when it announces who leads a side, else None."""
    lead = LEAD_RE.search(clause)
    if lead is not None and DELEGATION_NOUN.search(clause):
        return lead
    send = SEND_RE.search(clause)
    if send is not None and _SENT_OBJECT.match(clause, send.end()):
        return send
    return None


def _distance(m: Mention, phrase: re.Match[str]) -> int:
    """Characters between ``m`` and the phrase, doubled plus a penalty on the wrong side.

    The head sits on one side of its phrase: after "led by"/"sends", before "will lead"/"as
    head of"/"at the helm". A name on the other side ("a decree signed by Putin names X as
    head"; "X as head, alongside deputy ministers Y and Z") is taken only when nobody stands
    on the right side.
    """
    after = _HEAD_AFTER.fullmatch(phrase.group(0)) is not None
    if m.end <= phrase.start():
        gap, wrong = phrase.start() - m.end, after
    elif m.start >= phrase.end():
        gap, wrong = m.start - phrase.end(), not after
    else:
        return 0  # inside the phrase: "names aide Medinsky to lead"
    return gap + (1000 if wrong else 0)


def delegations(
    clause: str,
    field: str,
    mentions: list[Mention],
    explicit: bool,
    phrase: re.Match[str] | None = None,
) -> Iterator[Claim]:
    """One ``delegation_announced`` claim per party that the clause gives a head for."""
    people = [
        m
        for m in mentions
        if m.kind == "person" and m.party and m.level is not None and m.start >= 0
    ]
    if explicit:
        if phrase is None:
            return
        best: dict[str, Mention] = {}
        for m in people:
            before = clause[max(0, m.start - 20) : m.start]
            after = clause[m.end : m.end + 12]
            if _NOT_HEAD_BEFORE.search(before) or _SPEAKER_NEAR.search(after):
                continue
            if m.head is None and m.start < phrase.end() and phrase.start() < m.end:
                continue  # "as leader of the delegation": the role itself, not a person
            party = str(m.party)
            if party not in best or _distance(m, phrase) < _distance(best[party], phrase):
                best[party] = m
        ranked = sorted(best.values(), key=lambda m: _distance(m, phrase))
        # the nearest head, and any other named close by ("led by Medinsky and Umerov")
        chosen = [m for i, m in enumerate(ranked) if i == 0 or _distance(m, phrase) <= 40]
        chosen.sort(key=lambda m: m.start)
    else:
        chosen = []
        seen: set[str] = set()
        lower_level = any(m.level is not DelegationLevel.LEADER for m in people)
        for m in people:
            around = clause[max(0, m.start - 14) : m.end + 14]
            if m.party in seen or _SPEAKER_NEAR.search(around):
                continue  # a speaker, not a participant
            if m.level is DelegationLevel.LEADER and (lower_level or _HOSTING.match(clause, m.end)):
                continue  # the leader a visitor meets (or who receives one) is not announced
            seen.add(str(m.party))
            chosen.append(m)
    for m in chosen:
        yield Claim(
            type=ClaimType.DELEGATION_ANNOUNCED,
            party=m.party,
            head=m.head,
            head_title=m.title,
            level=m.level,
            evidence=clause.strip(),
            evidence_field=field,
        )
