"""The Atom feed of changes, read back with feedparser as a feed reader would."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import feedparser
import pytest

from projections.render.atom import change_id, render_atom
from projections.replay import history

from support import at
from web_story import POLLS, record_story, story_tracker

TRACK = "russia-ukraine"
FEED = "http://127.0.0.1:8000/feed.atom"
PAGE = "http://127.0.0.1:8000/"
UPDATED = datetime(2025, 8, 10, tzinfo=UTC)


@pytest.fixture(scope="module")
def tracker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    path = tmp_path_factory.mktemp("atom") / "tracker.db"
    with story_tracker(f"sqlite:///{path}") as t:
        record_story(t)
        yield t


def _parse(text: str) -> Any:
    parsed = feedparser.parse(text.encode("utf-8"))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_the_feed_is_valid_atom_with_one_entry_per_change(tracker):
    doc = history(tracker.view, TRACK)
    feed = _parse(render_atom(doc, feed_url=FEED, updated=UPDATED, title="Russia–Ukraine talks"))
    assert feed.feed.title == "Russia–Ukraine talks: briefing changes"
    assert feed.feed.id == FEED
    assert {(link.rel, link.href) for link in feed.feed.links} == {("self", FEED)}
    assert feed.feed.updated == "2025-08-10T00:00:00Z"
    assert len(feed.entries) == len(doc["changes"]) > 10
    assert len({e.id for e in feed.entries}) == len(feed.entries)


def test_entries_come_newest_first_and_link_the_report_behind_them(tracker):
    feed = _parse(render_atom(history(tracker.view, TRACK), feed_url=FEED, updated=UPDATED))
    published = [e.published for e in feed.entries]
    assert published == sorted(published, reverse=True)
    assert feed.entries[0].link == "https://news.example/w8"
    assert feed.entries[-1].link == "https://news.example/w1"


def test_titles_read_as_sentences_without_raw_values(tracker):
    feed = _parse(render_atom(history(tracker.view, TRACK), feed_url=FEED, updated=UPDATED))
    titles = [e.title for e in feed.entries]
    assert not [t for t in titles if "None" in t or "['" in t]
    assert "Talks RU–UA in Istanbul, 2 Jun 2025: date set to 2 Jun 2025" in titles
    assert "Talks RU–UA in Istanbul, 16 May 2025: date 15 May 2025 → 16 May 2025" in titles


def test_the_russian_downgrade_is_an_entry_a_reader_can_filter_on(tracker):
    feed = _parse(render_atom(history(tracker.view, TRACK), feed_url=FEED, updated=UPDATED))
    downgrades = [e for e in feed.entries if any(t.term == "level_downgrade" for t in e.tags)]
    assert [e.link for e in downgrades] == ["https://news.example/d2", "https://news.example/w3"]
    ru = downgrades[1]
    assert "Vladimir Putin (leader) → Vladimir Medinsky (senior official)" in ru.title
    assert "Delegation downgrade" in ru.content[0].value
    assert ru.published == "2025-05-14T22:00:00Z"
    assert ru.updated == "2025-05-15T02:00:00Z", "updated is when the tracker recorded it"


def test_entry_ids_stay_the_same_when_more_news_arrives(tmp_path):
    with story_tracker(f"sqlite:///{tmp_path / 't.db'}") as t:
        record_story(t, until=4)
        before = _parse(render_atom(history(t.view, TRACK), feed_url=FEED, updated=UPDATED))
        again = _parse(render_atom(history(t.view, TRACK), feed_url=FEED, updated=UPDATED))
        record_story(t)
        after = _parse(render_atom(history(t.view, TRACK), feed_url=FEED, updated=UPDATED))
    old = {e.id: e.title for e in before.entries}
    assert old == {e.id: e.title for e in again.entries}
    new = {e.id: e.title for e in after.entries}
    assert len(POLLS) > 4 and len(new) > len(old)
    assert {i: new[i] for i in old} == old


def test_a_report_without_a_web_link_points_readers_to_the_briefing_page(tracker):
    doc = history(tracker.view, TRACK)
    doc["changes"][0]["evidence"]["link"] = "javascript:alert(1)"
    feed = _parse(render_atom(doc, feed_url=FEED, updated=UPDATED, page_url=PAGE))
    (oldest,) = [e for e in feed.entries if e.id == change_id(doc["changes"][0])]
    assert [link.href for link in oldest.links] == [PAGE]
    assert "javascript" not in oldest.content[0].value


def test_alerts_appear_in_the_feed_beside_the_changes(tracker):
    alerts = [
        {
            "id": "2f6a3c1e-8d9b-4c55-9a0e-1b2c3d4e5f60",
            "title": "RU delegation downgraded to senior official",
            "message": "Russia sends Vladimir Medinsky instead of Vladimir Putin.",
            "published_at": "2025-05-15T02:00:00Z",
            "link": "https://news.example/w3",
        },
        {
            "id": "rule-7",
            "title": "Second alert",
            "message": "",
            "published_at": None,
            "link": None,
        },
    ]
    doc = history(tracker.view, TRACK, until=at("2025-05-15", 12))
    feed = _parse(render_atom(doc, feed_url=FEED, updated=UPDATED, alerts=alerts))
    tagged = [e for e in feed.entries if any(t.term == "alert" for t in e.tags)]
    assert [e.title for e in tagged] == [
        "Alert: Second alert",
        "Alert: RU delegation downgraded to senior official",
    ]
    assert tagged[1].id == "urn:uuid:2f6a3c1e-8d9b-4c55-9a0e-1b2c3d4e5f60"
    assert tagged[1].link == "https://news.example/w3"
    assert tagged[0].id.startswith("urn:uuid:") and tagged[0].updated == "2025-08-10T00:00:00Z"
    assert len(feed.entries) == len(doc["changes"]) + 2


def test_an_empty_history_is_still_a_valid_feed():
    feed = _parse(render_atom({"track": TRACK, "changes": []}, feed_url=FEED, updated=UPDATED))
    assert feed.entries == [] and feed.feed.title == "russia-ukraine: briefing changes"


def test_a_naive_updated_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        render_atom({"track": TRACK, "changes": []}, feed_url=FEED, updated=datetime(2025, 8, 10))
