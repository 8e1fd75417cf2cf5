"""Polling through ``Tracker.poll``: real loopback servers, real SQLite files (and PostgreSQL
where the test is about what the store keeps)."""

from __future__ import annotations

import threading
import zlib
from datetime import timedelta
from email.utils import format_datetime
from html import escape

import pytest

from tracker.config import Config
from tracker.entry import Entry
from tracker.pipeline import RECORD_EVERY

from feedserver import (
    Conditional,
    FeedServer,
    Gauge,
    Hold,
    Redirect,
    Response,
    Static,
    Status,
    trickle,
)
from support import at, claim, config, make, notifications, topics

SCRIPT = {
    "direct talks in Istanbul": [
        claim("talks_proposed", parties=("RU", "UA"), venue="Istanbul", proposer="RU")
    ],
}


def rss(*items: tuple[str, str], day: str = "2025-05-11") -> bytes:
    """An RSS 2.0 document; items are (guid, title), each published at a time of ``day``
    that depends on its guid alone (so adding an item does not change the others)."""

    def when(guid: str) -> str:
        return format_datetime(at(day, 6) + timedelta(minutes=zlib.crc32(guid.encode()) % 600))

    body = "".join(
        f"<item><guid>{escape(guid)}</guid><title>{escape(title)}</title>"
        f"<link>https://news.example/{escape(guid)}</link><pubDate>{when(guid)}</pubDate></item>"
        for guid, title in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        f"{body}</channel></rss>"
    ).encode()


WIRE = rss(("a1", "Putin proposes direct talks in Istanbul"), ("a2", "Markets rally"))


def feeds_config(feeds: dict[str, str], settings: str = "") -> Config:
    lines = ["feeds:"]
    for name, url in feeds.items():
        lines += [f"  - name: {name}", f"    url: {url}"]
    lines += ["tracks:", "  - slug: russia-ukraine", "    parties: [RU, UA]"]
    return config("\n".join(lines) + "\n" + settings)


def feed_topics(tracker, kind: str) -> list[str]:
    return [t for t in topics(tracker.app) if t.startswith(f"tracker.{kind}.")]


@pytest.fixture
def server():
    with FeedServer() as s:
        yield s


def test_repolling_an_unchanged_feed_with_validators_appends_no_events(server, store_url):
    url = server.route("/wire.xml", Conditional(WIRE, etag='"v1"'))
    with make(store_url, SCRIPT, cfg=feeds_config({"wire": url})) as t:
        first = t.poll()
        position = t.app.max_notification_id()
        second = t.poll()
        assert [(o.status, o.new) for o in first.outcomes] == [("ok", 2)]
        assert [o.status for o in second.outcomes] == ["not_modified"]
        assert server.requests_to("/wire.xml")[-1].headers["if-none-match"] == '"v1"'
        assert t.app.max_notification_id() == position


def test_repolling_an_unchanged_feed_without_validators_appends_no_events(server, store_url):
    url = server.route("/wire.xml", Static(WIRE))
    with make(store_url, SCRIPT, cfg=feeds_config({"wire": url})) as t:
        t.poll()
        position = t.app.max_notification_id()
        second = t.poll()
        assert [o.status for o in second.outcomes] == ["unchanged"]
        assert "if-none-match" not in server.requests_to("/wire.xml")[-1].headers
        assert t.app.max_notification_id() == position


def test_a_new_entry_in_a_changed_feed_is_the_only_thing_recorded(server, tmp_path):
    url = server.route("/wire.xml", Static(WIRE))
    with make(f"sqlite:///{tmp_path / 't.db'}", SCRIPT, cfg=feeds_config({"wire": url})) as t:
        t.poll()
        before = feed_topics(t, "Entry")
        server.route(
            "/wire.xml",
            Static(
                rss(
                    ("a0", "Ceasefire talk"),
                    ("a1", "Putin proposes direct talks in Istanbul"),
                    ("a2", "Markets rally"),
                )
            ),
        )
        report = t.poll()
        assert [(o.status, o.new, o.revised) for o in report.outcomes] == [("ok", 1, 0)]
        assert feed_topics(t, "Entry") == [*before, "tracker.Entry.Recorded.v1"]


def test_a_permanent_redirect_is_remembered_and_logged_once(server, tmp_path):
    server.route("/old.xml", Redirect("/new.xml", status=301))
    new_url = server.route("/new.xml", Conditional(WIRE, etag='"v1"'))
    cfg = feeds_config({"wire": server.url("/old.xml")})
    with make(f"sqlite:///{tmp_path / 't.db'}", SCRIPT, cfg=cfg) as t:
        first = t.poll()
        assert first.outcomes[0].moved_to == new_url
        t.poll()
        t.poll()
        assert len(server.requests_to("/old.xml")) == 1  # later polls go straight to the new URL
        assert len(server.requests_to("/new.xml")) == 3
        assert feed_topics(t, "Feed").count("tracker.Feed.Moved.v1") == 1
        assert t.app.get_feed("wire").url == new_url
        assert t.feed_states.load()["wire"].url == new_url


def test_editing_a_feeds_url_forgets_the_remembered_move(server, tmp_path):
    server.route("/old.xml", Redirect("/new.xml", status=301))
    server.route("/new.xml", Static(WIRE))
    other = server.route("/other.xml", Static(WIRE))
    store = f"sqlite:///{tmp_path / 't.db'}"
    with make(store, SCRIPT, cfg=feeds_config({"wire": server.url("/old.xml")})) as t:
        t.poll()
    with make(store, SCRIPT, cfg=feeds_config({"wire": other})) as t:
        t.poll()
        assert t.feed_states.load()["wire"].url == other
        assert len(server.requests_to("/other.xml")) == 1


def test_a_feed_that_fails_then_recovers_logs_one_failure_start_and_one_end(server, store_url):
    url = server.route("/wire.xml", Status(500))
    with make(store_url, SCRIPT, cfg=feeds_config({"wire": url})) as t:
        t.poll()
        t.poll()
        state = t.feed_states.load()["wire"]
        assert (state.status, state.failures, state.error_kind) == ("failing", 2, "http_500")
        server.route("/wire.xml", Static(WIRE))
        report = t.poll()
        assert report.outcomes[0].new == 2
        feed_events = feed_topics(t, "Feed")
        assert feed_events.count("tracker.Feed.FailureStarted.v1") == 1
        assert feed_events.count("tracker.Feed.FailureEnded.v1") == 1
        state = t.feed_states.load()["wire"]
        assert (state.status, state.failures, state.last_error) == ("ok", 0, None)


def test_a_recovery_answered_with_304_still_ends_the_failure_in_the_log(server, tmp_path):
    good = Conditional(WIRE, etag='"v1"')
    url = server.route("/wire.xml", good)
    with make(f"sqlite:///{tmp_path / 't.db'}", SCRIPT, cfg=feeds_config({"wire": url})) as t:
        t.poll()
        server.route("/wire.xml", Status(503))
        t.poll()
        server.route("/wire.xml", good)
        report = t.poll()
        assert report.outcomes[0].status == "not_modified"
        assert feed_topics(t, "Feed")[-1] == "tracker.Feed.FailureEnded.v1"
        assert t.app.get_feed("wire").failing_since is None
        position = t.app.max_notification_id()
        t.poll()  # healthy and idle again: nothing more in the log
        assert t.app.max_notification_id() == position


def test_retry_after_pushes_the_next_poll_past_the_backoff(server, tmp_path):
    url = server.route("/wire.xml", Status(429, Retry_After="7200"))
    with make(f"sqlite:///{tmp_path / 't.db'}", SCRIPT, cfg=feeds_config({"wire": url})) as t:
        before = t.clock()
        outcome = t.poll().outcomes[0]
        assert outcome.error_kind == "http_429"
        assert (outcome.next_poll_at - before).total_seconds() >= 7200 - 5
        assert t.feed_states.load()["wire"].next_poll_at == outcome.next_poll_at


def test_feed_health_survives_reopening_the_store(server, store_url):
    good = server.route("/wire.xml", Conditional(WIRE, etag='"v1"'))
    bad = server.route("/desk.xml", Status(404))
    cfg = feeds_config({"wire": good, "desk": bad})
    with make(store_url, SCRIPT, cfg=cfg) as t:
        t.poll()
    with make(store_url, SCRIPT, cfg=cfg) as t:
        states = t.feed_states.load()
        assert states["wire"].etag == '"v1"' and states["wire"].status == "ok"
        assert states["desk"].status == "failing" and "404" in states["desk"].last_error
        report = t.poll()
        assert {o.feed: o.status for o in report.outcomes} == {
            "wire": "not_modified",
            "desk": "failed",
        }


def test_polls_overlap_across_hosts_within_the_per_host_limit(tmp_path):
    gauge = Gauge()

    def overlapped(g: Gauge) -> bool:
        # The last round may hold fewer than four: let it go once most have started.
        return g.in_flight >= 4 or sum(g.started.values()) > 8

    servers = [FeedServer(f"127.0.0.{i}", gauge=gauge) for i in (1, 2, 3)]
    feeds = {}
    for s in servers:
        s.__enter__()
        for k in range(4):
            # Each answer waits until four requests are in flight: only a poller that overlaps
            # requests across hosts gets answers without waiting out the hold.
            feeds[f"f{s.host[-1]}-{k}"] = s.route(
                f"/f{k}.xml", Hold(Static(WIRE), gauge, overlapped, timeout=3)
            )
    try:
        cfg = feeds_config(feeds, "settings:\n  concurrency: 4\n  per_host: 2\n")
        with make(f"sqlite:///{tmp_path / 't.db'}", SCRIPT, cfg=cfg) as t:
            report = t.poll()
        assert [o.status for o in report.outcomes] == ["ok"] * 12
        assert gauge.max_in_flight == 4
        assert max(gauge.max_per_host.values()) == 2
    finally:
        for s in servers:
            s.stop()


def test_feeds_fetched_ahead_of_the_recorder_are_bounded_by_the_window(server, tmp_path):
    n = RECORD_EVERY + 60
    for i in range(n):
        server.route(f"/f{i}.xml", Status(404))
    cfg = feeds_config(
        {f"f{i}": server.url(f"/f{i}.xml") for i in range(n)},
        "settings:\n  concurrency: 2\n  per_host: 2\n",
    )
    blocked, release = threading.Event(), threading.Event()

    def on_outcome(_outcome):
        blocked.set()
        release.wait(10)  # the recorder is stuck on its first feed

    with make(f"sqlite:///{tmp_path / 't.db'}", SCRIPT, cfg=cfg) as t:
        result = {}
        poller = threading.Thread(target=lambda: result.update(r=t.poll(on_outcome=on_outcome)))
        poller.start()
        assert blocked.wait(10)
        # The window (concurrency + RECORD_EVERY feeds) refills behind the one feed the
        # recorder took before it blocked, and the fetcher stops there.
        limit = 2 + RECORD_EVERY + 1
        filled = server.gauge.wait_for(lambda g: sum(g.started.values()) >= limit, 10)
        threading.Event().wait(0.5)  # time enough for an unbounded fetcher to run ahead
        seen = len(server.requests)
        release.set()
        poller.join(30)
        assert filled and seen == limit < n
        assert len(result["r"].outcomes) == n


def test_a_stopped_poll_abandons_what_it_has_not_recorded_and_the_next_poll_records_it(
    server, tmp_path
):
    server.route(
        "/slow.xml",
        lambda _req: Response(
            200, {"Content-Type": "application/rss+xml"}, trickle(WIRE, 64), chunk_delay=0.2
        ),
    )
    fast = server.route("/fast.xml", Status(404))
    cfg = feeds_config({"slow": server.url("/slow.xml"), "fast": fast})
    stop = threading.Event()
    store = f"sqlite:///{tmp_path / 't.db'}"
    with make(store, SCRIPT, cfg=cfg) as t:
        report = t.poll(on_outcome=lambda o: stop.set(), stop=stop)
        assert report.abandoned == ["slow"]
        assert [o.feed for o in report.outcomes] == ["fast"]
        assert feed_topics(t, "Entry") == []
        assert "slow" not in t.feed_states.load()
    server.route("/slow.xml", Static(WIRE))
    with make(store, SCRIPT, cfg=cfg) as t:
        report = t.poll()
        assert {o.feed: o.new for o in report.outcomes} == {"slow": 2, "fast": 0}
        assert feed_topics(t, "Entry").count("tracker.Entry.Recorded.v1") == 2


@pytest.mark.slow
def test_a_large_poll_reads_entries_in_its_workers_with_the_same_result_as_one_thread(tmp_path):
    from projections.replay import briefing
    from tracker.bootstrap import make_tracker

    titles = [
        "Putin proposes direct talks with Ukraine in Istanbul",
        "Russian and Ukrainian delegations to meet in Istanbul on Friday",
        "Markets rally",
        # a summit: its sides are seated with their leaders' titles (an optional lookup)
        "Putin and Zelensky hold talks in Istanbul",
    ]
    docs = {
        f"f{i:03d}": rss(*[(f"g{i}-{k}", titles[k % 4]) for k in range(5)])
        for i in range(RECORD_EVERY + 10)
    }
    with FeedServer() as s:
        cfg = feeds_config(
            {name: s.route(f"/{name}.xml", Static(doc)) for name, doc in docs.items()}
        )
        results = {}
        for mode in ("process", "thread"):
            with make_tracker(cfg, f"sqlite:///{tmp_path / mode}.db") as t:
                report = t.poll(parse_in=mode)
                entries = [n for n in notifications(t.app) if n.topic == Entry.Recorded.TOPIC]
                claims = sorted(
                    (
                        t.app.get_or_none(n.originator_id).identity,
                        [c.to_json() for c in t.app.get_or_none(n.originator_id).claims],
                    )
                    for n in entries
                )
                t.catch_up()
                seated = sorted(
                    (e["kind"], e["parties"], d["party"], d["head"], d["head_title"], d["level"])
                    for track in t.view.tracks()
                    for e in briefing(t.view, track["slug"], horizon=None)["engagements"]
                    for d in e["delegations"]
                )
                results[mode] = (report, claims, seated)
    process, thread = results["process"], results["thread"]
    assert process[2] == thread[2]
    assert ("summit", ["RU", "UA"], "UA", "Volodymyr Zelensky", "president", "leader") in (
        process[2]
    )
    assert process[0].new == thread[0].new == len(docs) * 5
    assert process[0].read_in_workers == len(docs) * 5
    assert thread[0].read_in_workers == 0
    assert process[1] == thread[1]
    assert any(c for _, c in process[1])  # the real extractor did read talks in them


def test_a_summit_seats_the_leader_the_report_names_not_the_partys_default(tmp_path):
    """Poland's president is its default leader in May 2025; the report names its prime
    minister, and he is the one at the table. Sides the report names nobody for get their
    default leader."""
    from projections.replay import briefing
    from tracker.bootstrap import make_tracker

    title = "Macron, Merz, Starmer and Tusk meet Zelensky in Kyiv, urge Russia to accept truce"
    with FeedServer() as s:
        cfg = feeds_config({"f": s.route("/f.xml", Static(rss(("g1", title), day="2025-05-10")))})
        with make_tracker(cfg, f"sqlite:///{tmp_path / 'x.db'}") as t:
            t.poll()
            t.catch_up()
            (summit,) = briefing(t.view, "russia-ukraine", horizon=None)["engagements"]
    assert summit["kind"] == "summit" and "RU" not in summit["parties"]
    heads = {d["party"]: (d["head"], d["head_title"]) for d in summit["delegations"]}
    assert heads["PL"] == ("Donald Tusk", "prime minister")
    assert heads["DE"] == ("Friedrich Merz", "chancellor")
    assert heads["UA"] == ("Volodymyr Zelensky", "president")
