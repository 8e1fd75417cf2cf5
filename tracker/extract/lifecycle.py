"""Where a meeting stands in its lifecycle, read from a clause's marker words.

In priority order: cancellation > postponement > proposal > hedging (summits) > took place >
under way (present tense, an ongoing visit) > future > held by default (lower confidence).
"""

from __future__ import annotations

import re

from tracker.extract.context import proposer_of, speaker_of
from tracker.extract.mentions import Mention
from tracker.extract.patterns import (
    CANCEL_RE,
    FIRM_FUTURE,
    FUTURE_RE,
    PAST_RE,
    POSTPONE_RE,
    PRESENT_MEET,
    PROPOSE_RE,
    TALKS_AS_SUBJECT,
)
from tracker.values import ClaimType

_I = re.IGNORECASE


def lifecycle(
    clause: str, low: str, sentence: str, summit: bool, hedged: bool, mentions: list[Mention]
) -> tuple[ClaimType | None, int, dict[str, object]]:
    if CANCEL_RE.search(clause):
        if hedged or re.search(r"\b(?:threat\w*|if)\b", low):
            return None, 0, {}
        return (ClaimType.SUMMIT_CANCELLED if summit else ClaimType.TALKS_CANCELLED), -1, {}
    if POSTPONE_RE.search(clause):
        return (ClaimType.SUMMIT_SCHEDULED if summit else ClaimType.TALKS_RESCHEDULED), +1, {}
    proposal = PROPOSE_RE.search(clause)
    if proposal and TALKS_AS_SUBJECT.search(clause[: proposal.start()]):
        proposal = None
    if proposal:
        owner = proposer_of(clause, mentions, proposal)
        if summit:
            speaker = next(
                (m.head for m in mentions if m.kind == "person" and m.party == owner and m.head),
                owner,
            )
            return ClaimType.SUMMIT_RUMORED, +1, {"proposer": owner, "speaker": speaker}
        return ClaimType.TALKS_PROPOSED, +1, {"proposer": owner}
    if summit and hedged:
        return ClaimType.SUMMIT_RUMORED, +1, _floated_by(clause, mentions)
    if PAST_RE.search(clause):
        return (ClaimType.SUMMIT_HELD if summit else ClaimType.TALKS_HELD), -1, {}
    if _ONGOING_VISIT.search(clause) and not _PLANNED_VISIT.search(clause):
        # "Bennett makes surprise visit to Moscow to meet Putin": under way; the infinitive
        # is its purpose, not a plan
        return (ClaimType.SUMMIT_HELD if summit else ClaimType.TALKS_HELD), -1, {}
    present = PRESENT_MEET.search(clause)
    if present and not FIRM_FUTURE.search(clause):
        # "Kiir meets with Minnawi in Juba to discuss …": the purpose is not a future meeting.
        return (ClaimType.SUMMIT_HELD if summit else ClaimType.TALKS_HELD), -1, {}
    future = FUTURE_RE.search(clause) or (
        not re.search(r"\b(?:met|held|took place|ended|began|visited|arrived|received)\b", low)
        and FUTURE_RE.search(sentence)
    )
    if future:
        return (ClaimType.SUMMIT_SCHEDULED if summit else ClaimType.TALKS_SCHEDULED), +1, {}
    if hedged:
        return None, 0, {}  # reported, unconfirmed talks with no tense: too weak to claim
    # Nothing says when: "held" by default, marked with a lower confidence so that a scheduled
    # reading of the same meeting elsewhere in the entry wins when merging.
    return (ClaimType.SUMMIT_HELD if summit else ClaimType.TALKS_HELD), -1, {"confidence": 0.8}


_ONGOING_VISIT = re.compile(
    r"\b(?:makes?|making|pays?|paying|(?:is|are) on|begins?|starts?)\s+"
    r"(?:an?\s+|his\s+|her\s+|its\s+|their\s+)?(?:[\w-]+\s+){0,3}?visit\b",
    _I,
)
_PLANNED_VISIT = re.compile(
    r"\b(?:will|would|shall|to|set to|plans? to|expected to)\s+(?:\w+\s+)?"
    r"(?:make|pay|begin|start)\b",
    _I,
)
_FLOAT_VERB = re.compile(
    r"\b(?:says?|said|thinking|considering|floats?|floated|suggest\w*|hint\w*|raising)\b", _I
)


def _floated_by(clause: str, mentions: list[Mention]) -> dict[str, object]:
    """Who floated a hedged leaders' meeting: the speaker of the clause, when named."""
    verb = _FLOAT_VERB.search(clause)
    who = speaker_of(clause, mentions, verb) if verb else None
    if who is None or not who.party:
        return {}
    return {"proposer": who.party, "speaker": who.head or who.party}
