"""The Track aggregate: a situation followed over time.

A track keeps the index used to match claims to meetings (its engagements' matching keys)
and the track-level developments: positions stated, ceasefires, prisoner exchanges.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import register_topic

from tracker.domain import (
    TrackerCreated,
    TrackerEvent,
    forget_reports,
    register_event_topics,
    stable_id,
)
from tracker.values import Claim, Evidence


class Track(Aggregate):
    """A followed situation (e.g. ``russia-ukraine``)."""

    class Started(TrackerCreated):
        TOPIC = "tracker.Track.Started.v1"
        slug: str
        title: str
        parties: list[str]

    class EngagementIndexed(TrackerEvent):
        """The matching keys of one of the track's engagements were set or changed."""

        TOPIC = "tracker.Track.EngagementIndexed.v1"
        engagement_id: str
        kind: str
        parties: list[str]
        status: str
        venue: str | None
        effective_on: date | None
        delegations: dict[str, dict[str, str | None]]
        published_at: datetime

    class PositionStated(TrackerEvent):
        TOPIC = "tracker.Track.PositionStated.v1"
        party: str | None
        person: str | None
        stance: str
        published_at: datetime
        evidence: Evidence
        extractor_version: str

    class DevelopmentReported(TrackerEvent):
        """A ceasefire proposal/agreement or a prisoner exchange (``fact`` groups reports)."""

        TOPIC = "tracker.Track.DevelopmentReported.v1"
        fact: str
        type: str
        parties: list[str]
        effective_on: date | None
        published_at: datetime
        evidence: Evidence
        extractor_version: str
        corroborates: bool
        story: str

    class ClaimsRetracted(TrackerEvent):
        """A re-extraction no longer reads the track-level claims this entry gave."""

        TOPIC = "tracker.Track.ClaimsRetracted.v1"
        entry_id: str
        extractor_version: str
        published_at: datetime

    @staticmethod
    def create_id(slug: str) -> UUID:
        return stable_id("tracks", slug)

    @event(Started)
    def __init__(self, slug: str, title: str, parties: list[str]) -> None:
        self.slug = slug
        self.title = title
        self.parties = list(parties)
        # engagement id (str) -> matching keys; plain JSON types so snapshots transcode.
        self.index: dict[str, dict[str, Any]] = {}
        # development fact key -> {entry id: story key}; de-duplicates reports.
        self.facts: dict[str, dict[str, str]] = {}
        self.position_entries: dict[str, bool] = {}

    def index_engagement(
        self,
        engagement_id: UUID,
        *,
        kind: str,
        parties: list[str],
        status: str,
        venue: str | None,
        effective_on: date | None,
        delegations: dict[str, dict[str, str | None]],
        published_at: datetime,
    ) -> None:
        """Keep the engagement's matching keys current (logs only actual changes).

        ``delegations`` maps party -> {"head", "level"}: the comparison point for the
        party's next round of the track.
        """
        key = str(engagement_id)
        new = {
            "kind": kind,
            "parties": sorted(parties),
            "status": status,
            "venue": venue,
            "effective_on": effective_on.isoformat() if effective_on else None,
            "delegations": {p: dict(d) for p, d in sorted(delegations.items())},
        }
        old = self.index.get(key)
        if old is not None and all(old.get(k) == v for k, v in new.items()):
            return
        self._engagement_indexed(
            engagement_id=key,
            kind=kind,
            parties=sorted(parties),
            status=status,
            venue=venue,
            effective_on=effective_on,
            delegations={p: dict(d) for p, d in sorted(delegations.items())},
            published_at=published_at,
        )

    def state_position(self, claim: Claim, evidence: Evidence, extractor_version: str) -> bool:
        """Record a stance; the same entry stating the same stance twice adds nothing."""
        key = f"{evidence.entry_id}:{claim.party}:{claim.person}:{claim.stance}"
        if key in self.position_entries or not claim.stance:
            return False
        self._position_stated(
            party=claim.party,
            person=claim.person,
            stance=claim.stance,
            published_at=evidence.published_at,
            evidence=evidence,
            extractor_version=extractor_version,
        )
        return True

    def report_development(
        self, fact: str, claim: Claim, evidence: Evidence, story: str, extractor_version: str
    ) -> bool:
        """Record a ceasefire/prisoner-exchange report; a repeat of a story adds nothing."""
        seen = self.facts.get(fact, {})
        if evidence.entry_id in seen or story in seen.values():
            return False
        self._development_reported(
            fact=fact,
            type=claim.type.value,
            parties=list(claim.parties),
            effective_on=claim.date,
            published_at=evidence.published_at,
            evidence=evidence,
            extractor_version=extractor_version,
            corroborates=bool(seen),
            story=story,
        )
        return True

    def retract(self, entry_id: str, extractor_version: str, published_at: datetime) -> None:
        mentioned = any(entry_id in ids for ids in self.facts.values()) or any(
            k.startswith(entry_id + ":") for k in self.position_entries
        )
        if mentioned:
            self._claims_retracted(
                entry_id=entry_id, extractor_version=extractor_version, published_at=published_at
            )

    @event(EngagementIndexed)
    def _engagement_indexed(
        self,
        engagement_id: str,
        kind: str,
        parties: list[str],
        status: str,
        venue: str | None,
        effective_on: date | None,
        delegations: dict[str, dict[str, str | None]],
        published_at: datetime,
    ) -> None:
        self.index[engagement_id] = {
            "kind": kind,
            "parties": list(parties),
            "status": status,
            "venue": venue,
            "effective_on": effective_on.isoformat() if effective_on else None,
            "delegations": {p: dict(d) for p, d in delegations.items()},
            "published_at": published_at.isoformat(),
        }

    @event(PositionStated)
    def _position_stated(
        self,
        party: str | None,
        person: str | None,
        stance: str,
        published_at: datetime,
        evidence: Evidence,
        extractor_version: str,
    ) -> None:
        self.position_entries[f"{evidence.entry_id}:{party}:{person}:{stance}"] = True

    @event(DevelopmentReported)
    def _development_reported(
        self,
        fact: str,
        type: str,
        parties: list[str],
        effective_on: date | None,
        published_at: datetime,
        evidence: Evidence,
        extractor_version: str,
        corroborates: bool,
        story: str,
    ) -> None:
        self.facts.setdefault(fact, {})[evidence.entry_id] = story

    @event(ClaimsRetracted)
    def _claims_retracted(
        self, entry_id: str, extractor_version: str, published_at: datetime
    ) -> None:
        forget_reports(self.facts, entry_id)
        for key in [k for k in self.position_entries if k.startswith(entry_id + ":")]:
            del self.position_entries[key]


register_event_topics(Track)

# Stores written before Track moved out of tracker/domain.py name the class by its old path
# ("tracker.domain:Track": a created event's originator_topic, a snapshot's topic); eventsourcing
# resolves such a topic only if it is registered for the class that now answers to it.
register_topic("tracker.domain:Track", Track)
