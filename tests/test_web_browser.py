"""The web page in real Chromium: timeline, delegation chart, time travel, small screens.

The app runs under uvicorn on a loopback port over a real SQLite store filled through the
real pipeline; Playwright drives Debian's /usr/bin/chromium (never a downloaded browser).
Without that binary these tests skip locally and fail under CI=true.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tracker.web import create_app

from support import at
from web_story import record_story, serve, story_tracker

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
NOW = at("2025-08-10")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("browser") / "tracker.db"
    with story_tracker(f"sqlite:///{path}", clock=lambda: NOW) as t:
        record_story(t)
        with serve(create_app(t)) as url:
            yield url


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    requested: list[str] = []
    errors: list[str] = []
    pg.on("request", lambda r: requested.append(r.url))
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.requested, pg.errors = requested, errors
    yield pg
    context.close()


def _rows(page: Any) -> list[str]:
    return page.locator("svg.timeline g.tl-row").evaluate_all(
        "rows => rows.map(r => r.querySelector('.row-label').firstChild.textContent.trim())"
    )


def _box(locator: Any) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None, "element is not rendered"
    return dict(box)


def test_the_timeline_and_the_delegation_chart_render(page, base_url, tmp_path):
    page.goto(base_url + "/")
    assert page.title().startswith("Russia–Ukraine peace talks")
    assert page.locator("svg.timeline").is_visible()
    assert sorted(_rows(page)) == sorted(
        ["Talks RU–TR–UA", "Summit RU–UA", "Summit RU–US", "Talks RU–UA", "Summit RU–US"]
    )
    held = page.locator("svg.timeline g.tl-row[data-status=held]")
    assert held.locator("rect.fill-held").count() == 1
    assert held.locator("circle.mark-downgrade").count() == 2, "RU and UA downgrade dots"

    ru = page.locator("svg.levels g.party-panel[data-party=RU]")
    assert ru.is_visible()
    drop = _box(ru.locator("line.jump-downgrade"))
    leader = _box(ru.locator("text.level-label", has_text="leader"))
    senior = _box(ru.locator("text.level-label", has_text="senior official"))
    # The red drop runs, on screen, from the leader line down to the senior-official line.
    assert abs(drop["y"] - (leader["y"] + leader["height"] / 2)) < 8
    assert abs(drop["y"] + drop["height"] - (senior["y"] + senior["height"] / 2)) < 8
    assert ru.locator("text.jump-label").text_content() == "↓3"
    story = page.locator(".level-story li.downgrade[data-party=RU]")
    assert "Vladimir Putin (leader, expected) → Vladimir Medinsky (senior official)" in (
        story.inner_text()
    )
    assert page.locator("tr.downgrade[data-party=RU]").is_visible()
    page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
    ru.screenshot(path=str(tmp_path / "ru-levels.png"))
    assert (tmp_path / "page.png").stat().st_size > 50_000
    assert all(u.startswith(base_url) for u in page.requested), page.requested
    assert page.errors == []


def test_changing_as_of_changes_what_is_shown(page, base_url, tmp_path):
    page.goto(base_url + "/")
    assert len(_rows(page)) == 5
    page.fill("input[name=as_of]", "2025-05-12")
    page.click("form.controls button[type=submit]")
    page.wait_for_url("**as_of=2025-05-12**")
    assert sorted(_rows(page)) == ["Summit RU–UA", "Talks RU–UA"]
    assert "As of 12 May 2025 23:59 UTC" in page.locator("header .asof").inner_text()
    line = page.locator("svg.timeline line.asof-line")
    assert line.count() == 1 and _box(line)["height"] > 50
    # Only the expected leaders are known by then: hollow points, no drop yet.
    ru = page.locator("svg.levels g.party-panel[data-party=RU]")
    assert ru.locator("g.point.expected").count() == 1
    assert ru.locator("g.point.sent").count() == 0
    assert ru.locator("line.jump-downgrade").count() == 0
    assert ru.locator("tspan.party-level").text_content() == "leader (expected)"
    page.screenshot(path=str(tmp_path / "as-of-12-may.png"), full_page=True)
    page.click("form.controls a.now")
    page.wait_for_url(lambda url: "as_of" not in url)
    assert len(_rows(page)) == 5


def test_clicking_a_dot_on_the_timeline_shows_the_briefing_as_it_was_then(page, base_url):
    page.goto(base_url + "/")
    page.locator("a.mark-link", has=page.locator("circle.mark-downgrade")).first.click()
    page.wait_for_url("**as_of=2025-05-1*")
    sent = page.locator("#delegations tr.sent")
    assert sent.count() >= 1
    assert "Vladimir Medinsky" in page.locator("#delegations").inner_text()
    assert "Summit RU–US" not in _rows(page), "Trump's summit was floated only on 19 May"


def test_the_audit_view_is_named_on_the_page(page, base_url):
    page.goto(base_url + "/?as_of=2025-05-16&as_recorded=1")
    assert page.locator("input[name=as_recorded]").is_checked()
    assert "this tracker had recorded" in page.locator("header .asof").inner_text()
    assert "recorded" in page.locator("#timeline .section-head").inner_text()


def test_on_a_phone_the_page_fits_the_screen_and_the_charts_scroll(browser, base_url, tmp_path):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        pg = context.new_page()
        pg.goto(base_url + "/")
        overflow = pg.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page is {overflow}px wider than the screen"
        wrap = pg.locator("#levels .chart-wrap")
        assert wrap.evaluate("w => w.scrollWidth > w.clientWidth"), "the chart scrolls inside"
        pg.screenshot(path=str(tmp_path / "phone.png"))
    finally:
        context.close()
