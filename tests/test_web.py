"""The web API and page, over a real SQLite store filled through the real pipeline."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest
from fastapi.testclient import TestClient

from tracker.web import create_app

from support import CONFIG, at
from web_story import POLLS, parse_html, record_story, serve, story_tracker

NOW = at("2025-08-10")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("web") / "tracker.db"


@pytest.fixture(scope="module")
def tracker(store: Path) -> Iterator[Any]:
    with story_tracker(f"sqlite:///{store}", clock=lambda: NOW) as t:
        record_story(t)
        yield t


@pytest.fixture(scope="module")
def client(tracker: Any) -> Iterator[TestClient]:
    with TestClient(create_app(tracker)) as c:
        yield c


def _error(response: httpx.Response, param: str) -> str:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["param"] == param
    return str(body["error"])


def test_the_briefing_api_serves_the_very_json_the_cli_prints(client, store, tmp_path):
    config = tmp_path / "feeds.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    cli = subprocess.run(
        [
            sys.executable,
            "-c",
            "from tracker.cli import main; main()",
            "--config",
            str(config),
            "--store",
            f"sqlite:///{store}",
            "briefing",
            "--as-of",
            "2025-06-01",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
        check=False,
    )
    assert cli.returncode == 0, cli.stderr
    api = client.get("/api/briefing", params={"as_of": "2025-06-01"})
    assert api.status_code == 200
    assert api.headers["content-type"].startswith("application/json")
    assert api.text == cli.stdout


def test_the_briefing_has_the_documented_shape(client):
    doc = client.get("/api/briefing").json()
    assert doc["track"] == "russia-ukraine" and doc["clock"] == "published"
    assert doc["as_of"] == "2025-08-10T12:00:00Z", "now is the tracker's clock"
    held = [e for e in doc["engagements"] if e["status"] == "held"]
    assert len(held) == 1
    ru = next(d for d in held[0]["delegations"] if d["party"] == "RU")
    assert (ru["head"], ru["level"], ru["level_change"]["direction"]) == (
        "Vladimir Medinsky",
        "senior_official",
        "downgrade",
    )
    assert ru["evidence"][0]["link"] == "https://news.example/w3"
    assert {r["speaker"] for r in doc["rumours"]} == {"Donald Trump", "Volodymyr Zelensky"}


def test_as_of_travels_back_to_what_was_published_by_then(client):
    doc = client.get("/api/briefing", params={"as_of": "2025-05-12"}).json()
    assert doc["as_of"] == "2025-05-12T23:59:59.999999Z"
    assert [(e["status"], e["date"]) for e in doc["engagements"]] == [("proposed", "2025-05-15")]
    assert doc["engagements"][0]["delegations"] == []


def test_as_recorded_gives_the_audit_view(client):
    # Published on 14 May 22:00, recorded on 15 May 02:00: only the audit view misses it.
    params = {"as_of": "2025-05-15T01:00:00Z"}
    published = client.get("/api/briefing", params=params).json()
    recorded = client.get("/api/briefing", params={**params, "as_recorded": "1"}).json()
    assert recorded["clock"] == "recorded"

    def heads(doc: dict[str, Any]) -> list[str]:
        return [d["head"] for e in doc["engagements"] for d in e["delegations"]]

    assert heads(published) == ["Vladimir Medinsky"]
    assert heads(recorded) == []


def test_history_lists_changes_oldest_first_within_since_and_until(client):
    everything = client.get("/api/history").json()
    window = client.get("/api/history", params={"since": "2025-05-15", "until": "2025-05-16"})
    assert window.status_code == 200
    doc = window.json()
    assert set(doc) >= {"track", "clock", "since", "until", "changes"}
    stamps = [c["published_at"] for c in doc["changes"]]
    assert stamps == sorted(stamps)
    assert all("2025-05-15" <= s < "2025-05-17" for s in stamps)
    assert 0 < len(stamps) < len(everything["changes"])


def test_diff_between_two_dates_shows_the_delegations_that_appeared(client):
    response = client.get("/api/diff", params={"from": "2025-05-12", "to": "2025-05-17"})
    assert response.status_code == 200
    doc = response.json()
    (changed,) = doc["changed"]
    assert changed["fields"]["status"] == {"old": "proposed", "new": "held"}
    assert changed["fields"]["delegation.RU"]["new"] == {
        "head": "Vladimir Medinsky",
        "level": "senior_official",
    }


@pytest.mark.parametrize(
    ("path", "params", "param", "words"),
    [
        ("/api/diff", {"to": "2025-05-17"}, "from", "required"),
        ("/api/diff", {"from": "2025-05-12"}, "to", "required"),
        ("/api/diff", {"from": "2025-05-17", "to": "2025-05-12"}, "to", "earlier"),
        ("/api/diff", {"from": "12/05/2025", "to": "2025-05-17"}, "from", "'12/05/2025'"),
        ("/api/briefing", {"as_of": "yesterday"}, "as_of", "'yesterday'"),
        ("/api/briefing", {"track": "gaza"}, "track", "known: russia-ukraine"),
        ("/api/briefing", {"as_recorded": "maybe"}, "as_recorded", "yes/no"),
        ("/api/history", {"since": "2025-13-01"}, "since", "not a date"),
        ("/api/history", {"since": "2025-06-01", "until": "2025-05-01"}, "until", "earlier"),
        ("/feed.atom", {"track": "nope"}, "track", "unknown track"),
    ],
)
def test_bad_query_parameters_get_a_400_naming_the_parameter(client, path, params, param, words):
    message = _error(client.get(path, params=params), param)
    assert words in message


def test_a_bad_parameter_on_the_page_gets_a_readable_html_page(client):
    response = client.get("/", params={"as_of": "next week"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    page = parse_html(response.text)
    assert "'next week' is not a date" in page.find("section", id="error").text


def test_the_atom_feed_has_one_entry_per_change_and_alert_and_parses_cleanly(client):
    response = client.get("/feed.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    history = client.get("/api/history").json()
    alerts = [e for e in feed.entries if any(t.term == "alert" for t in e.tags)]
    assert len(feed.entries) - len(alerts) == len(history["changes"])
    assert "https://news.example/w3" in [a.link for a in alerts], "the RU downgrade alert"
    assert feed.feed.title == "Russia–Ukraine peace talks: briefing changes"
    self_link = next(link.href for link in feed.feed.links if link.rel == "self")
    assert self_link == "http://testserver/feed.atom"
    assert feed.feed.updated == max(c["recorded_at"] for c in history["changes"])


def test_feed_health_lists_every_configured_feed_with_its_entries(client):
    rows = client.get("/api/feeds").json()
    assert [r["name"] for r in rows] == ["wire", "desk"]
    for r in rows:
        assert set(r) >= {
            "name",
            "url",
            "status",
            "entries",
            "last_success",
            "last_error",
            "next_poll",
        }
    recorded = {name: 0 for name in ("wire", "desk")}
    for _polled, items in POLLS:
        for feed, *_rest in items:
            recorded[feed] += 1
    assert {r["name"]: r["entries"] for r in rows} == recorded


def test_healthz_reports_the_projection_position(client, tracker):
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["store"] == "sqlite"
    assert body["position"] == tracker.projector.position() > 0


def test_the_page_shows_the_timeline_the_chart_and_the_briefing(client):
    response = client.get("/")
    assert response.status_code == 200
    page = parse_html(response.text)
    timeline = page.find("svg", class_="timeline")
    rows = timeline.find_all("g", class_="tl-row")
    assert len(rows) == 5
    levels = page.find("svg", class_="levels")
    assert [g.attrs["data-party"] for g in levels.find_all("g", class_="party-panel")] == [
        "RU",
        "UA",
    ]
    assert page.find("section", id="meetings") and page.find("section", id="sources")
    alternate = page.find("link", rel="alternate")
    assert alternate.attrs["href"] == "feed.atom?track=russia-ukraine"


def test_every_request_sees_entries_recorded_since_the_last_one(tmp_path):
    with story_tracker(f"sqlite:///{tmp_path / 't.db'}", clock=lambda: NOW) as t:
        record_story(t, until=2)
        with TestClient(create_app(t)) as c:
            before = c.get("/api/briefing").json()
            record_story(t, start=2, until=3, catch_up=False)
            after = c.get("/api/briefing").json()
    assert [d for e in before["engagements"] for d in e["delegations"]] == []
    assert [d["head"] for e in after["engagements"] for d in e["delegations"]] == [
        "Vladimir Medinsky"
    ]


def test_concurrent_requests_on_a_real_server_all_succeed_while_news_arrives(tmp_path):
    with story_tracker(f"sqlite:///{tmp_path / 't.db'}", clock=lambda: NOW) as t:
        record_story(t, until=3)
        with serve(create_app(t)) as base, httpx.Client(base_url=base, timeout=60) as http:
            paths = ["/", "/api/briefing", "/api/history", "/feed.atom", "/healthz"] * 6
            with ThreadPoolExecutor(max_workers=6) as pool:
                pending = [pool.submit(http.get, p) for p in paths]
                record_story(t, start=3, catch_up=False)
                statuses = [f.result().status_code for f in pending]
            final = http.get("/api/history").json()
    assert statuses == [200] * len(paths)
    assert any(c["field"] == "conflict.date" for c in final["changes"]), "saw the last poll"


def test_an_empty_store_still_serves_a_page_a_briefing_and_a_valid_feed(tmp_path):
    store = f"sqlite:///{tmp_path / 'empty.db'}"
    with story_tracker(store, clock=lambda: NOW) as t, TestClient(create_app(t)) as c:
        page = c.get("/")
        briefing = c.get("/api/briefing").json()
        feed = feedparser.parse(c.get("/feed.atom").content)
    assert page.status_code == 200
    assert (
        "Nothing reported on this track yet."
        in parse_html(page.text).find("section", id="timeline").text
    )
    assert briefing["engagements"] == [] and briefing["changes"] == []
    assert not feed.bozo and feed.entries == []
    assert feed.feed.updated == "2025-08-10T12:00:00Z", "no change yet: the tracker's clock"


def test_a_long_track_shows_its_most_recent_engagements_on_the_timeline(client, monkeypatch):
    from tracker.web import charts

    monkeypatch.setattr(charts, "MAX_ROWS", 3)
    page = parse_html(client.get("/").text)
    rows = page.find("svg", class_="timeline").find_all("g", class_="tl-row")
    assert [r.find("text", class_="row-label").parts[0] for r in rows] == [
        "Summit RU–US",
        "Talks RU–UA",
        "Summit RU–US",
    ]
    assert "2 older ones are in the briefing below" in page.find("section", id="timeline").text
