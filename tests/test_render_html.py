"""The HTML export: briefing, history and diff pages built from real projection documents."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from projections.render.html import render, safe_url
from projections.replay import briefing, diff, history
from tracker.commands import record_entries
from tracker.domain import recording_clock

from support import at, claim, entry
from web_story import parse_html, record_story, story_tracker

TRACK = "russia-ukraine"
NOW = at("2025-08-10")


@pytest.fixture(scope="module")
def tracker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    path = tmp_path_factory.mktemp("html") / "tracker.db"
    with story_tracker(f"sqlite:///{path}", clock=lambda: NOW) as t:
        record_story(t)
        yield t


@pytest.fixture(scope="module")
def page(tracker: Any) -> Any:
    return parse_html(render(briefing(tracker.view, TRACK, now=NOW), "briefing"))


def test_the_briefing_is_one_self_contained_page_that_loads_nothing_from_elsewhere(tracker):
    html = render(briefing(tracker.view, TRACK, now=NOW), "briefing")
    assert html.startswith("<!doctype html>")
    doc = parse_html(html)
    assert doc.find("style").text, "the CSS is inline"
    assert not doc.find_all("script") and not doc.find_all("img")
    assert [link.attrs["href"][:5] for link in doc.find_all("link")] == ["data:"], "icon inline"
    assert not re.search(r"@import|url\(", doc.find("style").text)


def test_the_briefing_has_the_analysts_sections_in_order(page):
    ids = [s.attrs["id"] for s in page.find_all("section")]
    assert ids == [
        "situation",
        "meetings",
        "delegations",
        "rumours",
        "positions",
        "changes",
        "ahead",
        "sources",
    ]
    assert "Russia–Ukraine peace talks" in page.find("h1").text


def test_every_delegation_links_the_entry_that_reported_it(page):
    talks = page.find("table", **{"data-kind": "talks"})
    rows = {r.attrs["data-party"]: r for r in talks.find_all("tr", class_="sent")}
    assert set(rows) == {"RU", "UA"}
    ru_links = [a.attrs["href"] for a in rows["RU"].find_all("a")]
    ua_links = [a.attrs["href"] for a in rows["UA"].find_all("a")]
    assert ru_links == ["https://news.example/w3"]
    assert ua_links == ["https://news.example/d2"]


def test_the_russian_downgrade_from_the_expected_leader_is_marked(page):
    talks = page.find("table", **{"data-kind": "talks"})
    ru = talks.find("tr", **{"data-party": "RU"})
    assert "downgrade" in ru.attrs["class"].split()
    assert "Vladimir Medinsky" in ru.text and "senior official" in ru.text
    assert "↓ downgrade · 3 levels" in ru.text
    assert "from Vladimir Putin (leader), expected" in ru.text
    assert page.find("div", class_="alarm").text == "2 delegation downgrades"


def test_conflicting_dates_are_shown_side_by_side_with_their_sources(page):
    conflict = page.find("div", class_="conflict")
    claims = conflict.find_all("div", class_="claim")
    assert [c.find("strong").text for c in claims] == ["2 Jun 2025", "3 Jun 2025"]
    assert conflict.find("div", class_="vs").text == "vs"
    assert [a.attrs["href"] for a in claims[1].find_all("a")] == ["https://news.example/d5"]


def test_each_meeting_shows_its_status_and_links_every_report_of_it(page):
    meetings = page.find_all("article", class_="meeting")
    held = [m for m in meetings if "st-held" in m.attrs["class"].split()]
    assert len(held) == 1
    assert "Talks RU–TR–UA in Istanbul, 16 May 2025" in held[0].find("h3").text
    links = {a.attrs["href"] for a in held[0].find("details").find_all("a")}
    assert links == {f"https://news.example/{i}" for i in ("w1", "w4", "w5", "d3")}


def test_rumours_positions_and_what_lies_ahead_are_listed(page):
    rumours = page.find("section", id="rumours").find_all("li")
    assert any("floated by Donald Trump" in r.text for r in rumours)
    positions = page.find("section", id="positions").text
    assert "no ceasefire without Putin at the table" in positions
    assert "Prisoner exchange" in positions
    ahead = page.find("section", id="ahead").text
    assert "15 Aug 2025" in ahead and "Summit RU–US in Alaska" in ahead


def test_what_changed_lists_the_newest_change_first(page):
    items = page.find("section", id="changes").find_all("li", class_="change")
    dates = [i.find("time").attrs["datetime"] for i in items]
    assert dates == sorted(dates, reverse=True) and len(dates) > 5
    downgrades = [i for i in items if "downgrade" in i.attrs["class"].split()]
    assert any("RU delegation" in d.text for d in downgrades)


def test_a_briefing_from_the_past_shows_only_what_was_published_by_then(tracker):
    early = parse_html(render(briefing(tracker.view, TRACK, as_of=at("2025-05-12")), "briefing"))
    delegations = early.find("section", id="delegations")
    assert not delegations.find_all("tr", class_="sent")
    expected = delegations.find_all("tr", class_="not-sent")
    assert [(r.attrs["data-party"], r.find("span", class_="lvl").text) for r in expected] == [
        ("RU", "leader"),
        ("UA", "leader"),
    ]
    assert "As of 12 May 2025 12:00 UTC" in early.find("div", class_="asof").text
    proposed = early.find_all("article", class_="meeting")
    assert len(proposed) == 1 and "st-proposed" in proposed[0].attrs["class"].split()


def test_the_audit_view_says_it_is_by_recorded_time(tracker):
    doc = briefing(tracker.view, TRACK, as_of=at("2025-05-16", 23), as_recorded=True)
    head = parse_html(render(doc, "briefing")).find("div", class_="asof")
    assert "this tracker had recorded" in head.text


def test_the_history_page_lists_every_change_with_both_clocks(tracker):
    doc = history(tracker.view, TRACK)
    page = parse_html(render(doc, "history"))
    items = page.find_all("li", class_="change")
    assert len(items) == len(doc["changes"]) > 0
    first = items[0].find_all("time")
    assert [t.attrs["datetime"] for t in first] == [
        doc["changes"][0]["published_at"],
        doc["changes"][0]["recorded_at"],
    ]


def test_the_diff_page_shows_before_and_after_for_each_changed_field(tracker):
    doc = diff(tracker.view, TRACK, at("2025-05-12"), at("2025-05-17"))
    page = parse_html(render(doc, "diff"))
    rows = {
        r.find("td").text: r for r in page.find("table", class_="diff-table").find_all("tr")[1:]
    }
    assert rows["RU delegation"].find("td", class_="old").text == "—"
    assert rows["RU delegation"].find("td", class_="new").text == (
        "Vladimir Medinsky (senior official)"
    )
    assert rows["status"].find("td", class_="old").text == "proposed"
    assert rows["status"].find("td", class_="new").text == "held"


def test_text_from_feeds_is_escaped_and_only_web_links_become_links(tmp_path):
    script = {
        "Medinsky to lead": [
            claim(
                "delegation_announced",
                party="RU",
                parties=("RU", "UA"),
                head="Vladimir <b>Medinsky</b>",
                head_title="aide",
                level="senior_official",
            ),
        ]
    }
    from support import make

    with make(f"sqlite:///{tmp_path / 't.db'}", script) as t:
        bad = entry(
            "x1",
            "<script>alert(1)</script> Medinsky to lead Russia-Ukraine talks",
            at("2025-05-14"),
            link="javascript:alert(1)",
        )
        with recording_clock(lambda: at("2025-05-14", 13)):
            record_entries(
                t.app, t.interpreter, t.config.feed("wire"), [bad], polled_at=at("2025-05-14", 13)
            )
        t.catch_up()
        html = render(briefing(t.view, TRACK, now=NOW), "briefing")
    page = parse_html(html)
    assert not page.find_all("script")
    assert [b.text for b in page.find_all("b") if "Medinsky" in b.text] == [
        "Vladimir <b>Medinsky</b>"
    ]
    assert "&lt;script&gt;" in html and "Vladimir &lt;b&gt;Medinsky&lt;/b&gt;" in html
    assert all(not a.attrs.get("href", "").startswith("javascript:") for a in page.find_all("a"))


def test_only_http_and_https_addresses_are_linkable():
    assert safe_url("https://news.example/a") == "https://news.example/a"
    assert safe_url("HTTP://news.example/a") == "HTTP://news.example/a"
    for bad in (
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "data:text/html,x",
        "/relative",
        None,
        3,
    ):
        assert safe_url(bad) is None


def test_an_unknown_document_kind_is_refused():
    with pytest.raises(ValueError, match="alerts"):
        render({}, "alerts")


def test_an_empty_track_says_that_nothing_is_reported_yet(tmp_path):
    with story_tracker(f"sqlite:///{tmp_path / 'empty.db'}") as t:
        t.catch_up()
        page = parse_html(render(briefing(t.view, TRACK, now=NOW), "briefing"))
        hist = parse_html(render(history(t.view, TRACK), "history"))
    assert "No meetings reported yet." in page.find("section", id="meetings").text
    assert "Nothing yet." in page.find("section", id="changes").text
    assert "No changes in this period." in hist.text
