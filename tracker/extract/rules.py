"""Sentence -> claims: triggers, lifecycle and modality, parties, summit-or-talks, delegations.

Each rule family looks for its trigger words in the clause that contains them (a headline's
"Ukraine tensions:" prefix and "as/amid/while …" side clauses are separate clauses), then reads
the lifecycle from marker words in that clause, in priority order: declining > denial >
cancellation > postponement > proposal > hedging > future > took place.

Denials and refusals are never positive events (see ``__init__`` docstring for what is emitted).

This module splits sentences into clauses and borrows sides named elsewhere; the rule families
live beside it: ``sides`` (who takes part), ``meetings`` (talks and summits), ``stances``
(ceasefires and positions), ``delegations`` (who leads a side), with their trigger words in
``patterns``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from tracker.extract.context import Context, make_claim, speaker_of
from tracker.extract.delegations import delegations, is_explicit
from tracker.extract.lexicon import capital_of
from tracker.extract.meetings import meeting
from tracker.extract.mentions import Mention, find_mentions, find_venue, is_background_place
from tracker.extract.patterns import (
    BARE_TALKS,
    CEASE_RE,
    DECLINE_RE,
    HEDGE_RE,
    MEET_RE,
    NON_DIPLOMATIC,
    PARTISAN,
    PAST_RE,
    POSTPONE_RE,
    PRISON_RE,
    PRISON_TOPIC,
    PROPOSE_RE,
    SWAP_WORD,
)
from tracker.extract.sides import between, participants, unaddressed, unframed
from tracker.extract.stances import ceasefire, position
from tracker.values import Claim, ClaimType, DelegationLevel

_I = re.IGNORECASE
_CLAUSE_SEP = re.compile(
    # "names Medinsky as head of the delegation": that "as" introduces a role, not a clause
    # nor does "quoted as saying" (the statement follows) or "as well as" (a list goes on)
    r"\s+(?:as(?!\s+(?:the\s+|its\s+|\w+['’]s\s+)?(?:head|leader|chief|chair)\b|"
    r"\s+(?:saying|telling|well\s+as)\b)|"
    r"amid|while|despite|but|because|following|after|before|since|whereas|ahead of)\s+|[;]|"
    r"\s(?:[–—-]|--)\s|"
    r"(?<=\w):\s",
    _I,
)
_REPORTED = re.compile(
    r",\s*((?:and\s+)?(?:(?:[A-Z][\w'’.-]*|he|she|they)\s+){0,4}(?:said|says|told|added)\b.{12,})$",
)
_ATTRIBUTION = re.compile(
    r",\s*(?:[^,]{0,80}?\s)?(?:said|says|told|reported|reports|announced|confirmed|added|"
    # only a short tail after the verb (", officials said on Tuesday."): ", Erdogan said Turkey
    # was ready to host talks" is the statement itself, not its attribution
    r"quoted)\b(?:\s+(?:on|in|at|late|early|this|last|from|to|by|after|when|citing)\b[^,]{0,40})?"
    r"[\s.!?\"”’']*$",
    _I,
)


def clauses(sentence: str) -> list[tuple[int, str]]:
    """(offset, text) of each clause; a trailing attribution (", officials said") is dropped."""
    out = []
    pos = 0
    for m in _CLAUSE_SEP.finditer(sentence):
        out.append((pos, sentence[pos : m.start()]))
        pos = m.end()
    out.append((pos, sentence[pos:]))
    result = []
    for off, text in out:
        if text.count(","):
            text = _ATTRIBUTION.sub("", text)
            said = _REPORTED.search(text)
            if said is not None:
                # "After meeting Erdogan in Ankara, Zelensky said Moscow's team …": what he
                # said is a clause of its own, apart from the meeting before the comma
                result.append((off, text[: said.start()]))
                off, text = off + said.start(1), said.group(1)
        if text.strip():
            result.append((off, text))
    return [(off, text) for off, text in result if text.strip()]


def analyse(sentence: str, ctx: Context) -> Iterator[Claim]:
    """All claims one sentence makes."""
    events = False
    for offset, clause in clauses(sentence):
        for claim in _analyse_clause(clause, sentence, ctx, offset):
            events = True
            yield claim
    # "…, Turkish sources said" after a rescheduling only attributes the news; a stance needs
    # its own marker when the sentence already reports an event.
    if not events and _IN_PERSON.search(sentence) and _GOING.search(sentence):
        yield from _in_person(sentence, ctx)  # "he will be in Turkey in person on Thursday"
    if not events or _STANCE_MARK.search(sentence):
        yield from position(sentence, ctx)


_GOING = re.compile(r"\b(?:be in|go to|travel to|attend|wait for|come to|fly to)\b", _I)


_STANCE_MARK = re.compile(
    r"\b(?:reject\w*|refus\w+|insist\w*|demand\w*|warn\w*|only if|unless|without|must|should|"
    r"not against|open to|ready to|willing to|no (?:reason|breakthrough|progress)|"
    r"decorative|positive sign|realistic|expect\w* (?:no|nothing|miracles)|"
    r"nobody should|no one should|oppos(?:e|es|ed|ing|ition)|condemn\w*|denounc\w*)\b",
    _I,
)


#: Conjunctions that open a clause about something else going on at the time.
_ASIDE_OPENER = re.compile(r"\s+(?:as|amid|while|whereas|despite)\s+$", _I)


def _aside_spans(sentence: str) -> list[tuple[int, int]]:
    """Where the sentence's "as/amid/while …" clauses are (offset, end)."""
    found = list(_CLAUSE_SEP.finditer(sentence))
    spans = []
    for i, sep in enumerate(found):
        if _ASIDE_OPENER.fullmatch(sep.group(0)):
            end = found[i + 1].start() if i + 1 < len(found) else len(sentence)
            spans.append((sep.end(), end))
    return spans


def _analyse_clause(clause: str, sentence: str, ctx: Context, offset: int = 0) -> Iterator[Claim]:
    has_meet = MEET_RE.search(clause)
    has_cease = CEASE_RE.search(clause)
    has_prison = PRISON_RE.search(clause) or (
        SWAP_WORD.search(clause) and PRISON_TOPIC.search(ctx.entry_text)
    )
    decline = DECLINE_RE.search(clause)
    lead = is_explicit(clause)
    trip = _TRIP.search(clause) and HEDGE_RE.search(clause)
    if not (has_meet or has_cease or has_prison or decline or lead or trip):
        return
    mentions = find_mentions(clause, ctx.d, ctx.published)
    if lead:
        yield from delegations(clause, ctx.field, mentions, True, lead)
    borrowed: list[Mention] = []
    if not any(m.party for m in mentions):
        # "… as talks end in Istanbul": the parties are named elsewhere in the sentence,
        # or elsewhere in the entry ("Talks pushed back to Friday" + a summary naming them).
        context: list[Mention] = []
        aside: set[str | None] = set()
        if clause != sentence:
            # "The two presidents met … as Russian negotiators waited in Istanbul": a side
            # clause about something else lends no side to the main one, nor does the entry
            # through it (the other way round, "… as talks end in Istanbul" takes the main
            # clause's sides)
            asides = [(a, b) for a, b in _aside_spans(sentence) if not a <= offset < b]
            for m in find_mentions(sentence, ctx.d, ctx.published):
                if not m.party:
                    continue
                if any(a <= m.start < b for a, b in asides):
                    aside.add(m.party)
                elif not is_background_place(sentence, m):
                    context.append(replace(m, start=-1, end=-1))
        known = {m.party for m in context} | aside
        context += [m for m in ctx.entry_context if m.party not in known]
        if not context and not (has_prison or (has_meet and BARE_TALKS.search(clause))):
            return
        mentions = mentions + context
    elif has_meet or trip:
        # parties named elsewhere, for a clause that names only one side
        # the venue ("in the Kremlin") does not make its country a side already named
        _, own_venue, own_visited = find_venue(clause, mentions)
        own: set[str | None] = {
            m.party for m in mentions if m.party and (m is not own_venue or own_visited)
        }
        if clause != sentence:
            borrowed = [
                replace(m, start=-1, end=-1, kind="context" if m.level is None else m.kind)
                for m in find_mentions(sentence, ctx.d, ctx.published)
                if m.party and m.party not in own and not is_background_place(sentence, m)
            ]
        if trip or _CLAUSE_TALKS.search(clause):
            known = own | {m.party for m in borrowed}
            # a proposal or plan for talks may name its other side only in the summary
            # ("Moscow proposes second round … to the Ukrainian side"); otherwise only people
            planned = PROPOSE_RE.search(clause) or POSTPONE_RE.search(clause)
            borrowed += [
                m
                for m in ctx.entry_context
                if m.party not in known and (m.kind == "person" or planned)
            ]
            # a summary sentence about the headline's meeting ("The UK PM will hold talks"
            # under "Johnson visits Ukraine for talks") takes its other side from the headline
            known |= {m.party for m in borrowed}
            borrowed += [m for m in ctx.headline_context if m.party not in known]
        else:
            borrowed = []
    if decline and not has_meet:
        who = speaker_of(clause, mentions, decline)
        if who is not None and who.kind == "person":
            yield make_claim(
                ClaimType.ATTENDANCE_DECLINED, clause, ctx, +1, party=who.party, person=who.head
            )
        return
    venue, venue_m, visited = find_venue(clause, mentions)
    parties = between(clause, mentions, participants(clause, mentions, venue_m, visited))
    parties = unframed(clause, mentions, parties)
    if (
        venue_m is not None
        and venue_m.place is not None
        and not visited
        and _TRAVEL_TO.search(clause[max(0, venue_m.start - 30) : venue_m.start])
        and any(m.kind == "person" and m.level is DelegationLevel.LEADER for m in mentions)
        and venue_m.place.code not in parties
        and len(parties) == 1  # the counterpart is not named: the host is it
        and (
            venue_m.place.kind in ("country", "metonym")
            or capital_of(venue_m.place.code) == venue_m.place.venue
        )
    ):
        parties.append(venue_m.place.code)  # a leader heading to a foreign capital visits it
    if not parties and has_meet and borrowed:
        # the clause names only its venue ("delegates arrive for talks at the Belarus border"):
        # its sides are named elsewhere in the sentence
        home = ctx.d.venue_country(venue) if venue else None
        parties = list(dict.fromkeys(str(m.party) for m in borrowed if m.party != home))
    org_summit = any(
        m.place is not None and m.place.kind == "org" and m.party == parties[0]
        for m in mentions
        if parties and m.start >= 0
    ) and bool(_SUMMIT_WORD.search(clause))
    if len(parties) == 1 and (has_meet or trip) and not org_summit:
        # "he will wait for Putin in Turkey himself": the other side is named elsewhere
        # (not for "the NATO summit": an organisation's summit has the organisation as party)
        home = ctx.d.venue_country(venue) if venue else None
        other = next(
            (
                m
                for m in borrowed
                if m.party
                and m.party not in parties
                # the venue's country is not a side by being named; a person from it is
                and (m.party != home or m.kind == "person")
            ),
            None,
        )
        others = [other] if other is not None else []
        if other is not None and any(other is m for m in ctx.headline_context):
            # the headline's meeting: all its sides ("first Russia–Ukraine talks")
            others += [
                m
                for m in ctx.headline_context
                if m is not other and m.party not in parties and m.party != home
            ]
        for other in others:  # one side only: the others named elsewhere
            parties.append(str(other.party))
            if other.kind == "context" or other.level is not None:
                mentions = [*mentions, replace(other, kind="person" if other.level else "context")]
    if trip:
        yield from _leader_trip(clause, ctx, mentions, parties, venue)
    if _IN_PERSON.search(clause):
        yield from _in_person(sentence, ctx)
    if has_prison:
        yield make_claim(ClaimType.PRISONER_EXCHANGE, clause, ctx, parties=parties, direction=-1)
    if has_cease:
        if len(parties) == 1 and clause != sentence:
            parties = parties + _foes(sentence, ctx, parties)
        yield from ceasefire(clause, ctx, mentions, parties, has_cease)
    if has_meet and not (
        has_cease and not MEET_RE.search(clause[: has_cease.start()] + clause[has_cease.end() :])
    ):
        sides = unaddressed(clause, mentions, parties)
        yield from meeting(clause, sentence, ctx, mentions, sides, venue, visited)


# "declared a unilateral ceasefire … after 12 days of battles with the Amal militia", "a truce
# with Moslem forces in east Bosnia": the side it stops fighting is the one it fought
_FOE = re.compile(
    r"\b(?:battles?|fighting|fights?|clashes|clashed|war|conflict|hostilities|cease-?fire|"
    r"truce)\s+"
    r"(?:with|against)\s+(?:the\s+)?",
    _I,
)


def _foes(sentence: str, ctx: Context, parties: list[str]) -> list[str]:
    """The adversary a one-sided truce names in another clause of its sentence, if any."""
    fought = _FOE.search(sentence)
    if fought is None:
        return []
    for m in find_mentions(sentence[fought.end() :], ctx.d, ctx.published):
        if m.start > 40:
            break
        if (
            m.party
            and m.party not in parties
            and not PARTISAN.match(sentence[fought.end() + m.end : fought.end() + m.end + 12])
        ):
            return [m.party]
    return []


_TRAVEL_TO = re.compile(
    r"\b(?:heads?|heading|travels?|travell?ed|travell?ing|flies|flew|flying)\s+to\s+(?:the\s+)?$",
    _I,
)
_SUMMIT_WORD = re.compile(r"\bsummits?\b", _I)
_CLAUSE_TALKS = re.compile(
    r"\b(?:talks|negotiations|meeting|summit|round|wait for|face-to-face)\b|"
    # "He will meet Trump at the White House": the subject is named in the headline
    r"^\W*(?:he|she|they|we|I)\s+(?:\w+\s+){0,2}?(?:meet|meets|met|visit\w*)\b",
    _I,
)
_TRIP = re.compile(r"\b(?:fly|flying|travel\w*|go to|trip|joining|join)\b", _I)
_IN_PERSON = re.compile(r"\b(?:personally|in person|himself|herself)\b", _I)


def _leader_trip(
    clause: str, ctx: Context, mentions: list[Mention], parties: list[str], venue: str | None
) -> Iterator[Claim]:
    """A leader who may travel to talks ("Trump floats Istanbul trip"): a floated summit."""
    leader = next(
        (
            m
            for m in mentions
            if m.start >= 0 and m.kind == "person" and m.level is DelegationLevel.LEADER
        ),
        None,
    )
    if leader is None or not leader.party or NON_DIPLOMATIC.search(clause):
        return
    sides = [leader.party, *[p for p in parties if p != leader.party]]
    yield make_claim(
        ClaimType.SUMMIT_RUMORED,
        clause,
        ctx,
        +1,
        parties=sides,
        venue=venue,
        hedged=True,
        proposer=leader.party,
        speaker=leader.head or leader.party,
    )


def _in_person(sentence: str, ctx: Context) -> Iterator[Claim]:
    """ "I will wait for Putin in Turkey, personally": the leader heads his side himself.

    Until it happens this is an intention (he waits, challenges, plans to be there), so the
    claim is hedged: the engagement shows him as expected, not as the confirmed head.
    """
    hedged = not PAST_RE.search(sentence)
    for m in find_mentions(sentence, ctx.d, ctx.published):
        if m.kind != "person" or m.level is not DelegationLevel.LEADER or not m.party:
            continue
        if re.search(r"\b(?:for|with|meet|see|and)\s+(?:the\s+)?$", sentence[: m.start]):
            continue  # the one awaited, not the one who goes
        yield Claim(
            type=ClaimType.DELEGATION_ANNOUNCED,
            party=m.party,
            head=m.head,
            head_title=m.title,
            level=m.level,
            hedged=hedged,
            evidence=sentence.strip(),
            evidence_field=ctx.field,
        )
        return
