"""An alert whose report a newer extractor no longer reads so is withdrawn, where it was sent.

A desk told "Russia downgraded its delegation: Lavrov instead of Putin" must hear it when
that reading turns out wrong. The news is scripted (``support.ScriptedExtractor``); the
re-extraction is the real ``tracker.commands.reextract``; the event store, the read model and
the JSON-lines channel are real, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from test_alerts import STORY, _config_with, _jsonl_rules, _lines, _opening, _record

from projections import alerts as alerts_projection
from tracker.alerts import WITHDRAWN
from tracker.commands import reextract
from tracker.domain import recording_clock

from support import MEDINSKY_LEADS, ScriptedExtractor, StepClock, at, entry, make

#: What the newer extractor reads: the Lavrov report names no delegation any more.
NO_LAVROV = {k: v for k, v in STORY.items() if k != "Lavrov to lead"}
#: ...or names a presidential aide instead.
ONLY_AN_AIDE = {
    **NO_LAVROV,
    "Lavrov to lead": [MEDINSKY_LEADS],
}


def _reread(t: Any, script: dict[str, Any], when: Any) -> None:
    t.interpreter.extractor = ScriptedExtractor(script, version="scripted-2")
    with recording_clock(lambda: when):
        reextract(t.app, t.interpreter, t.config.feeds)


def _lavrov_alert(t: Any, clock: StepClock) -> dict[str, Any]:
    _record(t, [*_opening(), entry("a3", "Lavrov to lead Russian team", at("2025-05-13"))], clock())
    assert t.process_alerts(deliver=True) == 1
    [alert] = alerts_projection.list_alerts(t)
    assert (alert["direction"], alert["new"]["head"]) == ("downgrade", "Sergei Lavrov")
    return alert


def test_a_report_no_longer_read_withdraws_its_alert_on_the_channel_it_went_to(store_url, tmp_path):
    out = tmp_path / "alerts.jsonl"
    clock = StepClock(at("2025-05-13", 14))
    with make(store_url, STORY, clock=clock, cfg=_config_with(_jsonl_rules(out))) as t:
        first = _lavrov_alert(t, clock)
        # A month later (max_age is 3 days): the withdrawal is news when it is made.
        _reread(t, NO_LAVROV, clock.advance(days=30))
        assert t.process_alerts(deliver=True) == 1
        withdrawal, again = alerts_projection.list_alerts(t)
        assert again["id"] == first["id"]
        assert (withdrawal["direction"], withdrawal["step"]) == (WITHDRAWN, 0)
        assert withdrawal["supersedes"] == first["id"]
        assert withdrawal["old"] == {"head": "Sergei Lavrov", "level": "minister"}
        assert withdrawal["new"] == {"head": None, "head_title": None, "level": None}
        assert withdrawal["evidence"]["entry_id"] == first["evidence"]["entry_id"]
        assert withdrawal["title"].startswith("Withdrawn: RU delegation minister (")
        assert f"Alert {first['id']} is withdrawn" in withdrawal["message"]
        assert "extractor scripted-2" in withdrawal["message"]
        assert withdrawal["status"] == "delivered"
        # Nothing more to say on the next run.
        assert t.process_alerts(deliver=True) == 0
    sent = _lines(out)
    assert [a["type"] for a in sent] == ["delegation_level_changed", "delegation_alert_withdrawn"]
    assert sent[1]["id"] == withdrawal["id"] and sent[1]["supersedes"] == first["id"]


def test_a_report_read_differently_withdraws_the_alert_then_the_new_reading_corrects_it(
    store_url,
):
    clock = StepClock(at("2025-05-13", 14))
    with make(store_url, STORY, clock=clock) as t:
        first = _lavrov_alert(t, clock)
        _reread(t, ONLY_AN_AIDE, clock.advance(hours=2))
        assert t.process_alerts(deliver=False) == 2
        newer, withdrawal, _ = alerts_projection.list_alerts(t)
        assert (withdrawal["direction"], withdrawal["supersedes"]) == (WITHDRAWN, first["id"])
        assert newer["supersedes"] == withdrawal["id"]
        assert newer["new"]["head"] == "Vladimir Medinsky"
        assert (newer["direction"], newer["step"]) == ("downgrade", 3)  # from the leader


def test_the_withdrawal_names_what_stands_for_the_party_after_it(store_url):
    clock = StepClock(at("2025-05-14", 14))
    with make(store_url, STORY, clock=clock) as t:
        # Medinsky reported first (an alert), then Lavrov (a correction of it): withdrawing
        # the Lavrov report leaves Medinsky standing.
        _record(
            t,
            [
                *_opening(),
                entry("a3", "Medinsky to lead Russian team", at("2025-05-13")),
                entry("a4", "Lavrov to lead Russian team", at("2025-05-14")),
            ],
            clock(),
        )
        assert t.process_alerts(deliver=False) == 2
        _reread(t, NO_LAVROV, clock.advance(hours=2))
        assert t.process_alerts(deliver=False) == 1
        withdrawal = alerts_projection.list_alerts(t)[0]
        assert withdrawal["old"]["head"] == "Sergei Lavrov"
        assert withdrawal["new"]["head"] == "Vladimir Medinsky"
        assert "Now:       Vladimir Medinsky, presidential aide" in withdrawal["message"]


def test_a_retraction_behind_no_standing_alert_withdraws_nothing(store_url):
    clock = StepClock(at("2025-05-14", 14))
    quieter = {k: v for k, v in STORY.items() if k != "Zelensky will wait for Putin"}
    with make(store_url, STORY, clock=clock) as t:
        _lavrov_alert(t, clock)
        # The opening reports are read differently: no alert was raised on them.
        _reread(t, quieter, clock.advance(hours=1))
        assert t.process_alerts(deliver=False) == 0
        assert [a["direction"] for a in alerts_projection.list_alerts(t)] == ["downgrade"]


def test_a_rebuild_re_detects_no_withdrawal_twice(store_url, tmp_path):
    out = tmp_path / "alerts.jsonl"
    clock = StepClock(at("2025-05-13", 14))
    with make(store_url, STORY, clock=clock, cfg=_config_with(_jsonl_rules(out))) as t:
        _lavrov_alert(t, clock)
        _reread(t, NO_LAVROV, clock.advance(hours=1))
        assert t.process_alerts(deliver=True) == 1
        t.view.reset()
        t.catch_up()
        assert t.process_alerts(deliver=True) == 0
    assert len(_lines(out)) == 2
