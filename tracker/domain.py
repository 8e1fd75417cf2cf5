"""The base every tracker event shares, and what the aggregates have in common.

The aggregates live in modules of their own: :mod:`tracker.feed` (Feed), :mod:`tracker.entry`
(Entry), :mod:`tracker.track` (Track) and :mod:`tracker.engagement` (Engagement); each
registers its event topics when it is imported.

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
from datetime import UTC, datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate
from eventsourcing.utils import register_topic


def forget_reports(facts: dict[str, dict[str, str]], entry_id: str) -> None:
    """Drop one entry from every fact's reports (``fact -> {entry id: story}``), in place;
    a fact left with no report is forgotten. Used by ``@event`` appliers: assign only."""
    for fact, reports in list(facts.items()):
        reports.pop(entry_id, None)
        if not reports:
            del facts[fact]


def stable_id(kind: str, *parts: str) -> UUID:
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
