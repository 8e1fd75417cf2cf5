"""The Engagement aggregate: one meeting's lifecycle, its delegations and its evidence.

An engagement is a meeting of the parties of a track: ``talks`` (any level) or a ``summit``
(leaders). Claims from many entries update one engagement: the first report of a fact is a
lifecycle event (``TalksScheduled`` …), every further report of the same fact is
``EvidenceAdded`` (fifty outlets, one fact, fifty sources), a disagreement is
``ClaimConflicted``, and a delegation whose level moves is ``DelegationChanged``.

Every claim-bearing event carries the claim, its evidence, the extractor version and the
three clocks, so projections can re-fold the facts in *published* order (a backfilled entry
lands where it belongs) while the aggregate decides in *recorded* order (which is what alerts
need: they fire when we learn something). The rules it follows (statuses, who takes part, the
day a meeting was held) are in :mod:`tracker.engagement_rules`, shared with the briefing.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from tracker.domain import (
    TrackerCreated,
    TrackerEvent,
    forget_reports,
    register_event_topics,
    stable_id,
)
from tracker.engagement_rules import (
    EVENT_FOR_STATUS,
    LIFECYCLE,
    STATUS_OF_EVENT,
    SUMMIT,
    held_on,
    next_status,
    same_head,
    takes_part,
)
from tracker.values import Claim, ClaimType, DelegationLevel, Evidence


class ClaimEvent(TrackerEvent):
    """Base of the events that record what one entry said about this engagement."""

    claim: Claim
    evidence: Evidence
    extractor_version: str
    published_at: datetime
    effective_on: date | None
    story: str
    fact_key: str


class Engagement(Aggregate):
    """A meeting between the parties of a track, followed through its lifecycle."""

    class Opened(TrackerCreated):
        TOPIC = "tracker.Engagement.Opened.v1"
        track: str
        kind: str
        parties: list[str]
        published_at: datetime
        opened_by: str

    class TalksProposed(ClaimEvent):
        TOPIC = "tracker.Engagement.TalksProposed.v1"

    class TalksScheduled(ClaimEvent):
        TOPIC = "tracker.Engagement.TalksScheduled.v1"

    class TalksRescheduled(ClaimEvent):
        TOPIC = "tracker.Engagement.TalksRescheduled.v1"

    class TalksHeld(ClaimEvent):
        TOPIC = "tracker.Engagement.TalksHeld.v1"

    class TalksCancelled(ClaimEvent):
        TOPIC = "tracker.Engagement.TalksCancelled.v1"

    class SummitRumored(ClaimEvent):
        TOPIC = "tracker.Engagement.SummitRumored.v1"

    class SummitConfirmed(ClaimEvent):
        TOPIC = "tracker.Engagement.SummitConfirmed.v1"

    class SummitHeld(ClaimEvent):
        TOPIC = "tracker.Engagement.SummitHeld.v1"

    class SummitCancelled(ClaimEvent):
        TOPIC = "tracker.Engagement.SummitCancelled.v1"

    class RumourDenied(ClaimEvent):
        TOPIC = "tracker.Engagement.RumourDenied.v1"

    class DelegationExpected(ClaimEvent):
        """A party's delegation is expected to be led by someone (invited, challenged, rumoured)."""

        TOPIC = "tracker.Engagement.DelegationExpected.v1"
        party: str
        person: str | None
        level: DelegationLevel | None

    class DelegationChanged(ClaimEvent):
        """Who leads a party's delegation changed (``old_*`` is what we knew before).

        ``basis`` says where the old value came from: ``announced`` (an earlier report for this
        engagement), ``expected`` (an expected head, e.g. a leader challenged to attend),
        ``previous_round`` (the party's head at its previous round of the track) or ``none``.
        """

        TOPIC = "tracker.Engagement.DelegationChanged.v1"
        party: str
        head: str | None
        head_title: str | None
        level: DelegationLevel | None
        old_head: str | None
        old_level: DelegationLevel | None
        basis: str
        previous_engagement: str | None

    class AttendanceDeclined(ClaimEvent):
        TOPIC = "tracker.Engagement.AttendanceDeclined.v1"
        party: str | None
        person: str | None

    class EvidenceAdded(ClaimEvent):
        """One more source for a fact already known (``fact`` names it)."""

        TOPIC = "tracker.Engagement.EvidenceAdded.v1"

    class ClaimConflicted(ClaimEvent):
        """A report disagrees with what is known (kept side by side until resolved)."""

        TOPIC = "tracker.Engagement.ClaimConflicted.v1"
        field: str
        value: Any
        current: Any

    class ClaimRetracted(TrackerEvent):
        """A newer extractor no longer reads these claims in the entry."""

        TOPIC = "tracker.Engagement.ClaimRetracted.v1"
        entry_id: str
        extractor_version: str
        published_at: datetime

    _EVENT_FOR_STATUS: ClassVar[dict[tuple[str, str], str]] = EVENT_FOR_STATUS

    @staticmethod
    def create_id(track: str, kind: str, opened_by: str) -> UUID:
        """Deterministic: the track, the kind and the entry+claim that first reported it."""
        return stable_id("engagements", track, kind, opened_by)

    @event(Opened)
    def __init__(
        self, track: str, kind: str, parties: list[str], published_at: datetime, opened_by: str
    ) -> None:
        self.track = track
        self.kind = kind
        self.parties = sorted(set(parties))
        self.status = "rumored" if kind == SUMMIT else "proposed"
        self.venue: str | None = None
        self.effective_on: date | None = None
        self.first_published = published_at
        self.last_published = published_at
        # party -> {"head", "head_title", "level", "entry_id", "published_at"} (latest first)
        self.delegations: dict[str, list[dict[str, Any]]] = {}
        # party -> {"person", "level", "entry_id", "declined"}
        self.expected: dict[str, dict[str, Any]] = {}
        # fact key -> {entry id: story key} of every report of it
        self.facts: dict[str, dict[str, str]] = {}
        self.reported_status = False

    # ------------------------------------------------------------------ queries
    def delegation(self, party: str) -> dict[str, Any] | None:
        history = self.delegations.get(party)
        return history[-1] if history else None

    def heads(self) -> dict[str, dict[str, str | None]]:
        """party -> {"head", "level"} of the current delegation heads (for the track index)."""
        out: dict[str, dict[str, str | None]] = {}
        for party in self.delegations:
            d = self.delegation(party)
            if d is not None:
                out[party] = {"head": d.get("head"), "level": d.get("level")}
        return out

    def seen(self, fact: str, evidence: Evidence, story: str) -> bool:
        reports = self.facts.get(fact, {})
        return evidence.entry_id in reports or story in reports.values()

    # ------------------------------------------------------------------ commands
    def report_status(
        self, claim: Claim, evidence: Evidence, story: str, extractor_version: str
    ) -> str:
        """Apply a lifecycle claim; returns what it became (``new``, ``evidence``, ``seen`` …)."""
        kind, status = LIFECYCLE[claim.type]
        common = self._common(claim, evidence, extractor_version)
        if claim.negated:
            if claim.type is ClaimType.SUMMIT_RUMORED or kind == SUMMIT:
                fact = "denied"
                if self.seen(fact, evidence, story):
                    return "seen"
                self._record(self.RumourDenied, story=story, fact=fact, **common)
                return "denied"
            return "ignored"
        fact = f"status:{status}"
        if self.seen(fact, evidence, story):
            return "seen"
        conflict = self._date_conflict(status, claim)
        if conflict is not None:
            self._record(
                self.ClaimConflicted,
                story=story,
                fact=f"conflict:date:{claim.date}",
                field="date",
                value=claim.date.isoformat() if claim.date else None,
                current=conflict,
                **common,
            )
            return "conflict"
        if fact in self.facts:
            self._record(self.EvidenceAdded, story=story, fact=fact, **common)
            return "evidence"
        cls = getattr(self, self._EVENT_FOR_STATUS[(self.kind, status)])
        self._record(cls, story=story, fact=fact, **common)
        return "new"

    def expect(
        self,
        party: str,
        person: str | None,
        level: DelegationLevel | None,
        claim: Claim,
        evidence: Evidence,
        story: str,
        extractor_version: str,
    ) -> bool:
        """Note that ``party`` is expected to send ``person``/``level`` (e.g. a leader)."""
        fact = f"expected:{party}:{person or level}"
        if self.seen(fact, evidence, story) or self.delegation(party) is not None:
            return False
        self._record(
            self.DelegationExpected,
            story=story,
            fact=fact,
            party=party,
            person=person,
            level=level,
            **self._common(claim, evidence, extractor_version),
        )
        return True

    def announce_delegation(
        self,
        claim: Claim,
        evidence: Evidence,
        story: str,
        extractor_version: str,
        previous_round: tuple[str, str | None, DelegationLevel | None] | None = None,
    ) -> str:
        """Apply a ``delegation_announced`` claim.

        ``previous_round`` is (engagement id, head, level) of the party's last round of the
        track, used as the comparison point when this engagement has no head yet.
        """
        party = claim.party or (claim.parties[0] if claim.parties else None)
        if party is None or (claim.head is None and claim.level is None):
            return "ignored"
        if claim.hedged:
            ok = self.expect(
                party, claim.head, claim.level, claim, evidence, story, extractor_version
            )
            return "expected" if ok else "seen"
        common = self._common(claim, evidence, extractor_version)
        current = self.delegation(party)
        who = claim.head or (claim.level.value if claim.level else "")
        fact = f"delegation:{party}:{who.lower()}"
        if self.seen(fact, evidence, story):
            return "seen"
        if current is not None and same_head(current, claim):
            self._record(self.EvidenceAdded, story=story, fact=fact, **common)
            return "evidence"
        old_head: str | None = None
        old_level: DelegationLevel | None = None
        previous: str | None = None
        basis = "none"
        expected = self.expected.get(party)
        if current is not None:
            old_head, old_level, basis = current["head"], current["level"], "announced"
        elif expected is not None and not expected.get("declined_only"):
            old_head, old_level, basis = expected["person"], expected["level"], "expected"
        elif previous_round is not None:
            previous, old_head, old_level = previous_round
            basis = "previous_round"
        self._record(
            self.DelegationChanged,
            story=story,
            fact=fact,
            party=party,
            head=claim.head,
            head_title=claim.head_title,
            level=claim.level,
            old_head=old_head,
            old_level=DelegationLevel.parse(old_level),
            basis=basis,
            previous_engagement=previous,
            **common,
        )
        return "changed"

    def decline(self, claim: Claim, evidence: Evidence, story: str, extractor_version: str) -> bool:
        fact = f"declined:{claim.party}:{(claim.person or '').lower()}"
        if self.seen(fact, evidence, story):
            return False
        self._record(
            self.AttendanceDeclined,
            story=story,
            fact=fact,
            party=claim.party,
            person=claim.person,
            **self._common(claim, evidence, extractor_version),
        )
        return True

    def retract(self, entry_id: str, extractor_version: str, published_at: datetime) -> bool:
        """Withdraw everything ``entry_id`` contributed (a re-extraction reads it differently)."""
        if not any(entry_id in ids for ids in self.facts.values()):
            return False
        self._claims_retracted(
            entry_id=entry_id, extractor_version=extractor_version, published_at=published_at
        )
        return True

    # ------------------------------------------------------------------ helpers
    def _common(self, claim: Claim, evidence: Evidence, extractor_version: str) -> dict[str, Any]:
        return {
            "claim": claim,
            "evidence": evidence,
            "extractor_version": extractor_version,
            "published_at": evidence.published_at,
            "effective_on": claim.date,
        }

    def _date_conflict(self, status: str, claim: Claim) -> str | None:
        """The known date when a non-rescheduling claim names a different day, else None."""
        if (
            status in ("scheduled", "proposed")
            and claim.date is not None
            and self.effective_on is not None
            and claim.date != self.effective_on
            and self.status in ("scheduled", "rescheduled")
            and claim.date_precision.value == "day"
        ):
            return self.effective_on.isoformat()
        return None

    def _record(self, cls: type[ClaimEvent], *, story: str, fact: str, **kwargs: Any) -> None:
        self.trigger_event(cls, story=story, fact_key=fact, **kwargs)

    @event(ClaimRetracted)
    def _claims_retracted(
        self, entry_id: str, extractor_version: str, published_at: datetime
    ) -> None:
        forget_reports(self.facts, entry_id)
        for party, history in list(self.delegations.items()):
            self.delegations[party] = [d for d in history if d["entry_id"] != entry_id]
            if not self.delegations[party]:
                del self.delegations[party]
        for party, exp in list(self.expected.items()):
            if exp.get("entry_id") == entry_id:
                del self.expected[party]


def _apply_claim_event(e: Any, self: Engagement) -> None:
    """Shared state update for every claim-bearing event (runs on replay: assign only)."""
    self.facts.setdefault(e.fact_key, {})[e.evidence.entry_id] = e.story
    self.last_published = max(self.last_published, e.published_at)
    claim: Claim = e.claim
    if takes_part(claim):
        self.parties = sorted({*self.parties, *claim.parties})
    if isinstance(e, Engagement.DelegationChanged):
        self.delegations.setdefault(e.party, []).append(
            {
                "head": e.head,
                "head_title": e.head_title,
                "level": e.level.value if e.level else None,
                "entry_id": e.evidence.entry_id,
                "published_at": e.published_at.isoformat(),
            }
        )
    elif isinstance(e, Engagement.DelegationExpected):
        self.expected[e.party] = {
            "person": e.person,
            "level": e.level.value if e.level else None,
            "entry_id": e.evidence.entry_id,
        }
    elif isinstance(e, Engagement.AttendanceDeclined):
        exp = self.expected.get(e.party or "")
        if exp is not None:
            exp["declined"] = True
    elif type(e).__name__ in STATUS_OF_EVENT:
        status = STATUS_OF_EVENT[type(e).__name__]
        self.status = next_status(
            self.status,
            status,
            first=not self.reported_status,
            same_day=claim.date is None or claim.date == self.effective_on,
        )
        self.reported_status = True
        if claim.venue:
            self.venue = claim.venue
        day = held_on(status, claim, e.published_at)
        if day is not None and (
            status == "rescheduled"
            or self.effective_on is None
            or (status == "held" and claim.date is not None)
        ):
            self.effective_on = day
    elif isinstance(e, Engagement.EvidenceAdded):
        if claim.venue and not self.venue:
            self.venue = claim.venue
        if claim.date is not None and self.effective_on is None:
            self.effective_on = claim.date


def _install_appliers() -> None:
    """Give every claim event the shared ``apply`` (``trigger_event`` calls ``event.apply``)."""
    for name in dir(Engagement):
        cls = getattr(Engagement, name)
        if isinstance(cls, type) and issubclass(cls, ClaimEvent):
            cls.apply = _apply_claim_event  # type: ignore[method-assign,assignment]


_install_appliers()
register_event_topics(Engagement)
