"""The Entry aggregate: one raw feed entry, kept verbatim so a better extractor can re-read
history; with the story key that groups re-slugged copies and the evidence pointer a
briefing field keeps to an entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import register_topic

from tracker.domain import TrackerCreated, TrackerEvent, register_event_topics, stable_id
from tracker.values import Claim, EntryText, Evidence, content_hash


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
        return stable_id("entries", feed, identity)

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


register_event_topics(Entry)

# Stores written before Entry moved out of tracker/domain.py name the class by its old path
# ("tracker.domain:Entry": a created event's originator_topic, a snapshot's topic); eventsourcing
# resolves such a topic only if it is registered for the class that now answers to it.
register_topic("tracker.domain:Entry", Entry)
