"""Alert detection, rules and listing, on a SQLite file and on the PostgreSQL server.

The news is scripted (``support.ScriptedExtractor``); the event store, the read model, the
alerts projection, the outbox and the JSON-lines channel are all real.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from projections import alerts as alerts_projection
from tracker.alert_delivery import channel_key, redact
from tracker.alerts import Alert, alert_id, classify, matches, route
from tracker.commands import record_entries
from tracker.config import AlertRule
from tracker.domain import recording_clock

from feedserver import FeedServer, Static
from support import (
    CONFIG,
    HELD_IN_ISTANBUL,
    MEDINSKY_LEADS,
    PUTIN_PROPOSES,
    ZELENSKY_WAITS,
    StepClock,
    at,
    claim,
    config,
    entry,
    make,
)

OPENING = {
    "Putin proposes direct talks": [PUTIN_PROPOSES],
    "Zelensky will wait for Putin": [ZELENSKY_WAITS],
}
MEDINSKY = [MEDINSKY_LEADS]
LAVROV = [
    claim(
        "delegation_announced",
        party="RU",
        parties=("RU", "UA"),
        head="Sergei Lavrov",
        head_title="foreign minister",
        level="minister",
    )
]
SHOIGU = [
    claim(
        "delegation_announced",
        party="RU",
        parties=("RU", "UA"),
        head="Sergei Shoigu",
        head_title="security council secretary",
        level="minister",
    )
]
STORY = {
    **OPENING,
    "Medinsky to lead": MEDINSKY,
    "Lavrov to lead": LAVROV,
    "Shoigu to lead": SHOIGU,
    "Kremlin names its negotiator": [
        claim(
            "delegation_announced",
            party="RU",
            parties=("RU", "UA"),
            head="Ivan Petrov",
            head_title="negotiator",
        ),
    ],
    "talks held in Istanbul": [HELD_IN_ISTANBUL],
    "second round on 2 June": [
        claim("talks_scheduled", parties=("RU", "UA"), venue="Istanbul", date="2025-06-02"),
    ],
    "Lavrov heads second round": [
        claim(
            "delegation_announced",
            party="RU",
            parties=("RU", "UA"),
            venue="Istanbul",
            date="2025-06-02",
            head="Sergei Lavrov",
            head_title="foreign minister",
            level="minister",
        ),
    ],
}


def _opening() -> list[Any]:
    return [
        entry("a1", "Putin proposes direct talks in Istanbul", at("2025-05-11", 6)),
        entry("a2", "Zelensky will wait for Putin in Turkey", at("2025-05-11", 20)),
    ]


def _record(tracker: Any, entries: list[Any], when: Any, feed: str = "wire") -> None:
    with recording_clock(lambda: when):
        record_entries(
            tracker.app, tracker.interpreter, tracker.config.feed(feed), entries, polled_at=when
        )


def _config_with(rules: str) -> Any:
    return config(CONFIG + rules)


def _jsonl_rules(path: Path, extra: str = "") -> str:
    return f"""
alerts:
  - name: desk
    notify: ["jsonl://{path}"]
    max_age: 3d
{extra}"""


def _lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# ------------------------------------------------------------------------------ detection
def test_an_expected_leader_replaced_by_an_aide_raises_one_downgrade_of_three_steps(store_url):
    clock = StepClock(at("2025-05-15"))
    with make(store_url, STORY, clock=clock) as t:
        _record(
            t,
            [*_opening(), entry("a3", "Medinsky to lead Russian team", at("2025-05-14", 22))],
            clock(),
        )
        assert t.process_alerts(deliver=False) == 1
        assert t.process_alerts(deliver=False) == 0
        [alert] = alerts_projection.list_alerts(t)
        assert (alert["party"], alert["direction"], alert["step"], alert["basis"]) == (
            "RU",
            "downgrade",
            3,
            "expected",
        )
        assert alert["old"] == {"head": "Vladimir Putin", "level": "leader"}
        assert alert["new"]["head"] == "Vladimir Medinsky"
        assert alert["new"]["level"] == "senior_official"
        assert alert["supersedes"] is None


def test_twenty_reports_of_the_same_downgrade_in_one_poll_raise_one_alert(store_url, tmp_path):
    out = tmp_path / "alerts.jsonl"
    items = "".join(
        f"<item><guid>r{i}</guid><title>Medinsky to lead Russian team (outlet {i})</title>"
        f"<link>https://news.example/r{i}</link>"
        f"<pubDate>Wed, 14 May 2025 {10 + i % 10:02d}:{i:02d}:00 GMT</pubDate></item>"
        for i in range(20)
    )
    rss = f'<?xml version="1.0"?><rss version="2.0"><channel><title>w</title>{items}'
    rss += "</channel></rss>"
    clock = StepClock(at("2025-05-15"))
    with FeedServer() as server:
        server.route("/wire.xml", Static(rss.encode()))
        cfg = config(
            CONFIG.replace("http://127.0.0.1:1/wire.xml", server.url("/wire.xml"))
            + _jsonl_rules(out)
        )
        with make(store_url, STORY, clock=clock, cfg=cfg) as t:
            _record(t, _opening(), at("2025-05-12"), feed="desk")
            report = t.poll([t.config.feed("wire")])
            assert report.new == 20
            t.catch_up()
            assert t.process_alerts(deliver=True) == 1
            changed = [n for n in _topics(t) if n.endswith("DelegationChanged.v1")]
            extra = [n for n in _topics(t) if n.endswith("EvidenceAdded.v1")]
            assert len(changed) == 1 and len(extra) == 19
    assert [line["direction"] for line in _lines(out)] == ["downgrade"]


def _topics(t: Any) -> list[str]:
    from support import topics

    return topics(t.app)


def test_a_correction_raises_a_new_alert_that_supersedes_the_first(store_url):
    clock = StepClock(at("2025-05-15"))
    with make(store_url, STORY, clock=clock) as t:
        _record(
            t, [*_opening(), entry("a3", "Lavrov to lead Russian team", at("2025-05-13"))], clock()
        )
        t.process_alerts(deliver=False)
        _record(
            t,
            [entry("a4", "Medinsky to lead Russian team", at("2025-05-14"))],
            clock.advance(hours=1),
        )
        assert t.process_alerts(deliver=False) == 1
        second, first = alerts_projection.list_alerts(t)
        assert (first["direction"], first["step"], first["new"]["head"]) == (
            "downgrade",
            1,
            "Sergei Lavrov",
        )
        assert (second["direction"], second["step"], second["basis"]) == (
            "downgrade",
            2,
            "announced",
        )
        assert second["old"] == {"head": "Sergei Lavrov", "level": "minister"}
        assert second["supersedes"] == first["id"]
        assert f"This corrects alert {first['id']}." in second["message"]


def test_a_new_head_at_the_same_level_is_an_alert_only_when_it_corrects_one(store_url):
    clock = StepClock(at("2025-05-15"))
    with make(store_url, STORY, clock=clock) as t:
        # Lavrov replaces the expected leader (an alert), then Shoigu replaces Lavrov at the
        # same level: a correction of that alert, direction "none".
        _record(
            t,
            [
                *_opening(),
                entry("a3", "Lavrov to lead Russian team", at("2025-05-13")),
                entry("a4", "Shoigu to lead Russian team", at("2025-05-14")),
            ],
            clock(),
        )
        assert t.process_alerts(deliver=False) == 2
        correction, first = alerts_projection.list_alerts(t)
        assert (correction["direction"], correction["step"]) == ("none", 0)
        assert correction["supersedes"] == first["id"]
        assert correction["title"].startswith("Correction: RU delegation now led by Sergei Shoigu")


def test_a_new_head_at_the_same_level_with_no_alert_to_correct_raises_nothing(store_url):
    clock = StepClock(at("2025-05-15"))
    with make(store_url, STORY, clock=clock) as t:
        # Nothing to compare the first head with; the second keeps the level.
        _record(
            t,
            [
                entry("b1", "Lavrov to lead Russian team", at("2025-05-13")),
                entry("b2", "Shoigu to lead Russian team", at("2025-05-14")),
            ],
            clock(),
        )
        assert len([n for n in _topics(t) if n.endswith("DelegationChanged.v1")]) == 2
        assert t.process_alerts(deliver=False) == 0


def test_a_head_of_unknown_level_is_no_change(store_url):
    clock = StepClock(at("2025-05-15"))
    with make(store_url, STORY, clock=clock) as t:
        _record(
            t, [*_opening(), entry("a3", "Kremlin names its negotiator", at("2025-05-14"))], clock()
        )
        changed = [n for n in _topics(t) if n.endswith("DelegationChanged.v1")]
        assert len(changed) == 1  # the aggregate records it ...
        assert t.process_alerts(deliver=False) == 0  # ... but it is no level change
        assert alerts_projection.list_alerts(t) == []


def test_a_party_fielding_a_higher_level_than_at_its_previous_round_is_an_upgrade(store_url):
    clock = StepClock(at("2025-06-01"))
    with make(store_url, STORY, clock=clock) as t:
        _record(
            t,
            [
                entry("a1", "Putin proposes direct talks in Istanbul", at("2025-05-11", 6)),
                entry("a3", "Medinsky to lead Russian team", at("2025-05-14", 22)),
                entry("a4", "Russia-Ukraine talks held in Istanbul", at("2025-05-16", 18)),
                entry("a5", "Sides agree second round on 2 June", at("2025-05-28")),
                entry("a6", "Lavrov heads second round", at("2025-05-31")),
            ],
            clock(),
        )
        assert t.process_alerts(deliver=False) == 1
        [alert] = alerts_projection.list_alerts(t)
        assert (alert["direction"], alert["step"], alert["basis"]) == (
            "upgrade",
            2,
            "previous_round",
        )
        assert alert["previous_round"]["date"] == "2025-05-16"
        assert alert["engagement"]["date"] == "2025-06-02"
        assert "at the party's previous round (Istanbul, 2025-05-16)" in alert["message"]


def test_alert_ids_are_deterministic_per_engagement_event():
    assert alert_id("e1", 5) == alert_id("e1", 5)
    assert len({alert_id("e1", 5), alert_id("e1", 6), alert_id("e2", 5)}) == 3


def test_levels_compare_only_when_both_are_known():
    assert classify("expected", "leader", "senior_official", corrects=False) == ("downgrade", 3)
    assert classify("announced", "deputy_minister", "minister", corrects=False) == ("upgrade", 1)
    assert classify("previous_round", "minister", "leader", corrects=False) == ("upgrade", 1)
    assert classify("none", None, "minister", corrects=False) is None
    assert classify("announced", "minister", None, corrects=True) is None
    assert classify("announced", None, "minister", corrects=False) is None
    assert classify("announced", "minister", "minister", corrects=False) is None
    assert classify("announced", "minister", "minister", corrects=True) == ("none", 0)


# ------------------------------------------------------------------------------ rules
def _alert(**kw: Any) -> Alert:
    base: dict[str, Any] = dict(
        id="a",
        position=1,
        event_version=2,
        engagement={
            "id": "e",
            "kind": "talks",
            "parties": ["RU", "UA"],
            "venue": "Istanbul",
            "date": "2025-05-16",
            "status": "scheduled",
        },
        track="russia-ukraine",
        track_title="Russia–Ukraine",
        party="RU",
        direction="downgrade",
        step=3,
        basis="expected",
        old_head="Vladimir Putin",
        old_level="leader",
        head="Vladimir Medinsky",
        head_title="presidential aide",
        level="senior_official",
        published_at=at("2025-05-14"),
        recorded_at=at("2025-05-15"),
        evidence={"title": "Medinsky to lead", "link": "https://news.example/a3", "source": "wire"},
    )
    base.update(kw)
    return Alert(**base)


def test_rules_select_by_track_party_direction_and_minimum_step():
    a = _alert()
    assert matches(AlertRule(name="r"), a)
    assert matches(AlertRule(name="r", tracks=["russia-ukraine"], parties=["RU"]), a)
    assert not matches(AlertRule(name="r", tracks=["gaza"]), a)
    assert not matches(AlertRule(name="r", parties=["UA"]), a)
    assert not matches(AlertRule(name="r", direction="upgrade"), a)
    assert matches(AlertRule(name="r", direction="downgrade", min_step=3), a)
    assert not matches(AlertRule(name="r", min_step=4), a)


def test_a_correction_goes_wherever_the_alert_it_corrects_went():
    fix = _alert(direction="upgrade", step=3, supersedes="first")
    rule = AlertRule(name="downgrades", direction="downgrade")
    assert not matches(rule, fix)
    assert matches(rule, fix, superseded_rules=["downgrades"])
    same_level = _alert(direction="none", step=0, supersedes="first")
    assert not matches(AlertRule(name="any"), same_level)
    assert matches(AlertRule(name="any"), same_level, superseded_rules=["any"])


def test_max_age_compares_publication_with_the_tracker_clock():
    a = _alert(published_at=at("2024-05-14"))
    rule = AlertRule(name="desk", notify=["jsonl:///tmp/x.jsonl"], max_age=timedelta(days=2))
    names, [r] = route(a, [rule], now=at("2025-05-15"))
    assert names == ["desk"]
    assert r.status == "suppressed" and (r.reason or "").startswith("too old")
    _, [fresh] = route(a, [rule], now=at("2024-05-15"))
    assert fresh.status == "pending" and fresh.reason is None


def test_a_channel_named_by_two_rules_gets_one_copy():
    a = _alert()
    rules = [
        AlertRule(name="x", notify=["console://"]),
        AlertRule(name="y", notify=["console://"], max_age=timedelta(days=400)),
    ]
    names, routes = route(a, rules, now=at("2025-06-15"))
    assert names == ["x", "y"]
    assert [(r.rules, r.status) for r in routes] == [(("x", "y"), "pending")]


def test_a_backfill_is_recorded_as_suppressed_too_old_not_dropped(store_url, tmp_path):
    out = tmp_path / "alerts.jsonl"
    clock = StepClock(at("2026-01-10"))
    with make(store_url, STORY, clock=clock, cfg=_config_with(_jsonl_rules(out))) as t:
        _record(
            t,
            [*_opening(), entry("a3", "Medinsky to lead Russian team", at("2025-05-14"))],
            clock(),
        )
        assert t.process_alerts(deliver=True) == 1
        [alert] = alerts_projection.list_alerts(t)
        [d] = alert["deliveries"]
        assert alert["status"] == "suppressed" and d["status"] == "suppressed"
        assert d["last_error"].startswith("too old: published 241d")
    assert _lines(out) == []


def test_with_no_rules_alerts_are_still_raised_and_shown_on_the_console(store_url, capsys):
    clock = StepClock(at("2025-05-15"))
    with make(store_url, STORY, clock=clock) as t:
        _record(
            t,
            [*_opening(), entry("a3", "Medinsky to lead Russian team", at("2025-05-14", 22))],
            clock(),
        )
        t.process_alerts(deliver=True)
        [alert] = alerts_projection.list_alerts(t)
        assert alert["rules"] == ["default"]
        assert [(d["channel"], d["status"]) for d in alert["deliveries"]] == [
            ("console://", "delivered")
        ]
    assert "ALERT Downgrade: RU delegation leader → senior official" in capsys.readouterr().err


def test_channel_listings_and_keys_never_show_a_password():
    good = "mailto://bob:secret@mail.example.org?from=t@example.org&to=desk@example.org"
    broken = "mailto://bob:secret@127.0.0.1:9?mode=insecure&to=x@example.org"  # no usable From
    for url in (good, broken, "json://u:secret@127.0.0.1:8000/hook?+Authorization=secret"):
        assert "secret" not in redact(url) and "secret" not in channel_key(url)
    assert redact(broken) == "mailto://127.0.0.1:9"
    assert redact("jsonl:///var/log/alerts.jsonl") == "jsonl:///var/log/alerts.jsonl"


def test_a_rule_with_no_channels_raises_and_lists_but_sends_nowhere(store_url, capsys):
    rules = "\nalerts:\n  - name: quiet\n    notify: []\n"
    clock = StepClock(at("2025-05-15"))
    with make(store_url, STORY, clock=clock, cfg=_config_with(rules)) as t:
        _record(
            t,
            [*_opening(), entry("a3", "Medinsky to lead Russian team", at("2025-05-14", 22))],
            clock(),
        )
        assert t.process_alerts(deliver=True) == 1
        [alert] = alerts_projection.list_alerts(t)
    assert (alert["rules"], alert["deliveries"], alert["status"]) == (["quiet"], [], "no channel")
    assert "ALERT" not in capsys.readouterr().err


# ------------------------------------------------------------------------------ the message
def test_the_message_says_what_changed_for_which_meeting_and_links_the_evidence(store_url):
    clock = StepClock(at("2025-05-15"))
    with make(store_url, STORY, clock=clock) as t:
        _record(
            t,
            [*_opening(), entry("a3", "Medinsky to lead Russian team", at("2025-05-14", 22))],
            clock(),
        )
        t.process_alerts(deliver=False)
        [alert] = alerts_projection.list_alerts(t)
    text = alert["message"]
    assert alert["title"] == (
        "Downgrade: RU delegation leader → senior official (RU–UA talks, Istanbul, 2025-05-15)"
    )
    assert text.startswith(
        "RU has downgraded its delegation by 3 levels, from leader to senior official."
    )
    assert "Before:    Vladimir Putin, leader, who was expected to lead it" in text
    assert "Now:       Vladimir Medinsky, presidential aide, senior official" in text
    assert "Meeting:   talks between RU and UA in Istanbul on 2025-05-15 (status: proposed)" in text
    assert "Published: 2025-05-14 22:00 UTC" in text
    assert 'Source:    wire: "Medinsky to lead Russian team"' in text
    assert "https://news.example/a3" in text and alert["link"] == "https://news.example/a3"
    assert f"Alert id:  {alert['id']}" in text
    assert all(len(line) < 100 for line in text.splitlines())  # readable in a chat window


def test_list_alerts_gives_the_feed_and_the_page_what_they_need(store_url):
    clock = StepClock(at("2025-05-15"))
    with make(store_url, STORY, clock=clock) as t:
        assert alerts_projection.list_alerts(t) == []  # tables are created on first use
        _record(
            t,
            [*_opening(), entry("a3", "Medinsky to lead Russian team", at("2025-05-14", 22))],
            clock(),
        )
        t.process_alerts(deliver=False)
        [alert] = alerts_projection.list_alerts(t)
    assert {
        "id",
        "title",
        "message",
        "published_at",
        "link",
        "raised_at",
        "deliveries",
        "status",
        "engagement",
        "party",
        "direction",
        "step",
    } <= set(alert)
    assert alert["published_at"] == "2025-05-14T22:00:00Z"
    assert alert["status"] == "pending"


def test_detection_moves_past_news_without_delegation_changes(store_url):
    clock = StepClock(at("2025-05-15"))
    with make(store_url, STORY, clock=clock) as t:
        _record(t, _opening(), clock())
        assert t.process_alerts(deliver=False) == 0
        # The next run starts at the end of the log, not at the last delegation change.
        assert t.view.max_tracking_id(alerts_projection.NAME) == t.app.max_notification_id()


# ------------------------------------------------------------------------------ rebuilds
def test_rebuilding_every_projection_never_resends_a_delivered_alert(store_url, tmp_path):
    out = tmp_path / "alerts.jsonl"
    clock = StepClock(at("2025-05-15"))
    with make(store_url, STORY, clock=clock, cfg=_config_with(_jsonl_rules(out))) as t:
        _record(
            t,
            [*_opening(), entry("a3", "Medinsky to lead Russian team", at("2025-05-14", 22))],
            clock(),
        )
        t.catch_up()
        t.process_alerts(deliver=True)
        assert len(_lines(out)) == 1
        # `tracker rebuild`, then a rebuild of the alerts projection itself from position 0.
        t.view.reset()
        t.catch_up()
        with t.view._txn(commit=True) as c:
            t.view._delete_tracking(c, [alerts_projection.NAME])
        assert t.view.max_tracking_id(alerts_projection.NAME) in (None, 0)
        assert t.process_alerts(deliver=True) == 0
        [alert] = alerts_projection.list_alerts(t)
        assert alert["status"] == "delivered"
    assert len(_lines(out)) == 1


# ------------------------------------------------------------------------------ the CLI
def test_the_alerts_command_lists_alerts_with_their_delivery_status(store_url, tmp_path):
    out = tmp_path / "alerts.jsonl"
    rules = _jsonl_rules(out)
    cfg_path = tmp_path / "feeds.yaml"
    cfg_path.write_text(CONFIG + rules, encoding="utf-8")
    clock = StepClock(at("2025-05-15"))
    with make(store_url, STORY, clock=clock, cfg=_config_with(rules)) as t:
        _record(
            t,
            [*_opening(), entry("a3", "Medinsky to lead Russian team", at("2025-05-14", 22))],
            clock(),
        )
    cmd = [
        sys.executable,
        "-c",
        "from tracker.cli import main; main()",
        "--config",
        str(cfg_path),
        "--store",
        store_url,
        "alerts",
    ]
    as_json = subprocess.run(
        [*cmd, "--format", "json"], capture_output=True, text=True, timeout=120, check=True
    )
    [alert] = json.loads(as_json.stdout)
    assert alert["direction"] == "downgrade"
    # The command raises (the real clock: long after May 2025, so "too old") but never sends.
    assert [d["status"] for d in alert["deliveries"]] == ["suppressed"]
    table = subprocess.run(
        [*cmd],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert "Downgrade: RU delegation leader → senior official" in table.stdout
    assert "jsonl://" in table.stdout and "suppressed" in table.stdout
    assert _lines(out) == []
