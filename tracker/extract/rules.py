"""Sentence -> claims: triggers, lifecycle and modality, parties, summit-or-talks, delegations.

Each rule family looks for its trigger words in the clause that contains them (a headline's
"Ukraine tensions:" prefix and "as/amid/while …" side clauses are separate clauses), then reads
the lifecycle from marker words in that clause, in priority order: declining > denial >
cancellation > postponement > proposal > hedging > future > took place.

Denials and refusals are never positive events (see ``__init__`` docstring for what is emitted).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from datetime import date

from tracker.extract import dates
from tracker.extract.delegations import delegations, is_explicit
from tracker.extract.lexicon import Dictionaries
from tracker.extract.mentions import Mention, find_mentions, find_venue, is_background_place
from tracker.values import Claim, ClaimType, DatePrecision, DelegationLevel

_I = re.IGNORECASE
MEET_RE = re.compile(
    r"\b(?:talks|negotiations?|negotiat(?:e|ed|es|ing)|summits?|meet|meets|met|meetings?|"
    r"visit|visits|visited|visiting|hosted|"
    r"(?:received|receives)(?!\s+(?:a\s+|an\s+|the\s+|its\s+|\w+['’]s\s+)?(?:\w+\s+)?"
    r"(?:memorandum|document|letter|proposal|offer|request|invitation|message|call|draft))|"
    r"warm welcome|mediation|get together|gather(?:s|ing)? with|"
    r"mediat(?:e|ed|es|ing)|face-to-face|sit down|sat down|wait for|round of talks|for talk|"
    r"(?:first|second|third|fourth|fifth|new|next|another) round(?!\s+of\s+(?!talks|negotiations))|"
    r"host(?:s|ed|ing)?\s+(?:a\s+|the\s+)?(?:meeting|talks|summit)|delegations?|delegates)\b",
    _I,
)
CEASE_RE = re.compile(
    r"\b(?:cease-?fires?|truces?|cessation of hostilities|pause (?:in )?fire|armistice)\b"
    r"(?!\s+(?:talks|negotiations))",
    _I,
)
PRISON_RE = re.compile(
    r"\b(?:(?:prisoners?|pows?|captives?|detainees?|hostages?)\W+(?:\w+\W+){0,3}?"
    r"(?:swap|exchange)\w*|(?:swap|exchange)\w*\W+(?:\w+\W+){0,4}?(?:prisoners?|pows?|captives?|"
    r"detainees?|soldiers|servicemen|civilians)|\d[\d,]*-for-\d[\d,]*|"
    r"(?:free|freed|frees|release[sd]?|return(?:s|ed)?|handed over)\s+(?:\w+\s+){0,4}?each\b|"
    r"(?:\d[\d,]*|prisoners?)\s+(?:\w+\s+){0,2}?each\s+(?:side\s+)?(?:to be\s+)?"
    r"(?:freed|released|returned)|(?:each|both)\s+sides?\s+(?:will\s+)?"
    r"(?:free|release|hand(?:ed)? over|exchange)|"
    r"(?:swap|exchange)\s+(?:of\s+)?(?:\w+\s+){0,3}?(?:\d[\d,]*\s+)?"
    r"(?:prisoners|each|on each side)|"
    r"(?:prisoner|pow|captive)\s+(?:swap|exchange)|\bswap\s+(?:ends|completed|begins|agreed))",
    _I,
)
# A swap or exchange that the entry elsewhere ties to prisoners ("first day of biggest swap").
_SWAP_WORD = re.compile(r"\b(?:swap|exchange)\b", _I)
_PRISON_TOPIC = re.compile(
    r"\b(?:prisoners?|pows?|captives?|servicemen|soldiers|civilians|freed|each side)\b", _I
)
SPEECH_RE = re.compile(
    r"\b(?:says?|said|insist\w*|warn\w*|vow\w*|reject\w*|refus\w+|demand\w*|calls? for|"
    r"called for|urg\w+|accus\w+|oppos\w+|welcomed|reiterat\w+|stress\w*|threaten\w*|appeal\w*|"
    r"dismiss\w*|lays? out|laid out|reveal\w*|signal\w*|sees room|hopes?|agreed to|tells?|told|"
    r"calls?|calling|derid\w+|mock\w*|wants?)\b",
    _I,
)
TOPIC_RE = re.compile(
    r"\b(?:talks(?!\s+(?:to|about)\b)|negotiat\w*|diplomacy|"
    r"diplomatic (?:solution|efforts?|front|path|route)|"
    r"peace (?:talks|deal|plan|process|demands|conditions|terms|settlement|agreement|"
    r"negotiations|efforts?|initiative|proposal|treaty)|plan for peace|cease-?fire|truce|"
    r"mediat\w*|settlement|breakthrough|interim peace deals?|framework agreement|deal between|"
    r"conditions for ending|official contact|reach an agreement|land-for-security|"
    r"(?:agree|accept)\w*\s+(?:to\s+)?(?:the\s+|\w+['’]s\s+)?(?:\w+\s+)?(?:meeting|offer)|"
    r"take up (?:the\s+|\w+['’]s\s+)?offer|(?:russian|ukrainian|\w+['’]s)\s+(?:team|delegation|"
    r"line-?up)|memorandum|peace agreement|final (?:agreement|deal))\b",
    _I,
)
_OWNED_STANCE = re.compile(r"['’]s?\s+(?:peace\s+)?(?:demands|conditions|terms)\b", _I)
_TAIL_SPEECH = re.compile(
    r"(?:says?|said|told)\s+(?:\w+\s+){0,3}?[A-Z]",
)
_CLAUSE_SEP = re.compile(
    r"\s+(?:as|amid|while|despite|but|because|following|after|before|whereas|ahead of)\s+|[;]|"
    r"\s[–—-]\s|"
    r"(?<=\w):\s",
    _I,
)
_ATTRIBUTION = re.compile(
    r",\s*(?:[^,]{0,80}?\s)?(?:said|says|told|reported|reports|announced|confirmed|added|"
    r"quoted)\b[^,]*$",
    _I,
)
DECLINE_RE = re.compile(
    r"\b(?:(?:will|would|did|does|do|to)\s+not\s+(?:attend|go|travel|take part|participate|join)|"
    r"won'?t\s+(?:attend|go|travel|take part|join)|not\s+(?:be\s+)?(?:attending|going|travel\w*|"
    r"taking part|participat\w*)|refus\w+\s+to\s+(?:meet|attend|see|join)|"
    r"declin\w+\s+(?:to\s+(?:attend|meet|join)|(?:an?\s+|the\s+)?invitation)|"
    r"reject\w*\s+(?:an?\s+|the\s+)?invitation|skip(?:s|ped|ping)?|snub\w*|stay(?:s|ed)? away|"
    r"(?:is|was) not on the (?:list|delegation|line-?up|team)|name is missing from)\b",
    _I,
)
DENY_RE = re.compile(
    r"\b(?:no plans? (?:to|for)|not (?:planning|planned|scheduled|expected) to|"
    r"(?:will|would|does|did|do)\s*(?:not|n't) (?:meet|hold|negotiate|talk)|"
    r"rule[sd]? out (?:a |any )?(?:meeting|talks|summit|negotiations)|"
    r"den(?:y|ies|ied) (?:\w+ ){0,4}(?:meeting|summit|talks)|"
    r"no (?:meeting|summit|talks) (?:is |was |are )?(?:planned|scheduled|expected)|"
    r"not (?:negotiate|meet))\b",
    _I,
)
CANCEL_RE = re.compile(
    r"\b(?:cancel(?:l?ed|s|ling|lation)?|call(?:ed|s)? off|scrap(?:ped|s)?|shelved?|"
    r"suspend(?:ed|s)?|withdr(?:ew|aws?|awn|awal) from|pull(?:ed|s)? out of|"
    r"ended (?:\w+ )?(?:mediation|talks|negotiations|efforts)|break off|broke off|collapsed)\b",
    _I,
)
POSTPONE_RE = re.compile(
    r"\b(?:postpone[sd]?|postponement|delay(?:ed|s)?|pushed back|put off|reschedul\w+|"
    r"moved to|brought forward|instead of|rather than|now take place)\b",
    _I,
)
PROPOSE_RE = re.compile(
    r"\b(?:propos\w*|offer\w*|call(?:s|ed|ing)? for|urg\w+|appeal\w*|suggest\w*|seek\w*|"
    r"push\w* for|ask(?:s|ed)? for|request\w*|press(?:es|ed)? for|wants?)\b(?:\W+[\w'’-]+){0,7}?"
    r"\W+(?:talks|negotiations?|meeting|summit|to meet|to host|round|"
    r"to negotiate|to hold|mediation|dialogue)\b|\binterested in (?:hosting|holding|mediating)\b|"
    r"\bready for (?:a |the )?(?:[\w-]+ )?(?:[\w-]+ )?(?:round|talks|meeting|negotiations)\b|"
    r"\b(?:ready|willing|prepared|eager|open) to "
    r"(?:meet|talk|negotiate|host|hold|mediate)\b|\bwould (?:meet|host|negotiate|hold)\b|"
    r"\bwants? to (?:meet|talk|negotiate)\b|\binvit\w+|\bchalleng\w+ \w+ to\b|\bwait for\b|"
    r"\blaunched a mediation|\bproposed by\b",
    _I,
)
HEDGE_RE = re.compile(
    r"\b(?:could|might|possible|possibly|reportedly|reports? (?:that|of)|report of|"
    r"sources? (?:say|said)|considering|mull\w*|float\w*|in principle|only if|unless|"
    r"rumou?r\w*|speculat\w+|(?:not|refus\w+ to) confirm\w*|potential|next step|prospect|"
    r"until|if it|if he|if they)\b|\bmay\b(?!\s+\d)",
)
FUTURE_RE = re.compile(
    r"\b(?:will|shall|to (?:meet|visit|hold|host|travel|attend|lead|head|take place|begin|"
    r"start|resume|sit|raise|discuss)|set to|set for|scheduled|planned|plans? to|planning|"
    r"upcoming|next (?:round|week|month)|tomorrow|ahead of|returns? to|due to|expected|"
    r"arrives?|arriving|"
    r"should (?:start|begin|take place|open)|(?:is|are) flying|head(?:s|ing)? for|"
    r"would (?:travel|be in|fly|arrive|attend|take part)|"
    r"(?:confirm|announc)\w* (?:the |a |an |its )?(?:\w+ )?(?:summit|meeting|talks)|"
    r"heads?(?= to)|heading|prepar\w+ for|is to|are to|later this|agreed to (?:meet|hold))\b|'ll\b",
    _I,
)
_NON_DIPLOMATIC = re.compile(
    r"\b(?:match|final|semi-finals?|cup|league|tournament|games?|olympics?|championship|squad|"
    r"coach|players?|club|fc|rematch|bout|grand prix|race|fans|voters|ceos?|shareholders|"
    r"nominees|committee|cabinet|lawmakers|congress|court|jury|students|refugees?|journalists|"
    r"talks? (?:to|about)|footage|reporter|correspondent|we meet|site of|medals?|curling|"
    r"last-four|run-?off|election\w*|voting|ballot|any (?:talks|negotiations|meeting)|"
    r"(?:CNN|BBC)['’]s\s+[A-Z]\w+\s+[A-Z]\w+\s+(?:visit\w*|meet\w*|goes|travel\w*)|"
    r"meets? allies|"
    r"reporters|police|security council|general assembly|phone|telephon\w*|call with|video|"
    r"zoom|virtual|interview|podcast|show|concert|festival|wedding|idols?|dissidents|"
    r"summit of (?:the |mount|costa|a )|meet (?:the|their|its|our|his|her|new|demands))\b",
    _I,
)
_PARTISAN = re.compile(r"^-(?:backed|led|allied|brokered|based|born|linked|controlled|held)\b")
_MEET_VERB = re.compile(
    r"\b(?:meet|meets|met|meeting with|(?:held|hold|holds|holding)\s+(?:[\w-]+\s+){0,3}?talks|"
    r"(?<!in )talks with|talks (?:end|ended|began|begin|open|opened|resume|resumed|held)|"
    r"visit\w*|received|hosted|arrived|gave a warm welcome)\b",
    _I,
)
_PAST = re.compile(
    r"(?<!will be )(?<!to be )(?<!would be )(?<!should be )(?<!could be )"
    r"\b(?:met|held|hosted|visited|arrived|received|undertook|took place|ended|began|renewed|"
    r"gave a warm welcome|signed)\b",
    _I,
)
_PRESENT_MEET = re.compile(
    r"\b(?:meets|meets with|holds (?:\w+ )?talks|visits|receives|hosts|welcomes|"
    r"(?:is|are) (?:holding|meeting))\b",
    _I,
)
_FIRM_FUTURE = re.compile(
    r"\b(?:will|shall|set to|to (?:meet|visit|hold|host|travel)|scheduled|planned|plans? to|"
    r"expected|next (?:week|month)|tomorrow|later this)\b|'ll\b",
    _I,
)
_TEAM_TRAVEL = re.compile(
    r"\b(?:delegations?|negotiators|team|teams|side)\b.{0,40}\b(?:will be in|be in|travel\w*|"
    r"fly\w*|head\w* (?:to|for)|arriv\w*|waiting)\b|\btravel\w* to \w+ for\b",
    _I,
)
_BARE_TALKS = re.compile(
    r"\b(?:first|second|third|fourth|fifth|new|next) round\b(?!\s+of\s+(?:voting|the|sanctions))|"
    r"\bround of (?:talks|negotiations)\b|\bdelegations met\b|\btalks (?:in|at) \w+ (?:end|ended)",
    _I,
)
_DELEGATION_ONLY = re.compile(r"\b(?:delegations?|delegates)\b", _I)
_DIPLOMATIC_NOUN = re.compile(
    r"\b(?:talks|negotiat\w*|summits?|delegations?|mediat\w*|diplomat\w*|envoys?)\b", _I
)


@dataclass(slots=True)
class Context:
    """What a sentence is analysed against."""

    d: Dictionaries
    published: date | None
    field: str  # "title" | "summary"
    # Parties named elsewhere in the entry (title and lead sentence): a headline such as
    # "Talks pushed back to Friday" names its sides only in the summary, and vice versa.
    context_sentences: list[str] = dc_field(default_factory=list)
    entry_text: str = ""
    _context: list[Mention] | None = None

    @property
    def entry_context(self) -> list[Mention]:
        """Built on first use: most sentences never need to borrow a side."""
        if self._context is None:
            self._context = entry_context(self.context_sentences, self.d, self.published)
        return self._context


def entry_context(sentences: list[str], d: Dictionaries, published: date | None) -> list[Mention]:
    """Party mentions of the given sentences, one per party, as borrowed (offset -1) mentions."""
    out: list[Mention] = []
    seen: set[str] = set()
    for sentence in sentences:
        for m in find_mentions(sentence, d, published):
            if not m.party or m.party in seen or is_background_place(sentence, m):
                continue
            if m.place is not None and m.place.kind not in ("country", "demonym", "org", "group"):
                continue  # "in Istanbul", "the Kremlin said": places and speakers, not sides
            seen.add(m.party)
            if m.kind == "person":  # keeps its level: a leader named in the headline
                out.append(replace(m, start=-1, end=-1))
            else:
                out.append(Mention(-1, -1, m.text, "context", m.party))
    return out


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
        text = _ATTRIBUTION.sub("", text) if text.count(",") else text
        if text.strip():
            result.append((off, text))
    return result


def _participants(
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
                if not visited:
                    continue
                party = m.place.code
            elif (
                not party
                or (
                    m.place.kind == "demonym"
                    and clause[max(0, m.start - 4) : m.start].lower().endswith(("pro-", "anti-"))
                )
                or (
                    m.start >= 0
                    and (
                        _PARTISAN.match(clause[m.end : m.end + 12])
                        or is_background_place(clause, m)
                    )
                )
            ):
                continue
        elif m.kind == "person" and m.start >= 0 and _AGAINST.search(clause[: m.start]):
            continue  # "a coalition against President Putin": an adversary, not a participant
        if party and party not in parties:
            parties.append(party)
    return parties


_AGAINST = re.compile(
    r"\b(?:against|pressure on|isolate|disappointed (?:in|with)|angry (?:at|with)|"
    r"criticis\w+|criticiz\w+|condemn\w*)\s+(?:\w+\s+){0,2}$",
    _I,
)


def _date(clause: str, ctx: Context, direction: int) -> tuple[date | None, DatePrecision]:
    when, precision, _ = dates.resolve(clause, ctx.published, direction)
    return when, precision


def _speaker(clause: str, mentions: list[Mention], verb: re.Match[str]) -> Mention | None:
    """Who states something: the nearest party-bearing mention left of the verb, else after."""
    left = [m for m in mentions if m.end <= verb.start() and m.party]
    if left:
        people = [m for m in left if m.kind == "person"]
        return people[-1] if people and verb.start() - people[-1].end < 60 else left[0]
    right = [m for m in mentions if m.start >= verb.end() and m.party]
    return right[0] if right else None


def analyse(sentence: str, ctx: Context) -> Iterator[Claim]:
    """All claims one sentence makes."""
    events = False
    for _offset, clause in clauses(sentence):
        for claim in _analyse_clause(clause, sentence, ctx):
            events = True
            yield claim
    # "…, Turkish sources said" after a rescheduling only attributes the news; a stance needs
    # its own marker when the sentence already reports an event.
    if not events and _IN_PERSON.search(sentence) and _GOING.search(sentence):
        yield from _in_person(sentence, ctx)  # "he will be in Turkey in person on Thursday"
    if not events or _STANCE_MARK.search(sentence):
        yield from _position(sentence, ctx)


_GOING = re.compile(r"\b(?:be in|go to|travel to|attend|wait for|come to|fly to)\b", _I)


_STANCE_MARK = re.compile(
    r"\b(?:reject\w*|refus\w+|insist\w*|demand\w*|warn\w*|only if|unless|without|must|should|"
    r"not against|open to|ready to|willing to|no (?:reason|breakthrough|progress)|"
    r"decorative|positive sign|realistic|expect\w* (?:no|nothing|miracles)|"
    r"nobody should|no one should)\b",
    _I,
)


def _analyse_clause(clause: str, sentence: str, ctx: Context) -> Iterator[Claim]:
    has_meet = MEET_RE.search(clause)
    has_cease = CEASE_RE.search(clause)
    has_prison = PRISON_RE.search(clause) or (
        _SWAP_WORD.search(clause) and _PRISON_TOPIC.search(ctx.entry_text)
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
        if clause != sentence:
            context = [m for m in find_mentions(sentence, ctx.d, ctx.published) if m.party]
            context = [
                replace(m, start=-1, end=-1)
                for m in context
                if not is_background_place(sentence, m)
            ]
        known = {m.party for m in context}
        context += [m for m in ctx.entry_context if m.party not in known]
        if not context and not (has_prison or (has_meet and _BARE_TALKS.search(clause))):
            return
        mentions = mentions + context
    elif has_meet or trip:
        # parties named elsewhere, for a clause that names only one side
        own: set[str | None] = {m.party for m in mentions if m.party}
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
        else:
            borrowed = []
    if decline and not has_meet:
        who = _speaker(clause, mentions, decline)
        if who is not None and who.kind == "person":
            yield _claim(
                ClaimType.ATTENDANCE_DECLINED, clause, ctx, +1, party=who.party, person=who.head
            )
        return
    venue, venue_m, visited = find_venue(clause, mentions)
    parties = _participants(clause, mentions, venue_m, visited)
    if len(parties) == 1 and (has_meet or trip):
        # "he will wait for Putin in Turkey himself": the other side is named elsewhere
        home = ctx.d.venue_country(venue) if venue else None
        other = next(
            (m for m in borrowed if m.party and m.party not in parties and m.party != home), None
        )
        if other is not None:  # one side only: the subject named elsewhere
            parties.append(str(other.party))
            if other.kind == "context" or other.level is not None:
                mentions = [*mentions, replace(other, kind="person" if other.level else "context")]
    if trip:
        yield from _leader_trip(clause, ctx, mentions, parties, venue)
    if _IN_PERSON.search(clause):
        yield from _in_person(sentence, ctx)
    if has_prison:
        yield _claim(ClaimType.PRISONER_EXCHANGE, clause, ctx, parties=parties, direction=-1)
    if has_cease:
        yield from _ceasefire(clause, ctx, mentions, parties, has_cease)
    if has_meet and not (
        has_cease and not MEET_RE.search(clause[: has_cease.start()] + clause[has_cease.end() :])
    ):
        yield from _meeting(clause, sentence, ctx, mentions, parties, venue, visited)


_CLAUSE_TALKS = re.compile(r"\b(?:talks|negotiations|meeting|summit|round)\b", _I)
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
    if leader is None or not leader.party or _NON_DIPLOMATIC.search(clause):
        return
    sides = [leader.party, *[p for p in parties if p != leader.party]]
    yield _claim(
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
    """ "I will wait for Putin in Turkey, personally": the leader heads his side himself."""
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
            evidence=sentence.strip(),
            evidence_field=ctx.field,
        )
        return


def _claim(kind: ClaimType, clause: str, ctx: Context, direction: int, **kw: object) -> Claim:
    when, precision = _date(clause, ctx, direction)
    fields: dict[str, object] = {
        "type": kind,
        "date": when,
        "date_precision": precision,
        "evidence": clause.strip(),
        "evidence_field": ctx.field,
    }
    fields.update(kw)
    if "parties" in fields:
        fields["parties"] = tuple(fields["parties"])  # type: ignore[arg-type]
    return Claim(**fields)  # type: ignore[arg-type]


_CF_AGREED = re.compile(
    r"\b(?:agree\w*|sign\w*|declar\w*|announc\w*|accept\w*|reach\w*|brokered|took effect|"
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


def _ceasefire_kind(clause: str, hit: re.Match[str]) -> tuple[str, re.Match[str]] | None:
    """("agreed"|"proposed", verb) from the verbs near the ceasefire word, else None."""
    lo = max(0, hit.start() - 45)
    if re.search(r"\b(?:no|not an?|without|mere)\s+(?:\w+\s+)?$", clause[lo : hit.start()], _I):
        return None  # "no ceasefire was announced", "a peace agreement, not a ceasefire"
    window = clause[lo : hit.end() + 25]
    agreed = _CF_AGREED.search(window)
    proposed = _CF_PROPOSED.search(window)
    if agreed and _CF_DEMAND.search(window[: agreed.start()]):
        # "press Moscow to accept a truce", "Russia should accept": a demand, not an agreement
        return "proposed", agreed
    if agreed and not (
        proposed and proposed.start() < agreed.start() and "proposed by" not in window
    ):
        return "agreed", agreed
    if proposed:
        return "proposed", proposed
    return None


def _ceasefire(
    clause: str, ctx: Context, mentions: list[Mention], parties: list[str], hit: re.Match[str]
) -> Iterator[Claim]:
    found = _ceasefire_kind(clause, hit)
    if found is None:
        return
    kind, verb = found
    if kind == "agreed":
        yield _claim(ClaimType.CEASEFIRE_AGREED, clause, ctx, -1, parties=parties)
    else:
        owner = _proposer(clause, mentions, verb)
        yield _claim(ClaimType.CEASEFIRE_PROPOSED, clause, ctx, +1, parties=parties, proposer=owner)


def _proposer(clause: str, mentions: list[Mention], verb: re.Match[str]) -> str | None:
    """The party behind a proposal: "X's proposal", "offer from X", else the subject."""
    after = [m for m in mentions if m.start >= verb.end() and m.party]
    if after and re.match(
        r"\s+(?:\w+\s+){0,2}?(?:from|by)\s+(?:the\s+)?$", clause[verb.end() : after[0].start] + " "
    ):
        return after[0].party
    left = [m for m in mentions if m.end <= verb.start() and m.party]
    if left and re.fullmatch(r"[\s-]*", clause[left[-1].end : verb.start()]):
        return left[-1].party  # "US proposal", "Russian offer"
    for m in reversed(left):
        if re.match(r"['’]s?\b", clause[m.end : m.end + 2]) or re.match(
            r"\s+\w+['’]s\b", clause[m.end :]
        ):
            return m.party
    return left[0].party if left else (after[0].party if after else None)


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
        if a.party != b.party and re.fullmatch(r"\s*(?:and|[-–—/]|with|,)\s*(?:I\s*)?", gap):
            return True
    return False


def _is_summit(clause: str, mentions: list[Mention], parties: list[str], visited: bool) -> bool:
    if re.search(r"\bsummits?\b", clause, _I) or _LEADERS_MEETING.search(clause):
        return True
    if _leader_pair(clause, mentions):
        return True
    people = [m for m in mentions if m.kind == "person" and m.party in parties]
    if not people:
        return False
    if any(m.level is not DelegationLevel.LEADER for m in people):
        return False
    led = {m.party for m in people}
    unled = [p for p in parties if p not in led]
    if len(led) >= 2 and not unled:
        return True
    # A leader's visit to (or hosting of) a country whose counterpart is not named.
    hosted = re.search(r"\bwarm welcome|\bhosted\b|\bvisit\b", clause, _I) is not None
    # "The UK PM will hold talks" in Ukraine: a leader with no named counterpart (guide)
    talks = re.search(r"\b(?:hold|holds|held|holding)\s+talks\b", clause, _I) is not None
    return len(led) == 1 and len(unled) >= 1 and (visited or hosted or talks)


def _meeting(
    clause: str,
    sentence: str,
    ctx: Context,
    mentions: list[Mention],
    parties: list[str],
    venue: str | None,
    visited: bool,
) -> Iterator[Claim]:
    if _NON_DIPLOMATIC.search(clause):
        return
    # An explicit delegation was claimed in _analyse_clause; go on only for the talks themselves.
    if is_explicit(clause) and (
        not re.search(r"\b(?:talks|negotiations|summit)\b", clause, _I) or len(parties) < 2
    ):
        return
    decline = DECLINE_RE.search(clause)
    if decline:
        who = _speaker(clause, mentions, decline)
        if who is not None and who.kind == "person":
            yield _claim(
                ClaimType.ATTENDANCE_DECLINED, clause, ctx, +1, party=who.party, person=who.head
            )
        return
    verb = _MEET_VERB.search(clause)
    diplomatic = _DIPLOMATIC_NOUN.search(clause)
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
        parties and venue and _TEAM_TRAVEL.search(clause) and FUTURE_RE.search(clause)
    )  # "Russia's negotiators would travel to Istanbul for the third round"
    bare = not parties and _BARE_TALKS.search(clause)  # "Second round held at Ciragan Palace"
    if len(parties) < 2 and not (
        bare or (parties and (visited or (verb and diplomatic) or multilateral or travelling))
    ):
        return
    stance = SPEECH_RE.search(clause)
    if stance and not verb and stance.group(0).lower() not in ("says", "said", "say"):
        noun = MEET_RE.search(clause, stance.end())
        if noun and not CANCEL_RE.search(clause) and not PROPOSE_RE.search(clause):
            return  # "opposed to mediation in peace negotiations": a stance, not a meeting
    if not travelling and (
        not _DELEGATION_ONLY.sub("", clause).strip()
        or not MEET_RE.search(_DELEGATION_ONLY.sub("", clause))
    ):
        return
    summit = _is_summit(clause, mentions, parties, visited)
    low = clause.lower()
    decline = DECLINE_RE.search(clause)
    if decline:
        who = _speaker(clause, mentions, decline)
        if who is not None:
            yield _claim(
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
            yield _claim(
                ClaimType.SUMMIT_RUMORED,
                clause,
                ctx,
                +1,
                parties=parties,
                venue=venue,
                negated=True,
            )
        return  # a refusal to negotiate is a stance: _position reports it
    hedged = bool(HEDGE_RE.search(clause))
    kind, direction, extra = _lifecycle(clause, low, sentence, summit, hedged, mentions)
    if kind is None:
        return
    if kind in (ClaimType.TALKS_HELD, ClaimType.SUMMIT_HELD) and extra.get("confidence"):
        ahead, _, span = dates.resolve(clause, ctx.published, +1)
        explicit = any(ch.isdigit() for ch in span)  # "August 15", not a bare weekday
        if explicit and ahead is not None and ctx.published is not None and ahead > ctx.published:
            # no tense, but a date still to come: "Putin summit in Alaska on August 15"
            kind, direction, extra = (
                ClaimType.SUMMIT_SCHEDULED if summit else ClaimType.TALKS_SCHEDULED,
                +1,
                {},
            )
    states = [p for p in parties if len(p) == 2]
    if kind is ClaimType.SUMMIT_SCHEDULED and not venue and len(states) >= 2:
        when, _ = _date(clause, ctx, +1)
        if when is None:  # DESIGN.md: announced "with date or venue"; otherwise still a rumour
            kind = ClaimType.SUMMIT_RUMORED
    yield _claim(kind, clause, ctx, direction, parties=parties, venue=venue, hedged=hedged, **extra)
    if not summit and kind not in (ClaimType.TALKS_CANCELLED, ClaimType.TALKS_PROPOSED):
        yield from _delegations(clause, ctx, mentions, explicit=False)


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
    if proposal:
        owner = _proposer(clause, mentions, proposal)
        if summit:
            speaker = next(
                (m.head for m in mentions if m.kind == "person" and m.party == owner and m.head),
                owner,
            )
            return ClaimType.SUMMIT_RUMORED, +1, {"proposer": owner, "speaker": speaker}
        return ClaimType.TALKS_PROPOSED, +1, {"proposer": owner}
    if summit and hedged:
        return ClaimType.SUMMIT_RUMORED, +1, _floated_by(clause, mentions)
    if _PAST.search(clause):
        return (ClaimType.SUMMIT_HELD if summit else ClaimType.TALKS_HELD), -1, {}
    present = _PRESENT_MEET.search(clause)
    if present and not _FIRM_FUTURE.search(clause):
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
    who = _speaker(clause, mentions, verb) if verb else None
    if who is None or not who.party:
        return {}
    return {"proposer": who.party, "speaker": who.head or who.party}


def _delegations(
    clause: str, ctx: Context, mentions: list[Mention], explicit: bool
) -> Iterator[Claim]:
    phrase = is_explicit(clause) if explicit else None
    if not explicit and not _MEET_VERB.search(clause):
        return
    yield from delegations(clause, ctx.field, mentions, explicit, phrase)


def _position(sentence: str, ctx: Context) -> Iterator[Claim]:
    """A stance on talks/peace/ceasefire stated by a party or person ("X says …", "…, says X")."""
    topic = TOPIC_RE.search(sentence)
    if not topic or DECLINE_RE.search(sentence):
        return
    mentions = find_mentions(sentence, ctx.d, ctx.published)
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
            and _ceasefire_kind(sentence, cease)
            and not re.match(r"reject|refus|oppos|dismiss|insist", word)
        ):
            return  # a ceasefire demand or acceptance is the ceasefire claim itself
        if verb.start() > topic.start():
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
    yield Claim(
        type=ClaimType.POSITION_STATED,
        party=who.party,
        person=who.head if who.kind == "person" else None,
        stance=sentence.strip()[:200],
        evidence=sentence.strip(),
        evidence_field=ctx.field,
    )
