"""What keeps a briefing cheap at a million events must not change what it says.

Quiet engagements answer from a stored summary of their evidence (projections.evidence);
positions and developments come from the last ``horizon``. Both are checked here against
the plain way of computing the same briefing, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

from projections.render.markdown import render_briefing
from projections.replay import briefing
from tracker.commands import record_entries, reextract
from tracker.domain import recording_clock

from support import ScriptedExtractor, StepClock, at, claim, entry, make

ISTANBUL = {"parties": ("RU", "UA"), "venue": "Istanbul", "date": "2025-05-16"}
GENEVA = {"parties": ("RU", "UA"), "venue": "Geneva", "date": "2025-07-01"}
MEDINSKY = {
    "party": "RU",
    "parties": ("RU", "UA"),
    "head": "Vladimir Medinsky",
    "head_title": "presidential aide",
    "level": "senior_official",
}
SCRIPT = {
    "[i-proposed]": [claim("talks_proposed", **ISTANBUL)],
    "[i-held]": [claim("talks_held", **ISTANBUL)],
    "[i-medinsky]": [claim("delegation_announced", **MEDINSKY)],
    "[g-scheduled]": [claim("talks_scheduled", **GENEVA)],
    "[stance]": [
        claim("position_stated", party="UA", person="Volodymyr Zelensky", stance="no land deal")
    ],
    "[swap]": [claim("prisoner_exchange", parties=("RU", "UA"), date="2025-05-20")],
}
# Istanbul is reported in May and goes quiet; Geneva is reported in late June.
NEWS = [
    ("a1", "[i-proposed] Russia offers talks in Istanbul", at("2025-05-11", 6)),
    ("a2", "[i-proposed] Kyiv weighs Istanbul offer", at("2025-05-11", 9)),
    ("a3", "[i-medinsky] Medinsky to lead", at("2025-05-14", 21)),
    ("a4", "[i-medinsky] Aide Medinsky heads team", at("2025-05-15", 8)),
    ("a5", "[stance] Zelensky: no land deal with Russia", at("2025-05-15", 10)),
    ("a6", "[i-held] Talks held in Istanbul", at("2025-05-16", 18)),
    ("a7", "[i-held] First direct talks in years end", at("2025-05-16", 20)),
    ("a8", "[swap] Prisoner swap agreed", at("2025-05-20", 9)),
    ("b1", "[g-scheduled] Geneva round set for July", at("2025-06-24", 9)),
    ("b2", "[swap] Prisoner swap carried out", at("2025-06-25", 9)),
    ("b3", "[g-scheduled] Negotiators to meet in Geneva", at("2025-06-26", 9)),
]
MOMENTS = [at("2025-05-12"), at("2025-05-17"), at("2025-06-01"), at("2025-06-25"), at("2025-07-01")]


def _record(t, items, clock):
    """One poll per item, each an hour after the item was published."""
    for identity, title, published in items:
        clock.now = max(clock.now, published + timedelta(hours=1))
        with recording_clock(clock):
            record_entries(
                t.app,
                t.interpreter,
                t.config.feed("wire"),
                [entry(identity, title, published)],
                polled_at=clock(),
            )
        t.catch_up()


def _summaries(t) -> dict[str, int]:
    rows = t.view._select("SELECT engagement_id, stale FROM tr_summaries")
    return {r["engagement_id"]: r["stale"] for r in rows}


def _docs(t) -> list:
    return [
        briefing(t.view, "russia-ukraine", as_of=m, as_recorded=r, horizon=None)
        for m in MOMENTS
        for r in (False, True)
    ]


def _without_summaries(t) -> list:
    with t.view._txn(commit=True) as c:
        c.execute("UPDATE tr_summaries SET stale = 1")
    return _docs(t)


def test_a_quiet_engagement_answers_from_its_summary_exactly_as_from_its_citations(store_url):
    clock = StepClock(at("2025-05-11"))
    with make(store_url, SCRIPT, clock=clock) as t:
        _record(t, NEWS, clock)
        stale = _summaries(t)
        assert sorted(stale.values()) == [0, 1]  # Istanbul summarised, Geneva still moving
        assert _docs(t) == _without_summaries(t)


def test_a_late_report_or_a_retraction_makes_a_summary_stale_in_the_same_write(store_url):
    clock = StepClock(at("2025-05-11"))
    with make(store_url, SCRIPT, clock=clock) as t:
        _record(t, NEWS, clock)
        (istanbul,) = [e for e, stale in _summaries(t).items() if stale == 0]
        # A backfilled report of the Istanbul talks, found in late June.
        clock.now = at("2025-06-27")
        with recording_clock(clock):
            record_entries(
                t.app,
                t.interpreter,
                t.config.feed("desk"),
                [entry("c1", "[i-held] Istanbul talks: what we know", at("2025-05-17", 7))],
                polled_at=clock(),
            )
        t.catch_up(until=t.app.max_notification_id())
        assert _summaries(t)[istanbul] == 1
        late = briefing(t.view, "russia-ukraine", as_of=at("2025-06-28"), horizon=None)
        held = next(e for e in late["engagements"] if e["id"] == istanbul)
        assert held["corroboration"] == 5  # two proposal reports, three of the meeting
        # The newer extractor no longer reads Medinsky in a3 and a4: retractions.
        reread = {k: v for k, v in SCRIPT.items() if k != "[i-medinsky]"}
        t.interpreter.extractor = ScriptedExtractor(reread, version="scripted-2")
        clock.now = at("2025-07-10")
        with recording_clock(clock):
            reextract(t.app, t.interpreter, t.config.feeds)
        clock.now = at("2025-07-20")
        _record(t, [("b4", "[g-scheduled] Geneva talks confirmed", at("2025-07-19", 9))], clock)
        assert _summaries(t)[istanbul] == 0  # quiet again, summarised again
        assert _docs(t) == _without_summaries(t)
        after = briefing(t.view, "russia-ukraine", as_of=at("2025-07-20"))
        held = next(e for e in after["engagements"] if e["id"] == istanbul)
        assert held["delegations"] == []


def test_a_briefing_shows_what_is_current_within_the_horizon_before_its_date(store_url):
    clock = StepClock(at("2025-05-11"))
    later = ("c1", "[stance] Zelensky: no land deal with Russia, again", at("2025-07-10", 9))
    with make(store_url, SCRIPT, clock=clock) as t:
        _record(t, [*NEWS, later], clock)
        assert set(_summaries(t).values()) == {0}  # both meetings quiet by July 10
        wide = briefing(t.view, "russia-ukraine", as_of=at("2025-06-26"), horizon=None)
        near = briefing(
            t.view, "russia-ukraine", as_of=at("2025-06-26"), horizon=timedelta(days=14)
        )
        assert [p["stance"] for p in wide["positions"]] == ["no land deal"]
        assert near["positions"] == []  # stated in May
        # The swap was reported again in June: listed, with its May report counted too.
        assert near["developments"] == wide["developments"]
        (swap,) = near["developments"]
        assert swap["corroboration"] == 2
        # Istanbul: met and quiet since May. Geneva: quiet since June 26, meets on July 1.
        istanbul, geneva = (
            {e["id"] for e in wide["engagements"] if e["venue"] == venue}
            for venue in ("Istanbul", "Geneva")
        )
        assert istanbul and geneva
        for horizon, shown in [(None, istanbul | geneva), (timedelta(days=2), geneva)]:
            doc = briefing(t.view, "russia-ukraine", as_of=at("2025-06-30"), horizon=horizon)
            assert {e["id"] for e in doc["engagements"]} == shown
        gone = briefing(t.view, "russia-ukraine", as_of=at("2025-06-01"), horizon=timedelta(days=7))
        assert gone["engagements"] == gone["developments"] == gone["positions"] == []
        # Without a date, the horizon ends at the track's latest news, not at the wall clock.
        current = briefing(t.view, "russia-ukraine", horizon=timedelta(days=20))
        assert [p["stance"] for p in current["positions"]] == ["no land deal"]
        # The same stance reported in May and again in July: one position, two reports.
        doc = briefing(t.view, "russia-ukraine", horizon=None)
        (both,) = doc["positions"]
        assert "“no land deal” · 2 source(s)" in render_briefing(doc)
        assert both["corroboration"] == 2 and len(both["evidence"]) == 2
        assert (both["first_stated"], both["published_at"]) == (
            "2025-05-15T10:00:00Z",
            "2025-07-10T09:00:00Z",
        )
        assert [e["title"] for e in both["evidence"]] == [NEWS[4][1], later[1]]


def test_a_read_model_made_for_another_schema_is_rebuilt_when_the_store_is_opened(store_url):
    clock = StepClock(at("2025-05-11"))
    with make(store_url, SCRIPT, clock=clock) as t:
        _record(t, NEWS, clock)
        before = _docs(t)
        with t.view._txn(commit=True) as c:
            t.view._exec(c, "UPDATE tr_meta SET value = '1' WHERE name = 'schema'")
    with make(store_url, SCRIPT, clock=clock) as t2:
        assert t2.projector.position() == 0  # dropped: the tables were made for schema 1
        assert t2.catch_up().events > 0
        assert _docs(t2) == before


def test_one_large_batch_writes_the_same_rows_as_many_small_ones(store_url):
    """On PostgreSQL a batch of 50 rows or more goes through COPY; small ones do not."""
    clock = StepClock(at("2025-05-17"))
    held = at("2025-05-16", 18)
    reports = [
        entry(f"r{i}", f"[i-held] Istanbul talks report {i}", held + timedelta(minutes=i))
        for i in range(120)
    ]
    with make(store_url, SCRIPT, clock=clock) as t:
        with recording_clock(clock):
            record_entries(t.app, t.interpreter, t.config.feed("wire"), reports, polled_at=clock())

        def rows():
            return {
                table: t.view._select(f"SELECT * FROM {table} ORDER BY 1, 2, 3")
                for table in ("tr_versions", "tr_citations", "tr_heads", "tr_summaries")
            }

        t.catch_up(batch_size=10_000)
        large = rows()
        assert len(large["tr_citations"]) == 120
        t.view.reset()
        t.catch_up(batch_size=7)
        assert rows() == large


def test_one_read_models_read_transaction_never_captures_anothers_queries(tmp_path):
    clock = StepClock(at("2025-05-11"))
    with (
        make(f"sqlite:///{tmp_path / 'a.db'}", SCRIPT, clock=clock) as a,
        make(f"sqlite:///{tmp_path / 'b.db'}", SCRIPT, clock=clock) as b,
    ):
        _record(a, NEWS[:3], clock)
        with a.view.reading():
            assert a.view.engagement_states("russia-ukraine", "published", "9999")
            assert b.view.engagement_states("russia-ukraine", "published", "9999") == []
