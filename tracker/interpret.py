"""From an entry's claims to its tracks and engagements (the write-side of extraction).

The :class:`Interpreter` reads an entry with the extractor, routes its claims to the tracks
they concern, and applies them to the tracks' engagements through a unit of work: lifecycle
claims move an engagement along, delegation claims set or change a party's head (compared
with what was expected or fielded at the previous round), repeats become evidence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from tracker.application import UnitOfWork
from tracker.applying import EntryOnTrack, index
from tracker.config import Config, FeedConfig, TrackConfig
from tracker.engagement_rules import LIFECYCLE, TALKS
from tracker.track import Track
from tracker.values import Claim, ClaimType, EntryText, Evidence

#: Claims about one entry are applied in this order, so a meeting exists before its heads.
_ORDER = {t: i for i, t in enumerate(LIFECYCLE)} | {
    ClaimType.DELEGATION_ANNOUNCED: 20,
    ClaimType.ATTENDANCE_DECLINED: 21,
    ClaimType.CEASEFIRE_PROPOSED: 30,
    ClaimType.CEASEFIRE_AGREED: 31,
    ClaimType.PRISONER_EXCHANGE: 32,
    ClaimType.POSITION_STATED: 40,
}

DEFAULT_TRACK = TrackConfig(slug="all", title="All developments")
_PARTY_NEWS = (ClaimType.DELEGATION_ANNOUNCED, ClaimType.ATTENDANCE_DECLINED)


def _contradicts_title(claim: Claim, claims: Sequence[Claim]) -> bool:
    """A summary claim the headline contradicts (same kind of event, other place or day).

    Headlines carry the news; summaries often add background ("the sides last met in
    Istanbul in 2022"). When both speak of the same parties' meeting, the headline wins.
    """
    if claim.evidence_field != "summary" or claim.type not in LIFECYCLE:
        return False
    kind = LIFECYCLE[claim.type][0]
    for other in claims:
        if other.evidence_field != "title" or other.type not in LIFECYCLE:
            continue
        if LIFECYCLE[other.type][0] != kind or len(set(claim.parties) & set(other.parties)) < 1:
            continue
        venue_differs = bool(claim.venue and other.venue and claim.venue != other.venue)
        date_differs = bool(claim.date and other.date and claim.date != other.date)
        if venue_differs or date_differs:
            return True
    return False


def _follows_up(track: Track, claim: Claim, overlap: set[str], published: datetime) -> bool:
    """True when the claim is news of a meeting the track already follows.

    Delegation and attendance news about a party with talks under way (or just held) in the
    track; or a report naming exactly the parties of a recent meeting of the same kind (the
    Alaska summit, once in the track, keeps collecting reports that do not mention Ukraine).
    """
    parties = {p for p in (*claim.parties, claim.party) if p}
    kind = LIFECYCLE[claim.type][0] if claim.type in LIFECYCLE else TALKS
    for e in track.index.values():
        if e["kind"] != kind:
            continue
        last = datetime.fromisoformat(e["published_at"])
        recent = e["status"] not in ("held", "cancelled") and (published - last).days <= 45
        just_held = e["status"] == "held" and abs((published - last).days) <= 2
        if not (recent or just_held):
            continue
        if claim.type in _PARTY_NEWS and overlap & set(e["parties"]):
            return True
        if len(parties) >= 2 and parties <= set(e["parties"]):
            return True
    return False


class Extractor(Protocol):
    """What the interpreter needs from ``tracker.extract`` (see ``bootstrap``)."""

    version: str

    def __call__(self, text: EntryText) -> list[Claim]: ...

    def mentions(self, text: str) -> set[str]: ...

    def venue_country(self, venue: str) -> str | None: ...

    def leader_of(self, party: str, on: date) -> str | None: ...


def effective_tracks(config: Config) -> list[TrackConfig]:
    """The configured tracks, or one catch-all track when feeds.yaml names none."""
    return list(config.tracks) or [DEFAULT_TRACK]


@dataclass
class Interpreter:
    """Routes claims to tracks and applies them to engagements (no I/O of its own)."""

    extractor: Extractor
    tracks: Sequence[TrackConfig]
    _keywords: dict[str, re.Pattern[str] | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for t in self.tracks:
            words = [re.escape(k) for k in t.keywords if k.strip()]
            self._keywords[t.slug] = (
                re.compile(r"\b(?:" + "|".join(words) + r")\b", re.IGNORECASE) if words else None
            )

    @property
    def version(self) -> str:
        return self.extractor.version

    # ------------------------------------------------------------------ reading
    def read(
        self, text: EntryText, feed: FeedConfig | None = None, uow: UnitOfWork | None = None
    ) -> tuple[list[Claim], list[str]]:
        """Extract claims and decide which tracks they belong to."""
        claims = self.extractor(text)
        if not claims:
            return [], []
        return claims, self.route(claims, text, feed, uow)

    def route(
        self,
        claims: Sequence[Claim],
        text: EntryText,
        feed: FeedConfig | None,
        uow: UnitOfWork | None = None,
    ) -> list[str]:
        """The tracks these claims concern.

        A claim belongs to a track when it names two of the track's parties; or one of them
        and the entry mentions another (or a track keyword); or, for delegation and attendance
        news, one of them while the track has a meeting under way involving that party.
        """
        allowed = set(feed.tracks) if feed is not None and feed.tracks else None
        out = []
        mentioned: set[str] | None = None
        body = f"{text.title}\n{text.summary}"
        for t in self.tracks:
            if allowed is not None and t.slug not in allowed:
                continue
            if not t.parties:
                out.append(t.slug)
                continue
            track_parties = set(t.parties)
            keyword = self._keywords.get(t.slug)
            for c in claims:
                parties = {p for p in (*c.parties, c.party) if p}
                overlap = parties & track_parties
                if len(overlap) >= 2 or (overlap and len(track_parties) == 1):
                    out.append(t.slug)
                    break
                if not overlap:
                    continue
                if keyword is not None and keyword.search(body):
                    out.append(t.slug)
                    break
                if mentioned is None:
                    mentioned = self.extractor.mentions(body)
                if mentioned & (track_parties - overlap):
                    out.append(t.slug)
                    break
                if uow is not None and text.published_at is not None:
                    track = uow.get(Track.create_id(t.slug))
                    if track is not None and _follows_up(track, c, overlap, text.published_at):
                        out.append(t.slug)
                        break
        return out

    # ------------------------------------------------------------------ applying
    def apply(
        self,
        uow: UnitOfWork,
        *,
        entry_id: UUID,
        evidence: Evidence,
        story: str,
        claims: Sequence[Claim],
        tracks: Sequence[str],
    ) -> list[str]:
        """Apply claims to every routed track; returns the targets touched (for retraction)."""
        targets: list[str] = []
        kept = [(i, c) for i, c in enumerate(claims) if not _contradicts_title(c, claims)]
        ordered = sorted(kept, key=lambda ic: (_ORDER.get(ic[1].type, 99), ic[0]))
        for slug in tracks:
            track = self._track(uow, slug)
            on_track = EntryOnTrack(uow, track, self.extractor, entry_id, evidence, story)
            for i, claim in ordered:
                target = on_track.apply(claim, i)
                if target and target not in targets:
                    targets.append(target)
        return targets

    def retract(
        self, uow: UnitOfWork, *, entry_id: UUID, targets: Sequence[str], published_at: datetime
    ) -> None:
        """Withdraw an entry's earlier contributions (before re-applying a new reading)."""
        for target in targets:
            if target.startswith("track:"):
                track = uow.get(Track.create_id(target.removeprefix("track:")))
                if track is not None:
                    track.retract(str(entry_id), self.version, published_at)
                continue
            eng = uow.get(UUID(target))
            if eng is not None and eng.retract(str(entry_id), self.version, published_at):
                track = uow.get(Track.create_id(eng.track))
                if track is not None:
                    index(track, eng)

    def _track(self, uow: UnitOfWork, slug: str) -> Track:
        track = uow.get(Track.create_id(slug))
        if track is None:
            cfg = next((t for t in self.tracks if t.slug == slug), DEFAULT_TRACK)
            track = Track(slug=slug, title=cfg.title or slug, parties=list(cfg.parties))
            uow.add(track)
        return track


ExtractFn = Callable[[EntryText], list[Claim]]


@dataclass
class SimpleExtractor:
    """Adapts a bare extract function (and optional dictionary lookups) to :class:`Extractor`."""

    fn: ExtractFn
    version: str
    mentions_fn: Callable[[str], set[str]] | None = None
    venue_country_fn: Callable[[str], str | None] | None = None
    leader_of_fn: Callable[[str, date], str | None] | None = None
    leader_title_fn: Callable[[str, date], str | None] | None = None
    place_kind_fn: Callable[[str], str | None] | None = None
    named_leaders_fn: Callable[[str, date], dict[str, tuple[str, str | None]]] | None = None

    def __call__(self, text: EntryText) -> list[Claim]:
        return self.fn(text)

    def mentions(self, text: str) -> set[str]:
        return self.mentions_fn(text) if self.mentions_fn else set()

    def venue_country(self, venue: str) -> str | None:
        return self.venue_country_fn(venue) if self.venue_country_fn else None

    def leader_of(self, party: str, on: date) -> str | None:
        return self.leader_of_fn(party, on) if self.leader_of_fn else None

    def leader_title(self, party: str, on: date) -> str | None:
        return self.leader_title_fn(party, on) if self.leader_title_fn else None

    def named_leaders(self, text: str, on: date) -> dict[str, tuple[str, str | None]]:
        """Party -> (name, title) of the sitting leaders a text names."""
        return self.named_leaders_fn(text, on) if self.named_leaders_fn else {}

    def place_kind(self, venue: str) -> str | None:
        """``country``, ``region``, ``city`` … of a venue name, if known."""
        return self.place_kind_fn(venue) if self.place_kind_fn else None
