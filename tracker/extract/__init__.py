"""Pure, versioned extraction: an entry's text -> typed diplomatic claims (DESIGN.md vocabulary).

Usage::

    from tracker.extract import extract, EXTRACTOR_VERSION
    claims = extract(EntryText(title="Russia and Ukraine to hold talks in Istanbul on Friday",
                               published_at=datetime(2025, 5, 14, tzinfo=UTC)))

No network, no clock (relative dates resolve against ``entry.published_at`` only), no database.
The extractor is total: any input (empty, 1 MB, HTML, other languages, mojibake) returns a list,
possibly empty, and never raises.

What is emitted for negations and denials (so the engagement layer can link them):

- "X will not attend", "refused to meet", "declined an invitation" -> ``attendance_declined``
  (``party``, ``person``); no positive meeting claim.
- "no plans to meet", "will not meet", "ruled out a summit", "denied reports of a summit" about
  leaders -> ``summit_rumored`` with ``negated=True`` and the same parties/venue as the rumour
  it answers, so the rumour can be closed by matching parties.
- "called off", "cancelled", "withdrew from talks" -> ``talks_cancelled``/``summit_cancelled``.
- A refusal to negotiate ("will not negotiate with …") -> ``position_stated`` only.
- A rejected offer -> the offer itself (``talks_proposed``/``summit_rumored`` with ``proposer``)
  plus ``position_stated`` for the party that rejected it.

Hedged statements keep their type and set ``hedged=True``; hedged leader meetings are
``summit_rumored`` with ``proposer`` (party) and ``speaker`` (person, else party) when known.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date

from tracker.config import ActorConfig
from tracker.extract.context import Context
from tracker.extract.jsonl import LineError, extract_jsonl
from tracker.extract.lexicon import (
    Dictionaries,
    build_dictionaries,
    capital_of,
    default_dictionaries,
)
from tracker.extract.rules import analyse
from tracker.extract.text import clean, sentences
from tracker.values import Claim, ClaimType, EntryText, utc

__all__ = [
    "EXTRACTOR_VERSION",
    "Dictionaries",
    "LineError",
    "extract",
    "extract_jsonl",
    "load_dictionaries",
    "prefilter",
]

EXTRACTOR_VERSION = "1.14.6"

# One cheap test before any real work: most entries mention none of these stems. It runs on
# lower-cased text (a case-sensitive pattern is about three times faster than IGNORECASE);
# call it through prefilter(). It only gates: the rules look for their own triggers.
PREFILTER = re.compile(
    r"talk|negotiat|summit|meet|\bmet\b|visit|host|receiv|welcome|mediat|cease|truce|armistice|"
    r"hostilities|prisoner|swap|exchange|delegat|envoy|diploma|peace|wait for|face-to-face|"
    r"sit down|sat down|pause fire|attend|contact|agreement|breakthrough|settlement|demands|"
    r"conditions|deal\b|skip|snub|freed|\d each|each side|"
    r"(?:first|second|third|fourth|fifth|new|next|another) round|line-?up|negotiating team|"
    r"led by|headed by|(?:to|will|would) (?:again )?(?:lead|head)\b|leads? (?:the |its )?\w+ team|"
    r"heads? (?:the |its |\w+['’]s )?(?:\w+ )?(?:delegation|team)|at the helm|head of|"
    r"sends? (?:aide|envoy|minister|defence|defense|foreign|his|her)|"
    r"postpon|pushed back|moved to|(?:instead of|rather than) \w+day|get together|"
    r"(?:may|might|could|would|consider\w*) (?:\w+ )?(?:fly|travel|go)\b|floats? \w+ trip|"
    r"trip to|not on the (?:list|delegation|line)|missing from|in person|personally|"
    r"conference|signed (?:a|an|the) |(?:heads?|travels?|flies|flew|travell?ed) to |next time in "
)


def prefilter(text: str) -> bool:
    """True when ``text`` may hold a claim (a cheap gate; the rules decide)."""
    return bool(text) and PREFILTER.search(text.lower()) is not None


def load_dictionaries(overrides: Sequence[ActorConfig] = ()) -> Dictionaries:
    """The bundled dictionaries, with ``overrides`` (feeds.yaml ``actors:``) winning by name.

    Without overrides the compiled dictionaries are built once per process and shared.
    """
    if not overrides:
        return default_dictionaries()
    return build_dictionaries(tuple(overrides))


def extract(entry: EntryText, dictionaries: Dictionaries | None = None) -> list[Claim]:
    """Claims the entry makes, title first, de-duplicated; [] for anything unrelated.

    Never raises: a bug on one odd entry must not stop ingestion, so unexpected errors yield [].
    """
    try:
        return _extract(entry, dictionaries or default_dictionaries())
    except Exception:  # the extractor is total by contract; tests hunt these cases down
        return []


def _extract(entry: EntryText, d: Dictionaries) -> list[Claim]:
    title = clean(entry.title)
    summary = clean(entry.summary)
    if not (prefilter(title) or prefilter(summary)):
        return []
    published: date | None = utc(entry.published_at).date() if entry.published_at else None
    claims: list[Claim] = []
    title_sentences, summary_sentences = sentences(title), sentences(summary)
    text = f"{title}\n{summary[:2000]}"
    for field, own, other, passed in (
        ("title", title_sentences, summary_sentences[:2], prefilter(title)),
        ("summary", summary_sentences, title_sentences, prefilter(summary)),
    ):
        if not passed:
            continue  # no sentence of a field that fails the gate can pass it
        # A summary sentence may take its other side from the headline only when the headline
        # reports a meeting: then it is most likely about that meeting.
        met = any(c.type in _MEETING_TYPES and c.parties for c in claims)
        headline = title_sentences if field == "summary" and met else []
        ctx = Context(d, published, field, other + own[:1], text, headline)
        for sentence in own:
            if len(own) == 1 or prefilter(sentence):
                claims.extend(analyse(sentence, ctx))
    return merge(claims, d)


def _same_place(a: str, b: str, d: Dictionaries | None) -> bool:
    """Equal venues, or a city and the country it lies in ("Istanbul" and "Turkey")."""
    if a.lower() == b.lower():
        return True
    if d is None:
        return False
    a, b = _seat_of_government(a, d), _seat_of_government(b, d)
    if a.lower() == b.lower():
        return True  # "the White House" is in Washington
    for country, other in ((a, b), (b, a)):
        place = d.place(country)
        if place is not None and place.kind == "country":
            return d.venue_country(other) == place.code
    return False


# Claims of these types in one entry are one event even when title and summary each name a
# different side ("Tigray region committed to the ceasefire" + "… proposed by Abiy's government").
_ONE_PER_ENTRY = frozenset(
    {ClaimType.CEASEFIRE_AGREED, ClaimType.CEASEFIRE_PROPOSED, ClaimType.PRISONER_EXCHANGE}
)


def _seat_of_government(venue: str, d: Dictionaries) -> str:
    """A metonym's city ("the White House" -> "Washington"); other venues unchanged."""
    place = d.place(venue)
    if place is not None and place.kind == "metonym":
        return capital_of(place.code) or place.venue
    return venue


def _compatible(a: Claim, b: Claim, d: Dictionaries | None = None) -> bool:
    if a.type != b.type or a.negated != b.negated:
        return False
    if a.type in (
        ClaimType.POSITION_STATED,
        ClaimType.DELEGATION_ANNOUNCED,
        ClaimType.ATTENDANCE_DECLINED,
    ):
        return a.party == b.party
    pa, pb = set(a.parties), set(b.parties)
    if not (pa <= pb or pb <= pa or a.type in _ONE_PER_ENTRY):
        return False
    if a.venue and b.venue and not _same_place(a.venue, b.venue, d):
        return False
    return not (a.date and b.date and a.date != b.date)


def _combine(a: Claim, b: Claim) -> Claim:
    """Keep ``a`` (seen first, usually the title) and fill its gaps from ``b``."""
    updates: dict[str, object] = {}
    if a.type in _ONE_PER_ENTRY and not set(b.parties) <= set(a.parties):
        # the title names one side of the truce, the summary the other
        updates["parties"] = a.parties + tuple(p for p in b.parties if p not in a.parties)
    elif len(b.parties) > len(a.parties) and (len(a.parties) < 2 or b.confidence >= 1):
        # an untensed aside that borrowed every side of its sentence does not widen a meeting
        # whose two sides are already known
        updates["parties"] = b.parties
    for name in ("venue", "date", "head", "head_title", "level", "person", "proposer", "speaker"):
        if getattr(a, name) is None and getattr(b, name) is not None:
            updates[name] = getattr(b, name)
            if name == "date":
                updates["date_precision"] = b.date_precision
    return replace(a, **updates) if updates else a  # type: ignore[arg-type]


# A sentence that refers back to the meeting already claimed: "The meeting, proposed by
# France, …", "The envoy's visit came days before …", "The president announced the meeting".
_ANAPHORA = re.compile(
    r"^(?:The|This|That|Such a|Their|His|Her|Its)\s+(?:[\w-]+(?:['’]s)?\s+){0,2}?"
    r"(?:meeting|talks|summit|visit|trip|negotiations)\b|"
    r"\b(?:announced|confirmed|described|called|praised|hailed|critici[sz]ed|welcomed|"
    r"dismissed|opened|chaired|attended|joined)\s+the\s+(?:meeting|summit|talks|visit|"
    r"negotiations)\b"
)
_MEETING_TYPES = {t for t in ClaimType if t.value.startswith(("talks_", "summit_"))}


def merge(claims: Iterable[Claim], d: Dictionaries | None = None) -> list[Claim]:
    """One claim per event: the same fact told twice (title and summary) becomes one.

    A sentence that refers back ("The meeting, proposed by France, …") adds its details to the
    meeting already claimed instead of making a new one.
    """
    out: list[Claim] = []
    for claim in claims:
        if claim.type in _MEETING_TYPES and _ANAPHORA.search(claim.evidence):
            earlier = [i for i, k in enumerate(out) if k.type in _MEETING_TYPES]
            if earlier:
                i = earlier[-1]
                filled = _combine(out[i], replace(claim, parties=()))
                out[i] = filled
                continue
        for i, kept in enumerate(out):
            if _compatible(kept, claim, d):
                out[i] = _combine(kept, claim)
                break
        else:
            out.append(claim)
    kept_claims: list[Claim] = []
    dropped: list[tuple[Claim, Claim]] = []
    for c in out:
        better = _superseded(c, out)
        if better is None:
            kept_claims.append(c)
        else:
            dropped.append((c, better))
    for weaker, better in dropped:
        # the better reading keeps what only the weaker one knew ("arrives in Ankara" gives
        # the venue of the visit the summary reports as under way)
        if better in kept_claims and _same_meeting_slots(better, weaker, d):
            i = kept_claims.index(better)
            kept_claims[i] = _combine(better, replace(weaker, parties=()))
    return kept_claims


def _same_meeting_slots(a: Claim, b: Claim, d: Dictionaries | None) -> bool:
    pa, pb = set(a.parties), set(b.parties)
    if not (pa and pb and (pa <= pb or pb <= pa)):
        return False  # only the same sides' meeting: a visit the rumour merely mentions is not it
    if a.venue and b.venue and not _same_place(a.venue, b.venue, d):
        return False
    return not (a.date and b.date and a.date != b.date)


_SUMMIT_TYPES = {t for t in _MEETING_TYPES if t.value.startswith("summit_")}
_DEFAULT_HELD = {ClaimType.TALKS_HELD, ClaimType.SUMMIT_HELD}


def _superseded(claim: Claim, claims: list[Claim]) -> Claim | None:
    """The better reading of the same meeting that ``claim`` yields to, else None.

    Talks between exactly the parties of a summit claim are that summit seen from below; a
    "held" read only for want of any tense cue (confidence < 1) yields to a dated reading of
    the same kind of meeting.
    """
    if claim.type not in _MEETING_TYPES or claim.negated:
        return None
    parties = set(claim.parties)
    for other in claims:
        if other is claim or other.negated or other.type not in _MEETING_TYPES:
            continue
        same = set(other.parties) == parties or (parties and parties <= set(other.parties))
        if (
            claim.type not in _SUMMIT_TYPES
            and other.type in _SUMMIT_TYPES
            and same
            and parties
            and (claim.type in _DEFAULT_HELD) == (other.type in _DEFAULT_HELD)
        ):
            return other  # the same meeting read as talks and as a summit, in the same phase
        planned = claim.type in (ClaimType.TALKS_SCHEDULED, ClaimType.SUMMIT_SCHEDULED) or (
            # a summit "scheduled" with neither date nor venue is kept as a rumour (DESIGN)
            claim.type is ClaimType.SUMMIT_RUMORED and not claim.hedged and claim.proposer is None
        )
        if (
            planned
            and claim.date is None
            and other.type in _DEFAULT_HELD
            and other.confidence == 1
            and (other.type in _SUMMIT_TYPES) == (claim.type in _SUMMIT_TYPES)
            and parties
            and set(other.parties) == parties
        ):
            return other  # "Johnson visits Ukraine … The PM will hold talks": one visit, under way
        weak = claim.type in _DEFAULT_HELD and claim.confidence < 1
        kind = claim.type in _SUMMIT_TYPES
        overlap = not parties or not other.parties or bool(parties & set(other.parties))
        if (
            weak
            and overlap
            and not other.hedged  # "their next meeting could be in Moscow" is another meeting
            and other.type not in _DEFAULT_HELD
            and (other.type in _SUMMIT_TYPES) == kind
        ):
            return other
    return None
