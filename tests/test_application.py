"""Domain and application behaviour, on a SQLite file and on the PostgreSQL server."""

from __future__ import annotations

import pytest

from tracker.application import TrackerApp
from tracker.commands import record_entries
from tracker.domain import recording_clock
from tracker.engagement import Engagement
from tracker.entry import Entry
from tracker.errors import TrackerError
from tracker.store import parse_store_url
from tracker.values import DelegationLevel

from support import (
    HELD_IN_ISTANBUL,
    MEDINSKY_LEADS,
    PUTIN_PROPOSES,
    ZELENSKY_WAITS,
    at,
    claim,
    entry,
    make,
    notifications,
    topics,
)

STORY = {
    "Putin proposes direct talks": [PUTIN_PROPOSES],
    "Zelensky will wait for Putin": [ZELENSKY_WAITS],
    "Medinsky to lead": [MEDINSKY_LEADS],
    "talks held in Istanbul": [HELD_IN_ISTANBUL],
}


def _record(tracker, feed_name, entries, when):
    feed = tracker.config.feed(feed_name)
    with recording_clock(lambda: when):
        return record_entries(tracker.app, tracker.interpreter, feed, entries, polled_at=when)


def test_recording_the_same_entries_twice_appends_nothing(store_url):
    with make(store_url, STORY) as t:
        entries = [
            entry("a1", "Putin proposes direct talks in Istanbul", at("2025-05-11")),
            entry("a2", "Unrelated: markets rally", at("2025-05-11")),
        ]
        first = _record(t, "wire", entries, at("2025-05-11", 13))
        position = t.app.max_notification_id()
        second = _record(t, "wire", entries, at("2025-05-11", 14))
        assert first.new == 2
        assert second.new == 0 and second.unchanged == 2
        assert t.app.max_notification_id() == position


def test_reopening_the_store_finds_entries_with_their_claims_intact(store_url):
    with make(store_url, STORY) as t:
        _record(
            t,
            "wire",
            [entry("a1", "Medinsky to lead Russian team", at("2025-05-14"))],
            at("2025-05-14", 13),
        )
    with make(store_url, STORY) as t2:
        e = t2.app.get_entry("wire", "a1")
        assert e is not None and e.title.startswith("Medinsky")
        assert e.claims[0].level is DelegationLevel.SENIOR_OFFICIAL
        assert e.published_at == at("2025-05-14")


def test_every_event_is_stored_under_an_explicit_versioned_topic(store_url):
    with make(store_url, STORY) as t:
        _record(
            t,
            "wire",
            [
                entry("a1", "Putin proposes direct talks in Istanbul", at("2025-05-11")),
                entry("a2", "Medinsky to lead Russian team", at("2025-05-14")),
            ],
            at("2025-05-14", 13),
        )
        seen = topics(t.app)
        assert seen
        assert all(
            tp.startswith("tracker.") and tp.rsplit(".", 1)[-1].startswith("v") for tp in seen
        ), seen


def test_a_publishers_edit_is_a_revision_not_a_new_entry(store_url):
    with make(store_url, STORY) as t:
        _record(t, "wire", [entry("a1", "Talks planned", at("2025-05-11"))], at("2025-05-11", 13))
        res = _record(
            t,
            "wire",
            [entry("a1", "Talks planned (updated)", at("2025-05-11"))],
            at("2025-05-11", 15),
        )
        assert (res.new, res.revised) == (0, 1)
        names = [n.topic for n in notifications(t.app) if n.topic.startswith("tracker.Entry")]
        assert names == ["tracker.Entry.Recorded.v1", "tracker.Entry.Revised.v1"]


def test_a_publisher_rewriting_an_entry_on_every_poll_stops_producing_revisions(store_url):
    with make(store_url, STORY) as t:
        for i in range(Entry.MAX_REVISIONS + 5):
            _record(
                t,
                "wire",
                [entry("a1", f"Live blog, edition {i}", at("2025-05-11"))],
                at("2025-05-11", 13),
            )
        e = t.app.get_entry("wire", "a1")
        assert e.revisions == Entry.MAX_REVISIONS


def test_an_expected_leader_replaced_by_an_aide_is_a_delegation_change_from_leader(store_url):
    with make(store_url, STORY) as t:
        _record(
            t,
            "wire",
            [
                entry("a1", "Putin proposes direct talks in Istanbul", at("2025-05-11", 6)),
                entry("a2", "Zelensky will wait for Putin in Turkey", at("2025-05-11", 20)),
                entry("a3", "Medinsky to lead Russian team", at("2025-05-14", 22)),
            ],
            at("2025-05-15"),
        )
        changed = [
            t.app.mapper.to_domain_event(n)
            for n in notifications(t.app)
            if n.topic == "tracker.Engagement.DelegationChanged.v1"
        ]
        assert len(changed) == 1
        e = changed[0]
        assert (e.party, e.head, e.level) == (
            "RU",
            "Vladimir Medinsky",
            DelegationLevel.SENIOR_OFFICIAL,
        )
        assert (e.old_head, e.old_level, e.basis) == (
            "Vladimir Putin",
            DelegationLevel.LEADER,
            "expected",
        )


def test_fifty_outlets_reporting_one_fact_make_one_fact_with_fifty_sources(store_url):
    with make(store_url, STORY) as t:
        _record(
            t,
            "wire",
            [entry("a0", "Putin proposes direct talks in Istanbul", at("2025-05-11"))],
            at("2025-05-11", 13),
        )
        reports = [
            entry(
                f"h{i}", f"Russia-Ukraine talks held in Istanbul (report {i})", at("2025-05-16", 14)
            )
            for i in range(50)
        ]
        _record(t, "desk", reports, at("2025-05-16", 18))
        kinds = [
            n.topic.split(".")[2]
            for n in notifications(t.app)
            if n.topic.startswith("tracker.Engagement.")
        ]
        assert kinds.count("TalksHeld") == 1
        assert kinds.count("EvidenceAdded") == 49
        assert kinds.count("Opened") == 1


def test_a_story_republished_under_a_new_url_is_not_counted_twice(store_url):
    with make(store_url, STORY) as t:
        title = "Russia-Ukraine talks held in Istanbul"
        _record(
            t, "wire", [entry("https://x/old-slug", title, at("2025-05-16"))], at("2025-05-16", 13)
        )
        _record(
            t, "wire", [entry("https://x/new-slug", title, at("2025-05-16"))], at("2025-05-16", 15)
        )
        kinds = [n.topic for n in notifications(t.app) if n.topic.startswith("tracker.Engage")]
        assert kinds.count("tracker.Engagement.TalksHeld.v1") == 1
        assert "tracker.Engagement.EvidenceAdded.v1" not in kinds


def test_a_later_round_after_a_meeting_was_held_is_a_new_engagement(store_url):
    script = dict(STORY)
    script["second round on 2 June"] = [
        claim("talks_scheduled", parties=("RU", "UA"), venue="Istanbul", date="2025-06-02"),
    ]
    with make(store_url, script) as t:
        _record(
            t,
            "wire",
            [
                entry("a1", "Russia-Ukraine talks held in Istanbul", at("2025-05-16")),
                entry("a2", "Sides agree second round on 2 June", at("2025-05-28")),
            ],
            at("2025-05-28", 13),
        )
        opened = [n for n in notifications(t.app) if n.topic == "tracker.Engagement.Opened.v1"]
        assert len(opened) == 2


def test_the_store_url_never_falls_back_to_memory():
    with pytest.raises(TrackerError):
        TrackerApp(env={})
    with pytest.raises(TrackerError, match="file path"):
        parse_store_url("sqlite:///:memory:")


def test_engagement_ids_are_deterministic_from_the_first_report():
    a = Engagement.create_id("russia-ukraine", "talks", "entry:0")
    b = Engagement.create_id("russia-ukraine", "talks", "entry:0")
    assert a == b and a != Engagement.create_id("russia-ukraine", "talks", "entry:1")


def test_the_store_tells_in_one_query_which_entries_it_already_holds(store_url):
    from uuid import uuid4

    with make(store_url, STORY) as t:
        _record(
            t,
            "wire",
            [
                entry("a1", "Talks planned", at("2025-05-11")),
                entry("a2", "Markets", at("2025-05-11")),
            ],
            at("2025-05-11", 13),
        )
        known = [Entry.create_id("wire", "a1"), Entry.create_id("wire", "a2")]
        stranger = uuid4()
        assert t.app.existing([*known, stranger]) == set(known)
        assert t.app.existing([]) == set()


def test_a_one_sided_report_of_a_meeting_at_a_known_place_joins_that_meeting(store_url):
    """ "Kremlin confirms Alaska summit" names Russia and a place only. The track's other
    party (Ukraine) must not make it a new Russia-Ukraine summit beside the Russia-US one."""
    script = dict(STORY)
    script["Trump and Putin to meet in Alaska"] = [
        claim("summit_scheduled", parties=("RU", "US"), venue="Alaska", date="2025-08-15")
    ]
    script["Kremlin confirms Alaska summit"] = [
        claim("summit_scheduled", parties=("RU",), venue="Alaska")
    ]
    script["Kremlin floats a summit"] = [claim("summit_rumored", parties=("RU",))]
    with make(store_url, script) as t:
        _record(
            t,
            "wire",
            [
                entry("a1", "Trump and Putin to meet in Alaska over Ukraine", at("2025-08-08")),
                entry("a2", "Kremlin confirms Alaska summit on Ukraine", at("2025-08-09")),
                # no place: nothing to tell which meeting; the track's sides complete it
                entry("a3", "Kremlin floats a summit with Ukraine", at("2025-08-10")),
            ],
            at("2025-08-10", 13),
        )
        opened = [
            t.app.get_or_none(n.originator_id)
            for n in notifications(t.app)
            if n.topic == "tracker.Engagement.Opened.v1"
        ]
        assert sorted(tuple(e.parties) for e in opened) == [("RU", "UA"), ("RU", "US")]
        alaska = t.app.get_or_none(next(e for e in opened if "US" in e.parties).id)
        assert alaska.last_published == at("2025-08-09")  # the confirmation joined it
