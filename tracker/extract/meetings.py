"""Meetings: talks or summit, lifecycle and modality, and the delegations taking part."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import replace

from tracker.extract import dates
from tracker.extract.context import (
    Context,
    claim_date,
    is_speaker,
    make_claim,
    proposer_of,
    speaker_of,
)
from tracker.extract.delegations import delegations, is_explicit
from tracker.extract.mentions import Mention
from tracker.extract.patterns import (
    BARE_TALKS,
    CANCEL_RE,
    DECLINE_RE,
    DELEGATION_ONLY,
    DENY_RE,
    DIPLOMATIC_NOUN,
    FIRM_FUTURE,
    FUTURE_RE,
    HEDGE_RE,
    MEET_RE,
    MEET_VERB,
    NON_DIPLOMATIC,
    PAST_RE,
    POSTPONE_RE,
    PRESENT_MEET,
    PROPOSE_RE,
    SIGNED_RE,
    SPEECH_RE,
    TALKS_AS_SUBJECT,
    TEAM_TRAVEL,
)
from tracker.values import Claim, ClaimType, DatePrecision, DelegationLevel

_I = re.IGNORECASE

_LEADERS_MEETING = re.compile(
    r"\bmeeting (?:of|between) the (?:two )?(?:presidents|leaders|heads of state)\b|"
    r"\bleaders['’]? (?:meeting|summit)\b|"
    r"\b(?:two|both) (?:presidents|leaders) (?:should |to |would )?meet\b|"
    r"\bthe leaders should meet\b|\b(?:two|both) (?:presidents|leaders) met\b",
    _I,
)


def _leader_pair(clause: str, mentions: list[Mention]) -> bool:
    """Two leaders joined as the sides of one meeting: "Zelensky and Putin", "Zelensky–Putin"."""
    leaders = [m for m in mentions if m.kind == "person" and m.level is DelegationLevel.LEADER]
    for a, b in itertools.pairwise(leaders):
        gap = clause[a.end : b.start] if 0 <= a.end <= b.start else ""
        if a.party != b.party and re.fullmatch(
            r"\s*(?:and|[-–—/]|with|,)\s*(?:I\s*)?(?:[A-Z][\w-]+\s+)?", gap
        ):
            return True
    return False


# An offer to host or mediate talks: the host offers a venue for delegations, and the leaders
# it names are the ones it speaks to, not the ones who would meet.
_HOSTING_OFFER = re.compile(
    r"\b(?:ready|willing|prepared|eager|open|offer(?:s|ed|ing)?|propos\w+|stands? ready)\s+to\s+"
    r"(?:(?:host|facilitate)(?:\s+(?:the|a|new|direct|peace|further|another|[\w’']+-[\w’']+)){0,3}"
    r"\s+(?:talks|negotiations|round)\b|mediate\b)",
    _I,
)


_LEADER_TRAVEL = re.compile(
    r"\b(?:heads?|heading|travels?|travell?ed|travell?ing|flies|flew|flying)\s+to\s+(?-i:[A-Z])", _I
)


def is_summit(clause: str, mentions: list[Mention], parties: list[str], visited: bool) -> bool:
    if re.search(r"\bsummits?\b", clause, _I) or _LEADERS_MEETING.search(clause):
        return True
    if _HOSTING_OFFER.search(clause):
        return False  # "Erdogan tells Putin Turkey is ready to host negotiations": talks
    if _leader_pair(clause, mentions):
        return True
    people = [
        m
        for m in mentions
        if m.kind == "person" and m.party in parties and not is_speaker(clause, m)
    ]
    if not people:
        return False
    if any(m.level is not DelegationLevel.LEADER for m in people):
        return False
    led = {m.party for m in people}
    unled = [p for p in parties if p not in led]
    if len(led) >= 2 and not unled:
        return True
    # A leader's visit to (or hosting of) a country whose counterpart is not named; a leader
    # travelling to a foreign capital to meet someone ("Zelensky heads to Washington").
    hosted = re.search(r"\bwarm welcome|\bhosted\b|\bvisit\b", clause, _I) is not None
    hosted = hosted or _LEADER_TRAVEL.search(clause) is not None
    # "The UK PM will hold talks" in Ukraine: a leader with no named counterpart (guide)
    talks = re.search(r"\b(?:hold|holds|held|holding)\s+talks\b", clause, _I) is not None
    return len(led) == 1 and len(unled) >= 1 and (visited or hosted or talks)


_RELATIVE = re.compile(r",\s+(?:who|which|whose|where)\s[^,]{3,80},", _I)
_MEDIUM = re.compile(
    r"\b(?:(?:in\s+)?(?:a\s+)?(?:phone\s+|telephone\s+|video\s+)?call with|phone|"
    r"telephon\w*|video)\b",
    _I,
)
# "Syrian officers ended mediation efforts between rival militias": the mediator is the one
# side the text names
_MEDIATOR = re.compile(
    r"\bmediation\s+(?:efforts?|mission|bid)\b|\bmediat(?:ed|es|ing)\s+between\b", _I
)
# A third party asked to mediate ("the US must be ready to mediate", "urged Egypt to mediate"):
# the one who asks states a position; no meeting is proposed yet (labelling guide)
_MEDIATION_ASKED = re.compile(
    r"\b(?:must|should|ought to|needs? to)\s+(?:\w+\s+)?"
    r"(?:be\s+(?:ready|willing|prepared)\s+to\s+)?(?:mediate|act as (?:a\s+)?mediator)\b|"
    r"\b(?:urg\w+|ask\w*|call\w* on|appeal\w* to|press\w*|implor\w+|begg?\w*)\s+"
    r"(?:[\w.'’-]+\s+){1,4}?to\s+(?:\w+\s+)?(?:mediate|act as (?:a\s+)?mediator)\b",
    _I,
)
_MEDIATED_SIDES = re.compile(r"\bbetween\s+(.+)$", _I)
_OWN_OFFER = re.compile(
    r"\b(?:propos(?:es|ed|ing)|offer(?:s|ed|ing)?)\s+(?:to\s+(?:hold|host)\s+)?(?:an?\s+|the\s+)?"
    r"(?:new\s+|fresh\s+|direct\s+|further\s+)*(?:(?:first|second|third|fourth|fifth|next|new)\s+)?"
    r"(?:round|talks|negotiations|meeting)\b",
    _I,
)


def meeting(
    clause: str,
    sentence: str,
    ctx: Context,
    mentions: list[Mention],
    parties: list[str],
    venue: str | None,
    visited: bool,
) -> Iterator[Claim]:
    """The meeting claim of a clause (talks or summit, at its lifecycle stage), if any, and
    the delegations of the parties that take part in it."""
    screened = clause
    for m in mentions:
        if m.start >= 0 and m.place is not None and m.place.kind in ("org", "group"):
            # "Arab League", "Rapid Support Forces": names, not sport or the military
            screened = screened[: m.start] + " " * (m.end - m.start) + screened[m.end :]
    if PROPOSE_RE.search(clause):
        # "offers to host talks in a call with Putin": the call carries the offer; the talks
        # offered are still talks
        screened = _MEDIUM.sub(" ", screened)
    if NON_DIPLOMATIC.search(screened) or _MEDIATION_ASKED.search(clause):
        return
    # An explicit delegation was claimed in _analyse_clause; go on only for the talks themselves.
    if is_explicit(clause) and (
        not re.search(r"\b(?:talks|negotiations|summit)\b", clause, _I) or len(parties) < 2
    ):
        return
    decline = DECLINE_RE.search(clause)
    if decline:
        who = speaker_of(clause, mentions, decline)
        if who is not None and who.kind == "person":
            yield make_claim(
                ClaimType.ATTENDANCE_DECLINED, clause, ctx, +1, party=who.party, person=who.head
            )
        return
    verb = MEET_VERB.search(clause)
    diplomatic = DIPLOMATIC_NOUN.search(clause)
    multilateral = (
        len(parties) == 1
        and re.search(r"\bsummits?\b", clause, _I)
        and (
            len(parties[0]) > 2
            or venue is not None
            or any(m.level is DelegationLevel.LEADER for m in mentions)
        )
    )  # "NATO summit", "Obama is scheduled to attend a summit in Switzerland"
    travelling = bool(
        parties and venue and TEAM_TRAVEL.search(clause) and FUTURE_RE.search(clause)
    )  # "Russia's negotiators would travel to Istanbul for the third round"
    bare = not parties and BARE_TALKS.search(clause)  # "Second round held at Ciragan Palace"
    # "Russia proposes second round of talks in Istanbul": the proposer names only itself;
    # the engagement layer finds the other side from the track's earlier rounds.
    offer = len(parties) == 1 and (_OWN_OFFER.search(clause) or _MEDIATOR.search(clause))
    if len(parties) < 2 and not (
        bare
        or offer
        or (parties and (visited or (verb and diplomatic) or multilateral or travelling))
    ):
        return
    stance = SPEECH_RE.search(clause)
    if stance and not verb and stance.group(0).lower() not in ("says", "said", "say"):
        noun = MEET_RE.search(clause, stance.end())
        if noun and not CANCEL_RE.search(clause) and not PROPOSE_RE.search(clause):
            return  # "opposed to mediation in peace negotiations": a stance, not a meeting
    if not travelling and (
        not DELEGATION_ONLY.sub("", clause).strip()
        or not MEET_RE.search(DELEGATION_ONLY.sub("", clause))
    ):
        return
    summit = is_summit(clause, mentions, parties, visited)
    signed = SIGNED_RE.search(clause)
    if (
        signed
        and not _leader_pair(clause, mentions)
        and not MEET_RE.search(clause[: signed.start()])
    ):
        return  # "Russia and Ukraine signed an accord": no meeting unless two leaders signed it
    decline = DECLINE_RE.search(clause)
    if decline:
        who = speaker_of(clause, mentions, decline)
        if who is not None:
            yield make_claim(
                ClaimType.ATTENDANCE_DECLINED,
                clause,
                ctx,
                +1,
                party=who.party,
                person=who.head if who.kind == "person" else None,
            )
        return
    if DENY_RE.search(clause):
        if summit:
            yield make_claim(
                ClaimType.SUMMIT_RUMORED,
                clause,
                ctx,
                +1,
                parties=parties,
                venue=venue,
                negated=True,
            )
        return  # a refusal to negotiate is a stance: position reports it
    hedged = bool(HEDGE_RE.search(clause))
    # ", who last met in March 2022," is background inside the clause: not its tense
    core = _RELATIVE.sub(" ", clause)
    kind, direction, extra = _lifecycle(core, core.lower(), sentence, summit, hedged, mentions)
    if kind is None:
        return
    held = kind in (ClaimType.TALKS_HELD, ClaimType.SUMMIT_HELD)
    if held and (extra.get("confidence") or not PAST_RE.search(core)):
        ahead, _, span = dates.resolve(clause, ctx.published, +1)
        # "August 15"; for a present-tense report also a weekday: "Putin meets Trump on Friday"
        # said on a Wednesday is a plan (a past meeting would be "met")
        explicit = any(ch.isdigit() for ch in span) or (
            not extra.get("confidence") and re.match(r"(?:on\s+)?\w+day\b", span, _I) is not None
        )
        if explicit and ahead is not None and ctx.published is not None and ahead > ctx.published:
            # no tense, but a date still to come: "Putin summit in Alaska on August 15"
            kind, direction, extra = (
                ClaimType.SUMMIT_SCHEDULED if summit else ClaimType.TALKS_SCHEDULED,
                +1,
                {},
            )
    states = [p for p in parties if len(p) == 2]
    if kind is ClaimType.SUMMIT_SCHEDULED and not venue and len(states) >= 2:
        when, _ = claim_date(clause, ctx, +1)
        if when is None:  # DESIGN.md: announced "with date or venue"; otherwise still a rumour
            kind = ClaimType.SUMMIT_RUMORED
    claim = make_claim(
        kind, clause, ctx, direction, parties=parties, venue=venue, hedged=hedged, **extra
    )
    if (
        kind in (ClaimType.TALKS_HELD, ClaimType.SUMMIT_HELD)
        and claim.date is not None
        and ctx.published is not None
        and claim.date > ctx.published
        and PAST_RE.search(core)
    ):
        # a meeting that took place is not dated after its report: that date belongs to
        # something else the sentence mentions ("… called for a truce starting on 12 May")
        claim = replace(claim, date=None, date_precision=DatePrecision.UNKNOWN)
    yield from _one_per_host(claim, clause, mentions)
    if not summit and kind not in (ClaimType.TALKS_CANCELLED, ClaimType.TALKS_PROPOSED):
        mediated = _MEDIATED_SIDES.search(clause) if _MEDIATOR.search(clause) else None
        if mediated is not None:
            # the sides a mediator shuttles between are met, not announced heads of their side
            mentions = [m for m in mentions if not mediated.start(1) <= m.start < mediated.end(1)]
        yield from _delegations(clause, ctx, mentions, explicit=False)


_TWO_HOSTS = re.compile(
    r"\b(?:in|to|visits?|visited|visiting|tours?|toured|touring)\s+(?:the\s+)?"
    r"([A-Z][\w-]+(?:\s+[A-Z][\w-]+)?)\s+and\s+([A-Z][\w-]+(?:\s+[A-Z][\w-]+)?)\b"
)


def _one_per_host(claim: Claim, clause: str, mentions: list[Mention]) -> Iterator[Claim]:
    """ "Lavrov is meeting his counterparts in China and India": a visitor's two hosts are two
    meetings (labelling guide: "Lavrov in China, Lavrov in India" are two claims)."""
    pair = _TWO_HOSTS.search(clause)
    hosts = []
    # "will visit Mauritania and Senegal to mediate between the two neighbours": one mission
    if pair is not None and not re.search(r"\b(?:between|mediat\w*|both)\b", clause, _I):
        for group in (1, 2):
            host = next(
                (
                    m
                    for m in mentions
                    if m.start == pair.start(group)
                    and m.place is not None
                    and m.place.kind == "country"
                    and m.party in claim.parties
                ),
                None,
            )
            if host is not None:
                hosts.append(host)
    if len(hosts) != 2 or len(claim.parties) < 3 or hosts[0].party == hosts[1].party:
        yield claim
        return
    for host, other in ((hosts[0], hosts[1]), (hosts[1], hosts[0])):
        yield replace(
            claim,
            parties=tuple(p for p in claim.parties if p != other.party),
            venue=host.place.venue if host.place is not None else claim.venue,
        )


def _lifecycle(
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


def _delegations(
    clause: str, ctx: Context, mentions: list[Mention], explicit: bool
) -> Iterator[Claim]:
    phrase = is_explicit(clause) if explicit else None
    if not explicit and not MEET_VERB.search(clause):
        return
    yield from delegations(clause, ctx.field, mentions, explicit, phrase)
