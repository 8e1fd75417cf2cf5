"""Read-model interface: what projections write and what queries read.

The projector accumulates a :class:`Batch` in memory and hands it to :meth:`ReadModel.write`
together with a ``Tracking`` record; implementations write both in ONE transaction, so a
crash resumes exactly after the last committed batch. ``projections.sql`` implements the
interface once in portable SQL; ``projections.sqlite`` and ``projections.postgres`` bind it to
eventsourcing's tracking recorders.

Timestamps are stored as fixed-width ISO strings (``ts``) so they compare lexically.

The briefing projection is kept in ``PARTITIONS`` partitions, each with its own tracking
row (:func:`tracking_name`) in the same table and its rows in the same tables: every
aggregate's events belong to exactly one partition (:func:`partition_of`), so partitions
never write the same row and can be projected by separate processes at once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.persistence import Notification, Tracking

#: ``valid_to`` of a row that is still current.
OPEN = "9999-12-31T23:59:59.999999Z"
PUBLISHED = "published"
RECORDED = "recorded"

#: The briefing projection. Before it was partitioned, also its one tracking name.
BRIEFING = "tracker.briefing"
#: How many partitions the briefing projection is kept in (a read model made for another
#: number is dropped and rebuilt when opened: ``projections.sql.SqlReadModel.create_table``).
PARTITIONS = 2


def tracking_name(part: int, partitions: int = PARTITIONS) -> str:
    """The tracking name of one partition of the briefing, e.g. ``tracker.briefing.0of2``."""
    return f"{BRIEFING}.{part}of{partitions}"


def partition_of(aggregate_id: UUID | str, partitions: int = PARTITIONS) -> int:
    """The partition an aggregate's events are projected by.

    The last byte of its id modulo ``partitions``: ids are uuid5 hashes, so that byte is
    evenly spread; the same id gives the same partition in every process (unlike ``hash()``
    of a string, which Python salts per process); and a database computes it from the stored
    id as easily (``ReadModel.notifications``). The same as the whole id's number modulo
    ``partitions`` when it divides 256.
    """
    if partitions == 1:
        return 0
    number = aggregate_id.int if isinstance(aggregate_id, UUID) else UUID(aggregate_id).int
    return (number & 0xFF) % partitions


def ts(dt: datetime) -> str:
    """Fixed-width UTC timestamp for storage (lexical order == time order)."""
    if dt.tzinfo is not UTC:
        dt = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    # isoformat is twice as fast as strftime, and this runs several times per event.
    return dt.isoformat(timespec="microseconds")[:26] + "Z"


@dataclass
class Head:
    """The latest folded state of one engagement (what the next in-order event builds on)."""

    engagement_id: str
    track: str
    state: dict[str, Any]
    open_published: str | None  # valid_from of the open published-clock row
    open_recorded: str | None  # valid_from of the open recorded-clock row
    last_key: str  # ts(published_at) + version of the last folded event (order check)
    version: int  # originator_version of the last processed event
    changes: int  # number of change rows written for it
    # JSON of the open rows (not stored: equal to ``state`` whenever a head is loaded).
    open_published_json: str = ""
    open_recorded_json: str = ""
    # entries a re-extraction withdrew (their later changes are the extractor's, not news)
    retracted: list[str] = field(default_factory=list)
    shown: Any = None  # open_recorded_json parsed (None: not yet); the projector's cache


@dataclass
class Batch:
    """Everything one projection step writes (see :meth:`ReadModel.write`)."""

    heads: dict[str, Head] = field(default_factory=dict)
    # (engagement_id, clock, valid_from) -> (track, valid_to, state_json)
    versions: dict[tuple[str, str, str], tuple[str, str, str]] = field(default_factory=dict)
    replaced: set[str] = field(default_factory=set)  # engagements whose published rows are redone
    # engagement id -> time from which on its published rows and changes are redone
    cuts: dict[str, str] = field(default_factory=dict)
    changes: list[tuple[Any, ...]] = field(default_factory=list)
    citations: list[tuple[Any, ...]] = field(default_factory=list)
    # (engagement_id, entry_id, before_version, retracted_at)
    retractions: list[tuple[str, str, int, str]] = field(default_factory=list)
    tracks: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    items: list[tuple[Any, ...]] = field(default_factory=list)
    # (track, entry_id, before_recorded, retracted_at)
    item_retractions: list[tuple[str, str, str, str]] = field(default_factory=list)
    feeds: dict[str, dict[str, Any]] = field(default_factory=dict)
    seen: dict[str, str] = field(default_factory=dict)  # engagement id -> latest recorded_at

    def __len__(self) -> int:
        return (
            len(self.versions)
            + len(self.changes)
            + len(self.citations)
            + len(self.items)
            + len(self.feeds)
            + len(self.heads)
        )


class SummarySource(NamedTuple):
    """What an engagement's evidence summary is made from (``ReadModel.summary_sources``)."""

    rows: list[dict[str, Any]]  # its standing citations, oldest first
    published: str  # from when on they all show on the published clock
    recorded: str  # ... and on the recorded clock (withdrawals included)
    meeting_date: str | None  # the engagement's date, as it stands


class ReadModel(ABC):
    """Tables behind the briefing, history, feeds and alerts, plus tracking."""

    # Implemented by eventsourcing's TrackingRecorder, which every read model also is.
    max_tracking_id: Any

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Make the queries inside the block share one read transaction, where supported."""
        yield

    @abstractmethod
    def write(self, batch: Batch, tracking: Tracking) -> None:
        """Write a batch and its tracking position atomically.

        Raises:
            eventsourcing.persistence.IntegrityError: the position was already recorded
                (another projector got there first); nothing is written.
        """

    @abstractmethod
    def notifications(
        self,
        events_table: str,
        after: int,
        until: int,
        limit: int,
        topics: Sequence[str],
        part: int = 0,
        partitions: int = 1,
    ) -> list[Notification]:
        """The log as the event store's recorder would list it, read in this database.

        Notifications of ``events_table`` (the store's) after ``after`` up to ``until``, of
        the given topics, whose originator is in partition ``part`` of ``partitions``
        (:func:`partition_of`, computed by the database: the others never leave it), oldest
        first, at most ``limit``.
        """

    @abstractmethod
    def load_heads(self, engagement_ids: list[str]) -> dict[str, Head]: ...

    @abstractmethod
    def published_states(self, engagement_id: str) -> list[tuple[str, str]]:
        """(valid_from, state JSON) of every published-clock row of one engagement."""

    @abstractmethod
    def first_cited_since(self, engagement_id: str, published_at: str) -> int | None:
        """The lowest event version of the engagement cited as published at or after a time."""

    @abstractmethod
    def load_feed_rows(self, names: list[str]) -> dict[str, dict[str, Any]]: ...

    @abstractmethod
    def reset(self) -> None:
        """Drop every projected row and tracking position (a rebuild starts from zero)."""

    # --- evidence summaries (projections.evidence) ------------------------------------
    @abstractmethod
    def stale_summaries(self, before: str) -> list[tuple[str, str]]:
        """(engagement id, seen) of engagements without a summary, quiet since ``before``."""

    @abstractmethod
    def summary_sources(self, engagement_ids: list[str]) -> dict[str, SummarySource]: ...

    @abstractmethod
    def save_summaries(self, summaries: list[tuple[str, str, SummarySource, Any]]) -> None:
        """Store (engagement id, seen, source, summary) unless the engagement moved since."""

    # --- queries -------------------------------------------------------------------
    @abstractmethod
    def engagement_states(self, track: str, clock: str, at: str) -> list[dict[str, Any]]: ...

    @abstractmethod
    def engagement_rows(
        self, track: str, clock: str, at: str, since: str | None = None
    ) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
        """Each engagement state valid at ``at``, with its evidence summary if it stands;
        with ``since``, not those quiet since before it whose meeting date is before it."""

    @abstractmethod
    def citations_of(self, engagement_ids: list[str], clock: str, at: str) -> list[dict[str, Any]]:
        """The citations of the engagements standing at ``at``, by engagement and published
        order: what counting needs (engagement id, version, field, story, times), not what a
        displayed one is shown with (:meth:`citation_details`)."""

    @abstractmethod
    def citation_details(self, rows: list[dict[str, Any]]) -> None:
        """Add entry id, extractor version, title, link and source to citation rows (read
        by ``citations_of`` or ``summary_sources``), in place."""

    @abstractmethod
    def citations(self, track: str, clock: str, at: str) -> list[dict[str, Any]]: ...

    @abstractmethod
    def latest_change(self, track: str) -> str | None:
        """When the latest change or track item of the track was published."""

    @abstractmethod
    def changes(
        self, track: str, *, since: str | None, until: str | None, clock: str, limit: int | None
    ) -> list[dict[str, Any]]: ...

    @abstractmethod
    def track_items(
        self,
        track: str,
        clock: str,
        at: str,
        since: str | None = None,
        kind: str | None = None,
    ) -> list[dict[str, Any]]:
        """Positions and development reports visible at ``at`` (published after ``since``;
        of one ``kind``), oldest first."""

    @abstractmethod
    def developments(
        self, track: str, clock: str, at: str, since: str | None = None
    ) -> list[dict[str, Any]]:
        """Per development reported after ``since``: the rows of its first and latest reports
        and ``n``, how many stories report it; by fact, oldest first."""

    @abstractmethod
    def track(self, slug: str) -> dict[str, Any] | None: ...

    @abstractmethod
    def tracks(self) -> list[dict[str, Any]]: ...

    @abstractmethod
    def feeds(self) -> list[dict[str, Any]]: ...

    @abstractmethod
    def counts(self) -> dict[str, int]: ...
