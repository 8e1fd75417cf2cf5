"""The Feed aggregate: a source we poll. Only polls that change something reach the log.

A new or revised entry, the start or end of a run of failures, a permanent redirect: each is
one event; an idle poll is not (the feed-state table in :mod:`tracker.feedstate` keeps those).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import register_topic

from tracker.domain import TrackerCreated, TrackerEvent, register_event_topics, stable_id


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
        return stable_id("feeds", name)

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


register_event_topics(Feed)

# Stores written before Feed moved out of tracker/domain.py name the class by its old path
# ("tracker.domain:Feed": a created event's originator_topic, a snapshot's topic); eventsourcing
# resolves such a topic only if it is registered for the class that now answers to it.
register_topic("tracker.domain:Feed", Feed)
