"""Applying one entry's claims to one track: which engagement, and what it becomes.

:class:`EntryOnTrack` holds what every step needs (the unit of work, the track, the entry's
id, evidence and story key, the extractor's lookups) so the rules read as rules: lifecycle
claims move a meeting along, delegation claims set or change a party's head, a summit seats
its leaders, a floated leaders' meeting makes them expected at the talks it coincides with.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from tracker.application import UnitOfWork
from tracker.engagement import Engagement
from tracker.engagement_rules import LIFECYCLE, SUMMIT, TALKS
from tracker.matching import development_fact, find_engagement, previous_round
from tracker.track import Track
from tracker.values import Claim, ClaimType, DelegationLevel, Evidence

if TYPE_CHECKING:
    from tracker.interpret import Extractor

#: A meeting dated this long before the report is background, not news.
BACKGROUND = timedelta(days=45)


def as_plan(claim: Claim, kind: str, **changes: Any) -> Claim:
    """The same claim read as a plan (scheduled talks or summit) rather than a held meeting."""
    planned = ClaimType.SUMMIT_SCHEDULED if kind == SUMMIT else ClaimType.TALKS_SCHEDULED
    return replace(claim, type=planned, **changes)


def index(track: Track, eng: Engagement) -> None:
    """Keep the track's matching index current with the engagement."""
    track.index_engagement(
        eng.id,
        kind=eng.kind,
        parties=eng.parties,
        status=eng.status,
        venue=eng.venue,
        effective_on=eng.effective_on,
        delegations=eng.heads(),
        published_at=eng.last_published,
    )


@dataclass
class EntryOnTrack:
    """One entry's report, being applied to one track."""

    uow: UnitOfWork
    track: Track
    extractor: Extractor
    entry_id: UUID
    evidence: Evidence
    story: str

    @property
    def version(self) -> str:
        return self.extractor.version

    def apply(self, claim: Claim, position: int) -> str | None:
        """Apply one claim (``position`` in its entry); returns the target it touched."""
        if claim.type in LIFECYCLE:
            return self._lifecycle(claim, position)
        if claim.type is ClaimType.DELEGATION_ANNOUNCED:
            return self._delegation(claim, position)
        if claim.type is ClaimType.ATTENDANCE_DECLINED:
            eng = self._find(TALKS, claim, status=None)
            if eng is None:
                return None
            if eng.decline(claim, self.evidence, self.story, self.version):
                index(self.track, eng)
            return str(eng.id)
        if claim.type is ClaimType.POSITION_STATED:
            self.track.state_position(claim, self.evidence, self.version)
            return f"track:{self.track.slug}"
        if claim.negated:
            return None
        when = claim.date or self.evidence.published_at.date()
        fact = development_fact(
            self.track.facts, type=claim.type.value, parties=claim.parties, when=when
        )
        self.track.report_development(fact, claim, self.evidence, self.story, self.version)
        return f"track:{self.track.slug}"

    # ------------------------------------------------------------------ finding
    def _parties(self, claim: Claim) -> list[str]:
        parties = {p for p in (*claim.parties, claim.party) if p}
        if len(parties) < 2:
            parties |= set(self.track.parties)
        return sorted(parties)

    def _find(self, kind: str, claim: Claim, status: str | None) -> Engagement | None:
        match = functools.partial(
            find_engagement,
            kind=kind,
            venue=claim.venue,
            when=claim.date,
            status=status,
            published=self.evidence.published_at,
            country_of=self.extractor.venue_country,
        )
        own = {p for p in (*claim.parties, claim.party) if p}
        eid = None
        if len(own) == 1 and claim.venue:
            # "Kremlin confirms Alaska summit": one side and a place. A meeting of that side
            # at that place is the one meant, whoever the other side is (the track's other
            # party made it a new Russia-Ukraine summit in Alaska).
            placed = {i: e for i, e in self.track.index.items() if e.get("venue")}
            eid = match(placed, parties=sorted(own))
        if eid is None:
            eid = match(self.track.index, parties=self._parties(claim))
        return self.uow.get(UUID(eid)) if eid else None

    def _open(self, kind: str, claim: Claim, position: int) -> Engagement:
        eng = Engagement(
            track=self.track.slug,
            kind=kind,
            parties=self._parties(claim),
            published_at=self.evidence.published_at,
            opened_by=f"{self.entry_id}:{position}",
        )
        self.uow.add(eng)
        return eng

    # ------------------------------------------------------------------ rules
    def _lifecycle(self, claim: Claim, position: int) -> str | None:
        kind, status = LIFECYCLE[claim.type]
        published = self.evidence.published_at.date()
        if status == "held" and claim.date is not None and claim.date > published:
            # Nothing is held after it is reported: a dated "held" ahead of publication is a plan.
            status = "scheduled"
            claim = as_plan(claim, kind)
        if claim.date is not None and claim.date < published - BACKGROUND:
            # "The sides last met in Istanbul in 2022": background, not news.
            return None
        if claim.negated:
            # A denial links to the rumour it denies; with no such rumour there is nothing to do.
            eng = self._find(kind, claim, status=None)
            if eng is None:
                return None
            if eng.report_status(claim, self.evidence, self.story, self.version) == "ignored":
                return None
            index(self.track, eng)
            return str(eng.id)
        eng = self._find(kind, claim, status=status)
        if eng is None:
            if claim.evidence_field == "summary" and claim.confidence < 1.0:
                # An untensed aside in a summary may confirm a known meeting, not invent one.
                return None
            eng = self._open(kind, claim, position)
        elif status == "held" and eng.effective_on is not None and eng.effective_on > published:
            # Reported as held before the day it is set for: the report is about the plan.
            claim = as_plan(claim, kind, date=None)
        claim = self._keep_sharper_venue(eng, claim)
        eng.report_status(claim, self.evidence, self.story, self.version)
        if kind == SUMMIT and status in ("scheduled", "held"):
            self._leaders_attend(eng, claim)
        index(self.track, eng)
        if kind == SUMMIT and status == "rumored" and (claim.venue or claim.date):
            self._expect_leaders(claim)
        return str(eng.id)

    def _keep_sharper_venue(self, eng: Engagement, claim: Claim) -> Claim:
        """Drop a claim's venue when it is just the country of the place already known
        ("held in the United States" about a summit known to be in Anchorage)."""
        if not (claim.venue and eng.venue) or claim.venue == eng.venue:
            return claim
        kind_of = getattr(self.extractor, "place_kind", lambda v: None)
        country = self.extractor.venue_country
        if kind_of(claim.venue) == "country" and country(claim.venue) == country(eng.venue):
            return replace(claim, venue=None)
        return claim

    def _leaders_attend(self, eng: Engagement, claim: Claim) -> None:
        """A summit is a meeting of leaders: each party's leader heads its side (the one the
        report names, when it names one: Poland's prime minister rather than its president)."""
        on = eng.effective_on or self.evidence.published_at.date()
        lookup = getattr(self.extractor, "named_leaders", None)
        named: dict[str, tuple[str, str | None]] = lookup(claim.evidence, on) if lookup else {}
        for party in eng.parties:
            if eng.delegation(party) is not None:
                continue
            name, title = named.get(party, (None, None))
            if name is None:
                name = self.extractor.leader_of(party, on)
                if name is None:
                    continue
                title = getattr(self.extractor, "leader_title", lambda p, d: None)(party, on)
            implied = Claim(
                type=ClaimType.DELEGATION_ANNOUNCED,
                party=party,
                parties=tuple(eng.parties),
                head=name,
                head_title=title or "head of state or government",
                level=DelegationLevel.LEADER,
                evidence=claim.evidence,
                evidence_field=claim.evidence_field,
                confidence=claim.confidence,
            )
            eng.announce_delegation(implied, self.evidence, self.story, self.version)

    def _expect_leaders(self, claim: Claim) -> None:
        """A floated leaders' meeting at the time and place of planned talks: leaders expected."""
        talks = self._find(TALKS, claim, status=None)
        if talks is None or talks.status in ("held", "cancelled"):
            return
        on = claim.date or self.evidence.published_at.date()
        changed = False
        for party in claim.parties:
            if party in talks.parties:
                person = self.extractor.leader_of(party, on)
                changed |= talks.expect(
                    party,
                    person,
                    DelegationLevel.LEADER,
                    claim,
                    self.evidence,
                    self.story,
                    self.version,
                )
        if changed:
            index(self.track, talks)

    def _delegation(self, claim: Claim, position: int) -> str | None:
        party = claim.party or (claim.parties[0] if claim.parties else None)
        if party is None:
            return None
        eng = self._find(TALKS, claim, status=None)
        if eng is None:
            eng = self._open(TALKS, claim, position)
            index(self.track, eng)
        prev = previous_round(self.track.index, engagement_id=str(eng.id), kind=TALKS, party=party)
        eng.announce_delegation(claim, self.evidence, self.story, self.version, previous_round=prev)
        index(self.track, eng)
        return str(eng.id)
