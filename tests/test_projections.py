"""The briefing projection: incremental, resumable, time-travelling, identical on both backends."""

from __future__ import annotations

import json
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projections.briefing import fold
from projections.replay import briefing, diff, history
from projections.views import PUBLISHED, RECORDED, ts
from tracker.commands import record_entries
from tracker.domain import recording_clock
from tracker.engagement import Engagement

from support import (
    HELD_IN_ISTANBUL,
    MEDINSKY_LEADS,
    MOVED_TO_FRIDAY,
    PUTIN_PROPOSES,
    UMEROV_LEADS,
    ZELENSKY_WAITS,
    StepClock,
    at,
    claim,
    entry,
    make,
)

STORY = {
    "Putin proposes direct talks": [PUTIN_PROPOSES],
    "Zelensky will wait for Putin": [ZELENSKY_WAITS],
    "Medinsky to lead": [MEDINSKY_LEADS],
    "Umerov to lead": [UMEROV_LEADS],
    "talks moved to Friday": [MOVED_TO_FRIDAY],
    "talks held in Istanbul": [HELD_IN_ISTANBUL],
}
TIMELINE = [
    ("e1", "Putin proposes direct talks in Istanbul", at("2025-05-11", 6)),
    ("e2", "Zelensky will wait for Putin in Turkey", at("2025-05-11", 20)),
    ("e3", "Medinsky to lead Russian team", at("2025-05-14", 21)),
    ("e4", "Umerov to lead Ukraine's team", at("2025-05-15", 14)),
    ("e5", "Istanbul talks moved to Friday", at("2025-05-15", 16)),
    ("e6", "Russia-Ukraine talks held in Istanbul", at("2025-05-16", 18)),
]


def _poll(t, items, clock):
    feed = t.config.feed("wire")
    with recording_clock(clock):
        record_entries(
            t.app,
            t.interpreter,
            feed,
            [entry(i, title, p) for i, title, p in items],
            polled_at=clock(),
        )


def _engagements(doc):
    return sorted(
        (
            e["kind"],
            e["status"],
            e["venue"],
            e["date"],
            tuple((d["party"], d["head"], d["level"]) for d in e["delegations"]),
        )
        for e in doc["engagements"]
    )


def test_the_briefing_as_of_a_date_shows_only_what_was_published_by_then(store_url):
    clock = StepClock(at("2025-05-17"))
    with make(store_url, STORY, clock=clock) as t:
        _poll(t, TIMELINE, clock)
        t.catch_up()
        before = briefing(t.view, "russia-ukraine", as_of=at("2025-05-14", 12))
        after = briefing(t.view, "russia-ukraine", as_of=at("2025-05-17"))
        assert _engagements(before) == [("talks", "proposed", "Istanbul", "2025-05-15", ())]
        (held,) = after["engagements"]
        assert (held["status"], held["date"], held["mediators"]) == ("held", "2025-05-16", ["TR"])
        heads = {
            d["party"]: (d["head"], d["level"], d["level_change"]) for d in held["delegations"]
        }
        assert heads["RU"] == (
            "Vladimir Medinsky",
            "senior_official",
            {"direction": "downgrade", "step": 3},
        )
        assert heads["UA"] == ("Rustem Umerov", "minister", {"direction": "downgrade", "step": 1})
        assert [r["status"] for r in after["rumours"]] == ["open"]


def test_a_backfilled_old_entry_lands_in_its_place_in_published_history(store_url):
    clock = StepClock(at("2025-05-16", 20))
    with make(store_url, STORY, clock=clock) as t:
        _poll(t, [x for x in TIMELINE if x[0] != "e3"], clock)
        t.catch_up()
        clock.advance(days=30)
        _poll(t, [x for x in TIMELINE if x[0] == "e3"], clock)  # the Medinsky news, a month late
        t.catch_up()
        as_published = briefing(t.view, "russia-ukraine", as_of=at("2025-05-15", 15))
        heads = {
            d["party"]: d["head"] for e in as_published["engagements"] for d in e["delegations"]
        }
        assert heads == {"RU": "Vladimir Medinsky", "UA": "Rustem Umerov"}
        # ... while what the tracker had recorded on 1 June did not know it yet.
        as_recorded = briefing(t.view, "russia-ukraine", as_of=at("2025-06-01"), as_recorded=True)
        heads = {
            d["party"]: d["head"] for e in as_recorded["engagements"] for d in e["delegations"]
        }
        assert heads == {"UA": "Rustem Umerov"}
        ru_change = [
            c for c in history(t.view, "russia-ukraine")["changes"] if c["field"] == "delegation.RU"
        ]
        assert ru_change[0]["published_at"] == "2025-05-14T21:00:00Z"
        assert ru_change[0]["recorded_at"].startswith("2025-06-15")


def test_diff_lists_what_changed_between_two_dates(store_url):
    clock = StepClock(at("2025-05-17"))
    with make(store_url, STORY, clock=clock) as t:
        _poll(t, TIMELINE, clock)
        t.catch_up()
        d = diff(t.view, "russia-ukraine", at("2025-05-12"), at("2025-05-17"))
        (changed,) = d["changed"]
        assert changed["fields"]["status"] == {"old": "proposed", "new": "held"}
        assert changed["fields"]["delegation.RU"]["new"]["head"] == "Vladimir Medinsky"
        assert {c["field"] for c in d["changes"]} >= {"status", "delegation.RU", "date"}


def test_a_projector_that_stops_midway_resumes_exactly_where_it_stopped(store_url):
    clock = StepClock(at("2025-05-17"))
    with make(store_url, STORY, clock=clock) as t:
        _poll(t, TIMELINE[:3], clock)
        first = t.catch_up(batch_size=3)
        _poll(t, TIMELINE[3:], clock)
        # Process only part of the new events, as if the process died after one batch.
        partial = t.projector.catch_up(batch_size=2, until=first.position + 4)
        assert partial.position <= first.position + 4
    with make(store_url, STORY, clock=clock) as t2:  # a fresh process
        resumed = t2.catch_up(batch_size=2)
        assert resumed.events > 0
        assert t2.catch_up().events == 0  # nothing processed twice
        live = briefing(t2.view, "russia-ukraine", as_of=at("2025-05-17"))
        t2.view.reset()
        t2.catch_up()
        rebuilt = briefing(t2.view, "russia-ukraine", as_of=at("2025-05-17"))
        assert _strip(live) == _strip(rebuilt)


def test_rebuilding_gives_the_same_rows_as_incremental_processing(store_url):
    clock = StepClock(at("2025-05-11"))
    with make(store_url, STORY, clock=clock) as t:
        for item in TIMELINE:  # one poll per entry, projected as it goes
            clock.now = item[2] + timedelta(minutes=5)
            _poll(t, [item], clock)
            t.catch_up()
        incremental = _rows(t)
        t.view.reset()
        t.catch_up(batch_size=7)
        assert _rows(t) == incremental


def _rows(t):
    out = {}
    for clock in (PUBLISHED, RECORDED):
        for moment in (
            "2025-05-11T12:00:00.000000Z",
            "2025-05-15T00:00:00.000000Z",
            "2025-05-20T00:00:00.000000Z",
        ):
            out[(clock, moment)] = sorted(
                json.dumps(s, sort_keys=True)
                for s in t.view.engagement_states("russia-ukraine", clock, moment)
            )
    out["changes"] = [
        (c["engagement_id"], c["field"], c["published_at"])
        for c in t.view.changes("russia-ukraine", since=None, until=None)
    ]
    return out


def _strip(doc):
    return {k: v for k, v in doc.items() if k not in ("as_of",)}


# --- property: replaying to the k-th event equals the live projection after k events ------


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(order=st.permutations(range(len(TIMELINE))), k=st.integers(min_value=1, max_value=6))
def test_replaying_to_the_kth_event_equals_the_live_projection_after_k_events(
    sqlite_store_url, order, k
):
    """Entries arrive in any order (backfills included); after each arrival the live
    projection's current state of every engagement equals a fresh fold of its first k events."""
    import uuid

    url = sqlite_store_url.replace(".db", f"-{uuid.uuid4().hex[:8]}.db")
    clock = StepClock(at("2025-05-20"))
    with make(url, STORY, clock=clock) as t:
        for i in order[:k]:
            clock.advance(minutes=1)
            _poll(t, [TIMELINE[i]], clock)
            t.catch_up(batch_size=2)
        for state in t.view.engagement_states("russia-ukraine", PUBLISHED, ts(at("2030-01-01"))):
            events = list(t.app.events.get(uuid.UUID(state["id"])))
            replayed = fold(events)
            assert replayed is not None
            replayed.pop("retracted_entries", None)
            state.pop("retracted_entries", None)
            assert state == replayed
            assert all(isinstance(e, Engagement.Event) for e in events)
            _check_time_travel(t, state["id"], events)


def _visible_state(t, eid, clock, moment):
    for s in t.view.engagement_states("russia-ukraine", clock, ts(moment)):
        if s["id"] == eid:
            s.pop("retracted_entries", None)
            return s
    return None


def _check_time_travel(t, eid, events):
    """Rows valid at D equal a fresh fold of the events published (or recorded) by D."""
    opened = events[0]
    claims = events[1:]
    for e in claims:
        for moment in (e.published_at, e.published_at - timedelta(seconds=1)):
            upto = [x for x in claims if x.published_at <= moment]
            expected = fold([opened, *upto]) if upto else None
            if expected is not None:
                expected.pop("retracted_entries", None)
            assert _visible_state(t, eid, PUBLISHED, moment) == expected
        moment = e.timestamp
        upto = [x for x in claims if x.timestamp <= moment]
        expected = fold([opened, *upto])
        expected.pop("retracted_entries", None)
        assert _visible_state(t, eid, RECORDED, moment) == expected


def test_reextraction_changes_are_attributed_to_the_extractor_not_the_news(store_url):
    from tracker.commands import reextract

    from support import ScriptedExtractor

    clock = StepClock(at("2025-05-17"))
    with make(store_url, STORY, clock=clock) as t:
        _poll(t, TIMELINE, clock)
        t.catch_up()
        # A newer extractor reads the Medinsky entry as naming a deputy foreign minister.
        better = dict(STORY)
        better["Medinsky to lead"] = [
            claim(
                "delegation_announced",
                party="RU",
                parties=("RU", "UA"),
                head="Mikhail Galuzin",
                head_title="deputy foreign minister",
                level="deputy_minister",
            ),
        ]
        t.interpreter.extractor = ScriptedExtractor(better, version="scripted-2")
        clock.advance(days=1)
        with recording_clock(clock):
            result = reextract(t.app, t.interpreter, t.config.feeds)
        assert (result.entries, result.changed) == (len(TIMELINE), 1)
        t.catch_up()
        doc = briefing(t.view, "russia-ukraine", as_of=at("2025-05-17"))
        (eng,) = doc["engagements"]
        ru = next(d for d in eng["delegations"] if d["party"] == "RU")
        assert (ru["head"], ru["level"]) == ("Mikhail Galuzin", "deputy_minister")
        changes = [
            c for c in history(t.view, "russia-ukraine")["changes"] if c["field"] == "delegation.RU"
        ]
        assert [(c["cause"], c["extractor_version"]) for c in changes] == [
            ("extractor", "scripted-2")
        ]
        # What the tracker showed before the re-reading is still there, as recorded.
        before = briefing(t.view, "russia-ukraine", as_of=at("2025-05-17", 13), as_recorded=True)
        (eng,) = before["engagements"]
        assert {d["head"] for d in eng["delegations"]} >= {"Vladimir Medinsky"}
        # Re-running the same extractor again changes nothing and appends nothing.
        position = t.app.max_notification_id()
        with recording_clock(clock):
            assert reextract(t.app, t.interpreter, t.config.feeds).changed == 0
        assert t.app.max_notification_id() == position


def test_two_outlets_naming_different_heads_the_same_day_are_kept_side_by_side(store_url):
    script = dict(STORY)
    script["Lavrov to lead"] = [
        claim(
            "delegation_announced",
            party="RU",
            parties=("RU", "UA"),
            head="Sergei Lavrov",
            head_title="foreign minister",
            level="minister",
        ),
    ]
    script["Medinsky confirmed"] = STORY["Medinsky to lead"]
    clock = StepClock(at("2025-05-20"))
    with make(store_url, script, clock=clock) as t:
        _poll(
            t,
            [*TIMELINE[:3], ("x1", "Lavrov to lead Russian team, paper says", at("2025-05-15", 2))],
            clock,
        )
        t.catch_up()
        doc = briefing(t.view, "russia-ukraine", as_of=at("2025-05-15", 3))
        (eng,) = doc["engagements"]
        (conflict,) = eng["conflicts"]
        assert conflict["field"] == "delegation.RU"
        assert [v["value"] for v in conflict["values"]] == ["Vladimir Medinsky", "Sergei Lavrov"]
        assert all(v["evidence"] for v in conflict["values"])
        # Two days later more outlets report Medinsky: the disagreement is settled.
        _poll(t, [("x2", "Medinsky confirmed as head of delegation", at("2025-05-16", 9))], clock)
        t.catch_up()
        later = briefing(t.view, "russia-ukraine", as_of=at("2025-05-17"))
        assert later["engagements"][0]["conflicts"] == []
