"""The composition root: ``make_tracker(config, store_url)`` wires every part together.

Nothing is built at import time. Tests and the CLI call :func:`make_tracker` with the config
and store they want, and may inject the extractor and the clock.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import Environment

from tracker.application import TrackerApp, ensure_tracks
from tracker.config import Config
from tracker.errors import StoreError
from tracker.interpret import Extractor, Interpreter, SimpleExtractor, effective_tracks
from tracker.store import StoreConfig, check_reachable, parse_store_url

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def default_extractor(config: Config) -> Extractor:
    """The bundled extractor with the user's actor overrides from feeds.yaml."""
    from tracker import extract

    dictionaries = extract.load_dictionaries(config.actors)
    # A partial, not a closure: the extractor must pickle, so that large polls can run it
    # in their parse worker processes (tracker.ingest).
    return SimpleExtractor(
        fn=functools.partial(extract.extract, dictionaries=dictionaries),
        version=extract.EXTRACTOR_VERSION,
        mentions_fn=dictionaries.mentions,
        venue_country_fn=dictionaries.venue_country,
        leader_of_fn=dictionaries.leader_of,
        leader_title_fn=functools.partial(_leader_title, dictionaries),
        named_leaders_fn=functools.partial(_named_leaders, dictionaries),
        place_kind_fn=functools.partial(_place_kind, dictionaries),
    )


def _place_kind(dictionaries: Any, venue: str) -> str | None:
    place = dictionaries.place(venue)
    return place.kind if place is not None else None


def _leader_title(dictionaries: Any, party: str, on: Any) -> str | None:
    """The title of the office the party's leader held on a day (e.g. "president")."""
    name = dictionaries.leader_of(party, on)
    actor = dictionaries.actor(name) if name else None
    office = actor.office_on(on) if actor is not None else None
    return office.title if office is not None else None


def _named_leaders(dictionaries: Any, text: str, on: Any) -> dict[str, tuple[str, str | None]]:
    """Party -> (name, title) of the leaders a text names who held a leader's office on a day
    ("Macron, Merz, Starmer and Tusk travelled to Kyiv": Tusk, not Poland's president)."""
    from tracker.extract.mentions import find_mentions
    from tracker.values import DelegationLevel

    out: dict[str, tuple[str, str | None]] = {}
    for m in find_mentions(text, dictionaries, on):
        if m.kind == "person" and m.party and m.head and m.level is DelegationLevel.LEADER:
            out.setdefault(m.party, (m.head, m.title))
    return out


def open_read_model(store: StoreConfig, env: dict[str, str]) -> Any:
    """The read model (projection tables + tracking) for the store's backend."""
    if store.backend == "sqlite":
        from eventsourcing.sqlite import SQLiteFactory

        from projections.sqlite import SQLiteReadModel

        return SQLiteFactory(Environment("views", env)).tracking_recorder(SQLiteReadModel)
    from eventsourcing.postgres import PostgresFactory

    from projections.postgres import PostgresReadModel

    return PostgresFactory(Environment("views", env)).tracking_recorder(PostgresReadModel)


@dataclass
class Tracker:
    """Everything a command needs: config, event store, read model, projector, interpreter."""

    config: Config
    store: StoreConfig
    app: TrackerApp
    view: Any
    interpreter: Interpreter
    clock: Clock = system_clock
    #: Stamp for ``recorded_at`` (None: the real time). The recorded demo sets it.
    recording_clock: Clock | None = None
    _projector: Any = field(default=None, repr=False)
    _feed_states: Any = field(default=None, repr=False)

    @property
    def projector(self) -> Any:
        if self._projector is None:
            from projections.projector import BriefingProjector

            self._projector = BriefingProjector(self.app, self.view)
        return self._projector

    @property
    def feed_states(self) -> Any:
        """Per-feed poll state (validators, health) in the store's own database."""
        if self._feed_states is None:
            from tracker.feedstate import FeedStateStore

            datastore = self.app.recorder.datastore  # type: ignore[attr-defined]
            if self.store.backend == "sqlite":
                self._feed_states = FeedStateStore(datastore)
            else:
                self._feed_states = FeedStateStore(
                    datastore, placeholder="%s", schema=self.store.schema
                )
        return self._feed_states

    def poll(self, feeds: Any = None, **kwargs: Any) -> Any:
        """Poll the given feeds (default: every enabled feed) once, then catch up projections."""
        from tracker.domain import recording_clock
        from tracker.ingest import poll_feeds

        chosen = feeds if feeds is not None else [f for f in self.config.feeds if f.enabled]
        with recording_clock(self.recording_clock):
            return poll_feeds(
                self.app,
                self.interpreter,
                chosen,
                self.feed_states,
                settings=self.config.settings,
                clock=self.clock,
                **kwargs,
            )

    def known_tracks(self) -> list[Any]:
        """The configured tracks, then any other track the store knows (a store filled
        elsewhere, such as the demo's, can be read without its feeds.yaml)."""
        from tracker.config import TrackConfig

        tracks = list(self.config.tracks)
        seen = {t.slug for t in tracks}
        for row in self.view.tracks():
            if row["slug"] not in seen:
                tracks.append(
                    TrackConfig(slug=row["slug"], title=row["title"], parties=row["parties"])
                )
                seen.add(row["slug"])
        return tracks

    def process_alerts(self, *, deliver: bool = True) -> int:
        """Raise alerts for new delegation-level changes and deliver pending ones."""
        try:
            from projections import alerts
        except ImportError:  # alerts not installed in this build
            return 0
        return int(alerts.process(self, deliver=deliver) or 0)

    def catch_up(self, **kwargs: Any) -> Any:
        """Bring the read model up to date with the log."""
        return self.projector.catch_up(**kwargs)

    def close(self) -> None:
        """Release database connections (best effort on the way out)."""
        for closable in (self.app, self.view, getattr(self.view, "datastore", None)):
            close = getattr(closable, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    close()

    def __enter__(self) -> Tracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_tracker(
    config: Config,
    store_url: str,
    *,
    extractor: Extractor | None = None,
    clock: Clock | None = None,
    read_only: bool = False,
) -> Tracker:
    """Open (creating if needed) the store at ``store_url`` and wire the tracker.

    ``read_only`` skips starting the configured tracks (commands that only read use it, so
    they can run without a feeds.yaml against a store someone else filled).

    Raises:
        StoreError: the URL is invalid or the store cannot be reached.
    """
    store = parse_store_url(store_url)
    check_reachable(store)
    env = store.event_store_env()
    try:
        app = TrackerApp(env=env)
        view = open_read_model(store, env)
    except Exception as exc:  # the library raises backend-specific errors
        raise StoreError(f"cannot open {store.display}: {exc}") from exc
    interp = Interpreter(
        extractor=extractor or default_extractor(config), tracks=effective_tracks(config)
    )
    if not read_only:
        from tracker.domain import recording_clock

        # An injected clock (the demo's, a test's) is this tracker's now: the tracks start
        # then, not at the wall-clock time, ahead of everything the storyline records.
        with recording_clock(clock):
            ensure_tracks(app, effective_tracks(config))
    return Tracker(
        config=config,
        store=store,
        app=app,
        view=view,
        interpreter=interp,
        clock=clock or system_clock,
    )
