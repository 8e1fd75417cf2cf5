"""What a sentence is analysed against, and the helpers every rule family uses."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from datetime import date

from tracker.extract import dates
from tracker.extract.lexicon import Dictionaries
from tracker.extract.mentions import Mention, find_mentions, is_background_place
from tracker.values import Claim, ClaimType, DatePrecision


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
    # For a summary sentence: the headline, whose sides the summary often leaves unnamed.
    headline: list[str] = dc_field(default_factory=list)
    _context: list[Mention] | None = None
    _headline: list[Mention] | None = None

    @property
    def entry_context(self) -> list[Mention]:
        """Built on first use: most sentences never need to borrow a side."""
        if self._context is None:
            self._context = entry_context(self.context_sentences, self.d, self.published)
        return self._context

    @property
    def headline_context(self) -> list[Mention]:
        """The headline's sides (empty for the headline itself), built on first use."""
        if self._headline is None:
            self._headline = entry_context(self.headline, self.d, self.published)
        return self._headline


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


# A speaker's verb, unless what follows makes him the actor too ("Zelensky says he will go").
_SPEAKS = re.compile(
    r"\s+(?:(?:on\s+\w+day|again|also|earlier|later|repeatedly)\s+)?"
    r"(?:(?:told|tells)(?:\s+(?!that\b)[\w’']+)?+|said|says|insisted|insists|added|adds|"
    r"stressed|noted|announced|argued|claimed|claims|warned|warns)\b(?:\s+on\s+\w+day)?+(?:\s+that)?+\s+"
    r"(?!(?:he|she|I|we|they|his|her|it|him)\b)",
    re.IGNORECASE,
)


def is_speaker(clause: str, m: Mention) -> bool:
    """True for a person who only reports a statement ("Putin said Russia is ready …")."""
    return m.kind == "person" and m.start >= 0 and _SPEAKS.match(clause, m.end) is not None


def claim_date(clause: str, ctx: Context, direction: int) -> tuple[date | None, DatePrecision]:
    """The first date expression of ``clause``, resolved in ``direction`` (see dates.resolve)."""
    when, precision, _ = dates.resolve(clause, ctx.published, direction)
    return when, precision


def speaker_of(clause: str, mentions: list[Mention], verb: re.Match[str]) -> Mention | None:
    """Who states something: the nearest party-bearing mention left of the verb, else after."""
    left = [m for m in mentions if m.end <= verb.start() and m.party]
    if left:
        people = [m for m in left if m.kind == "person"]
        return people[-1] if people and verb.start() - people[-1].end < 60 else left[0]
    right = [m for m in mentions if m.start >= verb.end() and m.party]
    return right[0] if right else None


def make_claim(kind: ClaimType, clause: str, ctx: Context, direction: int, **kw: object) -> Claim:
    """A claim of ``kind`` read from ``clause``: its date resolved, ``kw`` as its fields."""
    when, precision = claim_date(clause, ctx, direction)
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


# Verbs whose object is the one invited or awaited, never the one who offers.
_AWAITS = re.compile(r"wait for|invit|challeng", re.IGNORECASE)
_COPULA = re.compile(
    r"\s+(?:is|was|are|were|stands|stood|remains|would be|will be|has been|had been)"
    r"(?:\s+(?:still|also|now|again|\w+ly))?\s+",
    re.IGNORECASE,
)
_SUBJECT_GAP = re.compile(r"\s+(?:(?:again|now|also|formally|officially)\s+)?")


def proposer_of(clause: str, mentions: list[Mention], verb: re.Match[str]) -> str | None:
    """The party behind a proposal: "X's proposal", "offer from X", else the subject."""
    after = [m for m in mentions if m.start >= verb.end() and m.party]
    if after and re.match(
        r"\s+(?:\w+\s+){0,2}?(?:from|by)\s+(?:the\s+)?$", clause[verb.end() : after[0].start] + " "
    ):
        return after[0].party
    # Only what this clause says counts (a side borrowed from elsewhere in the entry is not
    # the subject); a city right before the verb speaks for its country ("Moscow proposes").
    left = [
        m
        for m in mentions
        if 0 <= m.end <= verb.start()
        and (m.party or (m.place is not None and m.place.kind == "city"))
    ]
    if left and not left[-1].party:
        city = left[-1]
        if city.place is not None and _SUBJECT_GAP.fullmatch(clause[city.end : verb.start()]):
            return city.place.code
    left = [m for m in left if m.party]
    if left and re.fullmatch(r"[\s-]*", clause[left[-1].end : verb.start()]):
        return left[-1].party  # "US proposal", "Russian offer"
    if left and _COPULA.fullmatch(clause[left[-1].end : verb.start()]):
        return left[-1].party  # "Erdogan said Turkey was ready to host talks"
    for m in reversed(left):
        if re.match(r"['’]s?\b", clause[m.end : m.end + 2]) or re.match(
            r"\s+\w+['’]s\b", clause[m.end :]
        ):
            return m.party
    if left:
        return left[0].party
    if after and not _AWAITS.match(verb.group(0)):
        return after[0].party  # "a proposal by …" cut short, "offer of talks, Russia"
    # A clause without its subject ("… but wants a ceasefire first"): the first person named
    # in the rest of the sentence or entry is the one who wants it.
    borrowed = [m for m in mentions if m.start < 0 and m.kind == "person" and m.party]
    return borrowed[0].party if borrowed else None
