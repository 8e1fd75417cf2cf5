"""Aggregates for feeds, entries and tracks, and the base every tracker event shares.

Every event class carries an explicit, versioned ``TOPIC`` (``"tracker.Feed.Polled.v1"``);
that string, not the Python class path, is what the store records, so classes can move or be
renamed without breaking old logs (a changed shape gets ``.v2`` plus an upcaster). Every event
that reports news carries the three clocks: ``effective_on`` (when it happens in the world),
``published_at`` (when the source published it) and ``recorded_at`` (the event's own
``timestamp``: when we appended it).

Conventions (STYLE.md): public methods validate and decide; the private ``@event`` methods only
assign, because they re-run on every replay (no I/O, no clock, no raising).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from typing import Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import register_topic

from tracker.values import Claim, EntryText, Evidence, content_hash


def forget_reports(facts: dict[str, dict[str, str]], entry_id: str) -> None:
    """Drop one entry from every fact's reports (``fact -> {entry id: story}``), in place;
    a fact left with no report is forgotten. Used by ``@event`` appliers: assign only."""
    for fact, reports in list(facts.items()):
        reports.pop(entry_id, None)
        if not reports:
            del facts[fact]


def _stable_id(kind: str, *parts: str) -> UUID:
    return uuid5(NAMESPACE_URL, "/tracker/" + kind + "/" + "/".join(parts))


_RECORDING_CLOCK: ContextVar[Callable[[], datetime] | None] = ContextVar(
    "tracker_recording_clock", default=None
)


@contextmanager
def recording_clock(clock: Callable[[], datetime] | None) -> Iterator[None]:
    """Stamp events created inside the block with ``clock()`` as their ``recorded_at``.

    The domain never reads a clock itself; eventsourcing stamps each event when it is
    created. Tests and the recorded demo replace that stamp to control the recorded clock.
    """
    token = _RECORDING_CLOCK.set(clock)
    try:
        yield
    finally:
        _RECORDING_CLOCK.reset(token)


class TrackerEvent(Aggregate.Event):
    """Base of every tracker event. Subclasses set ``TOPIC``; eventsourcing registers it."""

    @staticmethod
    def create_timestamp() -> datetime:
        clock = _RECORDING_CLOCK.get()
        return clock() if clock is not None else datetime.now(UTC)

    @property
    def recorded_at(self) -> datetime:
        """When this system appended the event (eventsourcing's own timestamp)."""
        return self.timestamp


class TrackerCreated(TrackerEvent, Aggregate.Created):
    """Base of the tracker's "created" events (explicit topics, like every other event)."""


#: Every tracker event class by its stable topic.
TOPICS: dict[str, type] = {}


def register_event_topics(*aggregate_classes: type[Aggregate]) -> None:
    """Make each nested event's ``TOPIC`` resolve to the class the aggregate really uses.

    eventsourcing writes ``TOPIC`` when a class has one, but resolves a topic only once it is
    registered; and its metaclass re-derives nested event classes, so the class to register
    is the one reachable as ``Aggregate.EventName`` after the aggregate class is built.

    Raises:
        TypeError: two different event classes claim the same topic, or one has none.
    """
    for agg in aggregate_classes:
        for name in dir(agg):
            cls = getattr(agg, name)
            if not (isinstance(cls, type) and issubclass(cls, TrackerEvent)):
                continue
            topic = getattr(cls, "TOPIC", None)
            if not topic:
                if name in ("Event", "Created"):
                    continue
                raise TypeError(f"{agg.__name__}.{name} has no TOPIC")
            if TOPICS.get(topic, cls) is not cls:
                raise TypeError(f"duplicate event topic {topic}")
            if topic not in TOPICS:
                TOPICS[topic] = cls
                register_topic(topic, cls)


# --------------------------------------------------------------------------------------
# Feed: a source we poll. Only polls that change something reach the log.
# --------------------------------------------------------------------------------------


class Feed(Aggregate):
    """A polled feed. Idle polls are not events; the health table keeps those."""

    class Registered(TrackerCreated):
        TOPIC = "tracker.Feed.Registered.v1"
        name: str
        url: str

    class Polled(TrackerEvent):
        """A poll brought new or revised entries."""

        TOPIC = "tracker.Feed.Polled.v1"
        polled_at: datetime
        new_entries: int
        revised_entries: int
        http_status: int | None

    class FailureStarted(TrackerEvent):
        TOPIC = "tracker.Feed.FailureStarted.v1"
        failed_at: datetime
        error: str
        kind: str

    class FailureEnded(TrackerEvent):
        TOPIC = "tracker.Feed.FailureEnded.v1"
        recovered_at: datetime
        failures: int

    class Moved(TrackerEvent):
        """A permanent redirect: the feed lives at a new URL from now on."""

        TOPIC = "tracker.Feed.Moved.v1"
        old_url: str
        new_url: str

    @staticmethod
    def create_id(name: str) -> UUID:
        return _stable_id("feeds", name)

    @event(Registered)
    def __init__(self, name: str, url: str) -> None:
        self.name = name
        self.url = url
        self.entries = 0
        self.failing_since: datetime | None = None
        self.failures = 0
        self.last_error: str | None = None

    def record_poll(
        self, *, polled_at: datetime, new: int, revised: int, http_status: int | None
    ) -> None:
        """Note a successful poll; logs only if it brought something or ends a failure."""
        if self.failing_since is not None:
            self._failure_ended(recovered_at=polled_at, failures=self.failures)
        if new or revised:
            self._polled(
                polled_at=polled_at,
                new_entries=new,
                revised_entries=revised,
                http_status=http_status,
            )

    def record_failure(self, *, failed_at: datetime, error: str, kind: str) -> None:
        """Note a failed poll; only the first of a run of failures reaches the log."""
        if self.failing_since is None:
            self._failure_started(failed_at=failed_at, error=error, kind=kind)

    def move(self, new_url: str) -> None:
        if new_url and new_url != self.url:
            self._moved(old_url=self.url, new_url=new_url)

    @event(Polled)
    def _polled(
        self, polled_at: datetime, new_entries: int, revised_entries: int, http_status: int | None
    ) -> None:
        self.entries += new_entries

    @event(FailureStarted)
    def _failure_started(self, failed_at: datetime, error: str, kind: str) -> None:
        self.failing_since = failed_at
        self.failures = 1
        self.last_error = error

    @event(FailureEnded)
    def _failure_ended(self, recovered_at: datetime, failures: int) -> None:
        self.failing_since = None
        self.failures = 0

    @event(Moved)
    def _moved(self, old_url: str, new_url: str) -> None:
        self.url = new_url


# --------------------------------------------------------------------------------------
# Entry: one raw feed entry, kept verbatim so a better extractor can re-read history.
# --------------------------------------------------------------------------------------


def story_key(source: str, title: str) -> str:
    """A key that stays the same when a publisher re-slugs a story under a new URL."""
    norm = " ".join(title.lower().split())
    return content_hash(source, norm)[:24]


class Entry(Aggregate):
    """A raw feed entry (immutable text; a publisher's later edit is a revision event).

    The id is ``uuid5`` of feed name + identity (guid, else link, else a hash of title and
    published time), so recording the same entry twice is a no-op. The entry also carries
    the claims the extractor read from it, with the extractor version, so re-extraction can
    tell which changes come from the extractor and which from the news.
    """

    class Recorded(TrackerCreated):
        TOPIC = "tracker.Entry.Recorded.v1"
        feed: str
        identity: str
        guid: str | None
        link: str | None
        title: str
        summary: str
        author: str | None
        published_at: datetime
        published_inferred: bool
        content_hash: str
        story: str
        extractor_version: str
        claims: list[Claim]
        tracks: list[str]
        targets: list[str]

    class Revised(TrackerEvent):
        TOPIC = "tracker.Entry.Revised.v1"
        title: str
        summary: str
        link: str | None
        published_at: datetime
        content_hash: str
        story: str
        extractor_version: str
        claims: list[Claim]
        tracks: list[str]
        targets: list[str]

    class Reinterpreted(TrackerEvent):
        """A newer extractor read the same text differently."""

        TOPIC = "tracker.Entry.Reinterpreted.v1"
        extractor_version: str
        claims: list[Claim]
        tracks: list[str]
        targets: list[str]

    #: A publisher that rewrites an entry on every fetch stops producing revisions here.
    MAX_REVISIONS: ClassVar[int] = 8

    @staticmethod
    def create_id(feed: str, identity: str) -> UUID:
        return _stable_id("entries", feed, identity)

    @event(Recorded)
    def __init__(
        self,
        feed: str,
        identity: str,
        guid: str | None,
        link: str | None,
        title: str,
        summary: str,
        author: str | None,
        published_at: datetime,
        published_inferred: bool,
        content_hash: str,
        story: str,
        extractor_version: str,
        claims: list[Claim],
        tracks: list[str],
        targets: list[str],
    ) -> None:
        self.feed = feed
        self.identity = identity
        self.guid = guid
        self.link = link
        self.title = title
        self.summary = summary
        self.author = author
        self.published_at = published_at
        self.published_inferred = published_inferred
        self.content_hash = content_hash
        self.story = story
        self.revisions = 0
        self._read(extractor_version, claims, tracks, targets)

    def can_revise(self, new_hash: str) -> bool:
        """True when ``new_hash`` is new content and the churn cap is not reached."""
        return new_hash != self.content_hash and self.revisions < self.MAX_REVISIONS

    def revise(
        self,
        *,
        title: str,
        summary: str,
        link: str | None,
        published_at: datetime,
        content_hash: str,
        story: str,
        extractor_version: str,
        claims: list[Claim],
        tracks: list[str],
        targets: list[str],
    ) -> bool:
        """Record the publisher's edit; returns False (and logs nothing) past the churn cap."""
        if not self.can_revise(content_hash):
            return False
        self._revised(
            title=title,
            summary=summary,
            link=link,
            published_at=published_at,
            content_hash=content_hash,
            story=story,
            extractor_version=extractor_version,
            claims=claims,
            tracks=tracks,
            targets=targets,
        )
        return True

    def reinterpret(
        self, *, extractor_version: str, claims: list[Claim], tracks: list[str], targets: list[str]
    ) -> bool:
        """Record a re-extraction; logs nothing when the reading did not change."""
        if claims == self.claims and tracks == self.tracks:
            return False
        self._reinterpreted(
            extractor_version=extractor_version, claims=claims, tracks=tracks, targets=targets
        )
        return True

    def text(self) -> EntryText:
        return EntryText(
            title=self.title,
            summary=self.summary,
            published_at=self.published_at,
            link=self.link,
            source=self.feed,
            id=str(self.id),
        )

    def _read(
        self, extractor_version: str, claims: list[Claim], tracks: list[str], targets: list[str]
    ) -> None:
        self.extractor_version = extractor_version
        self.claims = list(claims)
        self.tracks = list(tracks)
        # engagement ids / "track:<slug>" this entry's claims were applied to (for retraction)
        self.targets = list(targets)

    @event(Revised)
    def _revised(
        self,
        title: str,
        summary: str,
        link: str | None,
        published_at: datetime,
        content_hash: str,
        story: str,
        extractor_version: str,
        claims: list[Claim],
        tracks: list[str],
        targets: list[str],
    ) -> None:
        self.title, self.summary, self.link = title, summary, link
        self.published_at, self.content_hash, self.story = published_at, content_hash, story
        self.revisions += 1
        self._read(extractor_version, claims, tracks, targets)

    @event(Reinterpreted)
    def _reinterpreted(
        self, extractor_version: str, claims: list[Claim], tracks: list[str], targets: list[str]
    ) -> None:
        self._read(extractor_version, claims, tracks, targets)


def evidence_for(
    entry_id: UUID,
    *,
    title: str,
    link: str | None,
    feed: str,
    published_at: datetime,
    extractor_version: str,
    span: str = "",
) -> Evidence:
    """The pointer a briefing field keeps to the entry behind it."""
    return Evidence(
        entry_id=str(entry_id),
        title=title,
        link=link,
        source=feed,
        published_at=published_at,
        extractor_version=extractor_version,
        span=span,
    )


# --------------------------------------------------------------------------------------
# Track: a situation followed over time; keeps the index used to match claims to meetings
# and the track-level developments (positions, ceasefires, prisoner exchanges).
# --------------------------------------------------------------------------------------


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
        return _stable_id("tracks", slug)

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


register_event_topics(Feed, Entry, Track)
