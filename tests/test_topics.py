"""Stored topics outlive code moves: a store written when the aggregates lived in
tracker/domain.py (their class topics were ``tracker.domain:Feed`` …) still loads."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tracker.commands import record_entries
from tracker.domain import recording_clock
from tracker.entry import Entry
from tracker.feed import Feed
from tracker.track import Track

from support import MEDINSKY_LEADS, at, entry, make

STORY = {"Medinsky to lead": [MEDINSKY_LEADS]}


def test_a_store_naming_the_aggregates_by_their_old_module_still_loads(sqlite_store_url):
    with make(sqlite_store_url, STORY) as t:
        when = at("2025-05-14", 13)
        with recording_clock(lambda: when):
            record_entries(
                t.app,
                t.interpreter,
                t.config.feed("wire"),
                [entry("a1", "Medinsky to lead Russian team", at("2025-05-14"))],
                polled_at=when,
            )
        table = t.app.recorder.events_table_name
    path = Path(sqlite_store_url.removeprefix("sqlite:///"))
    with sqlite3.connect(path) as db:
        for cls in (Feed, Entry, Track):
            new, old = f"{cls.__module__}:{cls.__name__}", f"tracker.domain:{cls.__name__}"
            changed = db.execute(
                f"UPDATE {table} SET state = CAST(replace(CAST(state AS TEXT), ?, ?) AS BLOB) "
                "WHERE instr(CAST(state AS TEXT), ?) > 0",
                (new, old, new),
            ).rowcount
            assert changed >= 1, f"no stored event names {new}"
    with make(sqlite_store_url, STORY) as t2:
        assert t2.app.get_entry("wire", "a1").title.startswith("Medinsky")
        assert isinstance(t2.app.repository.get(Feed.create_id("wire")), Feed)
        assert t2.app.get_track("russia-ukraine") is not None
