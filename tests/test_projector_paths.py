"""The projector's three ways of folding an engagement event all give the rows of a fresh fold.

An event is folded in order, late (published before something already folded: cited quietly
when it changes nothing at its place, else re-folded from there, from the recent events kept
in memory or, for a backfill older than that window, from the store), or withdrawn by a
re-extraction. Whatever the arrival order and the batch boundaries, the rows valid at any
moment must equal a fresh fold of the events published (or recorded) by then, and an
incremental projection must equal a rebuild.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projections.briefing import fold, visible
from projections.engagements import WINDOW
from projections.views import PUBLISHED, RECORDED, ts
from tracker.commands import record_entries, reextract
from tracker.domain import recording_clock

from support import ScriptedExtractor, StepClock, at, claim, entry, make

TALKS = {"parties": ("RU", "UA"), "venue": "Istanbul", "date": "2025-05-16"}
LATER = {"parties": ("RU", "UA"), "venue": "Geneva", "date": "2025-06-20"}
KINDS = {
    "proposed": [claim("talks_proposed", **TALKS)],
    "scheduled": [claim("talks_scheduled", **TALKS)],
    "moved": [claim("talks_rescheduled", **{**TALKS, "date": "2025-05-17"})],
    "held": [claim("talks_held", **{**TALKS, "date": "2025-05-17"})],
    "medinsky": [
        claim(
            "delegation_announced",
            party="RU",
            parties=("RU", "UA"),
            head="Vladimir Medinsky",
            head_title="presidential aide",
            level="senior_official",
        )
    ],
    "lavrov": [
        claim(
            "delegation_announced",
            party="RU",
            parties=("RU", "UA"),
            head="Sergei Lavrov",
            head_title="foreign minister",
            level="minister",
        )
    ],
    "geneva": [claim("talks_scheduled", **LATER)],
}
#: What a newer extractor reads differently: Medinsky reports now name a deputy minister.
REREAD = {
    **KINDS,
    "medinsky": [
        claim(
            "delegation_announced",
            party="RU",
            parties=("RU", "UA"),
            head="Mikhail Galuzin",
            head_title="deputy foreign minister",
            level="deputy_minister",
        )
    ],
}
START = at("2025-05-08")

reports = st.lists(
    st.tuples(
        st.sampled_from(sorted(KINDS)),
        st.integers(min_value=0, max_value=int(2.5 * WINDOW / timedelta(hours=1))),
    ),
    min_size=3,
    max_size=18,
)


def _script(kinds: dict[str, list]) -> dict[str, list]:
    return {f"[{k}]": v for k, v in kinds.items()}


def _snapshot(t) -> dict:
    """Every state at every moment that matters, plus the changes and citations."""
    out: dict = {}
    moments = set()
    for n in _engagement_events(t).values():
        for e in n:
            for m in (e.timestamp, getattr(e, "published_at", e.timestamp)):
                moments |= {m, m - timedelta(microseconds=1)}
    for clock in (PUBLISHED, RECORDED):
        for m in sorted(moments):
            out[(clock, ts(m))] = sorted(
                json.dumps(s, sort_keys=True)
                for s in t.view.engagement_states("russia-ukraine", clock, ts(m))
            )
    out["changes"] = [
        (c["engagement_id"], c["field"], c["old"], c["new"], c["published_at"], c["cause"])
        for c in t.view.changes("russia-ukraine", since=None, until=None)
    ]
    out["citations"] = sorted(
        (c["engagement_id"], c["field"], c["entry_id"], c["published_at"])
        for c in t.view.citations("russia-ukraine", RECORDED, "9999")
    )
    return out


def _engagement_events(t) -> dict[str, list]:
    ids = {
        s["id"]
        for clock in (PUBLISHED, RECORDED)
        for s in t.view.engagement_states("russia-ukraine", clock, ts(at("2030-01-01")))
    }
    return {i: list(t.app.events.get(uuid.UUID(i))) for i in ids}


def _fresh(opened, claims):
    """A fresh fold; None while no claim stands (an engagement shows with its first claim)."""
    return fold([opened, *claims]) if len(visible([opened, *claims])) > 1 else None


def _state(t, eid, clock, moment):
    for s in t.view.engagement_states("russia-ukraine", clock, ts(moment)):
        if s["id"] == eid:
            return s
    return None


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    items=reports,
    order=st.randoms(use_true_random=False),
    batches=st.lists(st.integers(min_value=1, max_value=7), min_size=1, max_size=20),
    reread_at=st.one_of(st.none(), st.integers(min_value=1, max_value=18)),
)
def test_rows_equal_a_fresh_fold_whatever_the_arrival_order_and_batches(
    sqlite_store_url, items, order, batches, reread_at
):
    url = sqlite_store_url.replace(".db", f"-{uuid.uuid4().hex[:8]}.db")
    clock = StepClock(START + 3 * WINDOW)
    titles = [
        (f"e{i}", f"[{kind}] report {i}", START + timedelta(hours=h))
        for i, (kind, h) in enumerate(items)
    ]
    order.shuffle(titles)
    with make(url, _script(KINDS), clock=clock) as t:
        feed = t.config.feed("wire")
        for i, item in enumerate(titles):
            clock.advance(minutes=7)
            with recording_clock(clock):
                record_entries(t.app, t.interpreter, feed, [entry(*item)], polled_at=clock())
            if i == reread_at:
                t.interpreter.extractor = ScriptedExtractor(_script(REREAD), version="v2")
                with recording_clock(clock):
                    reextract(t.app, t.interpreter, t.config.feeds)
            t.catch_up(batch_size=batches[i % len(batches)])
        t.catch_up(batch_size=batches[0])
        for eid, events in _engagement_events(t).items():
            opened, claims = events[0], events[1:]
            for e in claims:
                for moment in (e.published_at, e.published_at - timedelta(microseconds=1)):
                    upto = [x for x in claims if x.published_at <= moment]
                    assert _state(t, eid, PUBLISHED, moment) == _fresh(opened, upto)
                upto = [x for x in claims if x.timestamp <= e.timestamp]
                assert _state(t, eid, RECORDED, e.timestamp) == _fresh(opened, upto)
        incremental = _snapshot(t)
        t.view.reset()
        t.catch_up(batch_size=10_000)
        assert _snapshot(t) == incremental
