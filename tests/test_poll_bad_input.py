"""Bad input end to end: every kind of broken feed in one poll run, beside two good feeds.

Each feed is served by a real loopback server (or points at a host that cannot be reached)
and polled through ``Tracker.poll`` into a real SQLite file. Each must end as a recorded
failure with a reason or as a (partial) ingest with the problem noted; none may stop the run
or grow memory without bound; the good feeds must be fully ingested.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
import pytest
from test_ingest import rss

from tracker.config import load_config

from feedserver import MB, FeedServer, Files, Redirect, Response, Static, Status, trickle, zeros
from support import ScriptedExtractor, make, notifications

SETTINGS = """settings:
  total_timeout: 3s
  read_timeout: 3s
  connect_timeout: 3s
"""
WIRE_IDS = [f"https://wire.example/{i}" for i in range(6)]
WIRE = rss(*[(guid, f"Wire story {i}") for i, guid in enumerate(WIRE_IDS)])
DESK = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Desk</title><id>tag:desk,2025:feed</id>
<updated>2025-05-11T10:00:00Z</updated>
<entry><id>tag:desk,2025:1</id><title>Desk story one</title><updated>2025-05-11T09:00:00Z</updated>
<link href="https://desk.example/1"/><summary>One.</summary></entry>
<entry><id>tag:desk,2025:2</id><title>Desk story two</title><updated>2025-05-11T10:00:00Z</updated>
<link href="https://desk.example/2"/><summary>Two.</summary></entry></feed>"""
BOMB = (
    b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">'
    + b"".join(
        b'<!ENTITY %s "%s">' % (bytes([98 + i]), (b"&%s;" % bytes([97 + i])) * 10) for i in range(8)
    )
    + b']>\n<rss version="2.0"><channel><title>&i;</title><item><title>&i;</title></item>'
    b"</channel></rss>"
)
BROKEN = b"<?xml version='1.0'?>\n<rss version='2.0'><channel><<<&&&"  # nothing to recover

#: feed name -> (outcome status, error kind or None, health status in ``tracker feeds``)
EXPECTED = {
    "wire": ("ok", None, "ok"),
    "desk": ("ok", None, "ok"),
    "malformed-partial": ("ok", None, "degraded"),
    "malformed-broken": ("failed", "malformed", "failing"),
    "not-xml": ("failed", "not_a_feed", "failing"),
    "encoding-conflict": ("ok", None, "degraded"),
    "encoding-lie": ("ok", None, "ok"),
    "utf16-mislabelled": ("ok", None, "ok"),
    "html-page": ("failed", "not_a_feed", "failing"),
    "entity-bomb": ("failed", "not_a_feed", "failing"),
    "huge-stream": ("failed", "too_large", "failing"),
    "huge-announced": ("failed", "too_large", "failing"),
    "trickle": ("failed", "timeout", "failing"),
    "redirect-loop": ("failed", "redirect_loop", "failing"),
    "missing": ("failed", "http_404", "failing"),
    "server-error": ("failed", "http_500", "failing"),
    "rate-limited": ("failed", "http_429", "failing"),
    "tls": ("failed", "tls", "failing"),
    "dns": ("failed", "dns", "failing"),
    "empty": ("failed", "empty", "failing"),
}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from tracker.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def write_config(path: Path, feeds: dict[str, str], settings: str = SETTINGS) -> Path:
    lines = ["feeds:"]
    for name, url in feeds.items():
        lines += [f"  - name: {name}", f"    url: {url}"]
    lines += ["tracks:", "  - slug: russia-ukraine", "    parties: [RU, UA]"]
    path.write_text("\n".join(lines) + "\n" + settings, encoding="utf-8")
    return path


def serve_bad_inputs(server: FeedServer, data_dir: Path) -> dict[str, str]:
    def file(name: str, ctype: str) -> bytes:
        return Static((data_dir / "feeds" / name).read_bytes(), ctype)

    server.route("/loop-a", Redirect("/loop-b"))
    server.route("/loop-b", Redirect("/loop-a"))
    routes = {
        "wire": Static(WIRE),
        "desk": Static(DESK, "application/atom+xml"),
        "malformed-partial": file("malformed-mismatched-tag.xml", "application/rss+xml"),
        "malformed-broken": Static(BROKEN),
        "not-xml": Static(b'{"items": []}', "application/json"),
        "encoding-conflict": file("koi8r.xml", "application/rss+xml; charset=utf-8"),
        "encoding-lie": file("koi8r-declared-cp1252-body.xml", "application/rss+xml"),
        "utf16-mislabelled": file("utf16-bom-atom.xml", "text/xml; charset=utf-8"),
        "html-page": file("html-page.html", "text/html; charset=utf-8"),
        "entity-bomb": Static(BOMB),
        # Streamed chunk by chunk, never whole in the server either; no length announced.
        "huge-stream": lambda _r: Response(
            200, {"Content-Type": "application/xml"}, zeros(100 * MB)
        ),
        "huge-announced": lambda _r: Response(
            200, {"Content-Type": "application/xml"}, zeros(100 * MB), length=100 * MB
        ),
        # One byte every 50 ms: the whole feed would take a minute; the deadline is 3 s.
        "trickle": lambda _r: Response(
            200, {"Content-Type": "application/rss+xml"}, trickle(WIRE), chunk_delay=0.05
        ),
        "missing": Status(404),
        "server-error": Status(500),
        "rate-limited": Status(429, Retry_After="3600"),
        "empty": Static(b""),
    }
    urls = {name: server.route(f"/{name}.xml", handler) for name, handler in routes.items()}
    urls["redirect-loop"] = server.url("/loop-a")
    urls["tls"] = f"https://127.0.0.1:{server.port}/wire.xml"  # TLS to a plain-HTTP port
    urls["dns"] = "http://feeds.tracker-test.invalid/rss"
    return urls


class PeakRss:
    """Samples this process's resident memory in a thread while the block runs."""

    def __enter__(self) -> PeakRss:
        self.proc = psutil.Process()
        self.before = self.peak = self.proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self.proc.memory_info().rss)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.before) / MB


def recorded(tracker, feed: str, identities: list[str]) -> bool:
    return all(tracker.app.get_entry(feed, i) is not None for i in identities)


def failure_starts(tracker) -> dict[str, int]:
    """How many FailureStarted events the log holds, per feed name."""
    counts: dict[str, int] = {}
    for n in notifications(tracker.app):
        if n.topic == "tracker.Feed.FailureStarted.v1":
            name = tracker.app.get_or_none(n.originator_id).name
            counts[name] = counts.get(name, 0) + 1
    return counts


@pytest.mark.slow
def test_every_bad_input_ends_as_a_recorded_failure_or_partial_ingest_and_good_feeds_arrive(
    tmp_path, data_dir
):
    with FeedServer() as server:
        urls = serve_bad_inputs(server, data_dir)
        path = write_config(tmp_path / "feeds.yaml", urls)
        store = f"sqlite:///{tmp_path / 'tracker.db'}"
        with make(store, {}, cfg=load_config(path)) as t:
            started = datetime.now(UTC)
            with PeakRss() as rss_peak:
                first = t.poll()
            outcomes = {o.feed: o for o in first.outcomes}
            assert set(outcomes) == set(EXPECTED)
            assert {n: (o.status, o.error_kind) for n, o in outcomes.items()} == {
                n: e[:2] for n, e in EXPECTED.items()
            }
            for name, o in outcomes.items():
                if o.status == "failed":
                    assert o.error and o.error.startswith(f"{name}: "), o
            assert "entity-expansion bomb" in outcomes["entity-bomb"].error
            assert "HTML page" in outcomes["html-page"].error
            assert "not well-formed" in outcomes["malformed-partial"].problem
            assert "conflicting character encodings" in outcomes["encoding-conflict"].problem
            assert outcomes["malformed-partial"].new == 2
            # The good feeds are fully ingested, whatever happened around them.
            assert (outcomes["wire"].new, outcomes["desk"].new) == (6, 2)
            assert recorded(t, "wire", WIRE_IDS)
            assert recorded(t, "desk", ["tag:desk,2025:1", "tag:desk,2025:2"])
            # Bodies are capped while streaming and dropped after parsing: a 100 MB body and
            # an entity bomb in the run cost little more than the 10 MB cap.
            assert rss_peak.growth_mb < 150, rss_peak.growth_mb
            # Retry-After (an hour) pushes the next poll past the 15-minute backoff.
            assert outcomes["rate-limited"].next_poll_at >= started + timedelta(minutes=59)

            second = t.poll()
            assert len(second.failed) == len(first.failed)
            failing = {n for n, e in EXPECTED.items() if e[0] == "failed"}
            assert failure_starts(t) == dict.fromkeys(failing, 1)  # not one per poll

        done = cli("--config", str(path), "--store", store, "feeds", "--format", "json")
        assert done.returncode == 0, done.stderr
        rows = {r["name"]: r for r in json.loads(done.stdout)}
        for name, (_, kind, health) in EXPECTED.items():
            row = rows[name]
            assert {
                "name",
                "url",
                "status",
                "entries",
                "last_success",
                "last_error",
                "next_poll",
            } <= set(row)
            assert row["status"] == health, (name, row)
            assert row["next_poll"] is not None
            if kind is None:
                assert row["last_error"] is None and row["last_success"] is not None
            else:
                assert row["error_kind"] == kind and row["last_error"].startswith(name)
                assert row["consecutive_failures"] == 2 and row["last_success"] is None
        assert rows["wire"]["entries"] == 6 and rows["desk"]["entries"] == 2
        assert rows["rate-limited"]["next_poll"] > (started + timedelta(minutes=59)).isoformat()


_HEADER = re.compile(r"^Header:\s+([^:]+):(.*)$", re.MULTILINE)


def corpus_headers(path: Path) -> dict[str, str]:
    """The response headers a feedparser test file asks for (its ``Header:`` lines)."""
    head = path.read_bytes()[:4096].decode("latin-1")
    headers = {k.strip(): v.strip() for k, v in _HEADER.findall(head)}
    headers.setdefault("Content-Type", "application/xml")
    return headers


@pytest.mark.slow
def test_every_file_of_feedparsers_suite_served_in_one_poll_ends_recorded(tmp_path, corpora):
    root = corpora / "kurtmckee__feedparser" / "tests"
    files = sorted(p for p in root.rglob("*") if p.is_file())
    with FeedServer() as server:
        server.route("/suite/", Files(root, headers=corpus_headers))
        feeds = {
            "wire": server.route("/wire.xml", Static(WIRE)),
            "desk": server.route("/desk.xml", Static(DESK, "application/atom+xml")),
        }
        for p in files:
            rel = p.relative_to(root).as_posix()
            feeds[re.sub(r"[^a-z0-9._-]", "-", rel.lower())] = server.url(f"/suite/{rel}")
        assert len(feeds) == len(files) + 2  # one feed per file, no name collisions
        path = write_config(tmp_path / "feeds.yaml", feeds)
        with make(f"sqlite:///{tmp_path / 'tracker.db'}", {}, cfg=load_config(path)) as t:
            report = t.poll()
            outcomes = {o.feed: o for o in report.outcomes}
            assert set(outcomes) == set(feeds)
            assert not report.abandoned
            assert {o.status for o in report.outcomes} <= {"ok", "failed"}
            for o in report.failed:
                assert o.error and o.error_kind, o
            states = t.feed_states.load()
            assert set(states) == set(feeds)
            assert {n for n, s in states.items() if s.failures} == {o.feed for o in report.failed}
            assert failure_starts(t) == {o.feed: 1 for o in report.failed}
            assert (outcomes["wire"].new, outcomes["desk"].new) == (6, 2)
            assert recorded(t, "wire", WIRE_IDS)
            # Most of the suite is well-formed feeds: the run really ingested them.
            assert sum(o.status == "ok" for o in report.outcomes) > len(files) // 2


class CrashingExtractor(ScriptedExtractor):
    """Reads nothing, and raises on one headline: an extractor bug met in the wild."""

    def __call__(self, text):
        if "boom" in text.title:
            raise ValueError("cannot read this headline")
        return super().__call__(text)


def test_an_entry_that_crashes_the_extractor_fails_only_its_own_feed(tmp_path):
    from tracker.bootstrap import make_tracker

    with FeedServer() as server:
        urls = {
            "wire": server.route("/wire.xml", Static(WIRE)),
            "desk": server.route("/desk.xml", Static(DESK, "application/atom+xml")),
            "odd": server.route("/odd.xml", Static(rss(("https://odd.example/1", "boom")))),
        }
        cfg = load_config(write_config(tmp_path / "feeds.yaml", urls))
        store = f"sqlite:///{tmp_path / 'tracker.db'}"
        with make_tracker(cfg, store, extractor=CrashingExtractor()) as t:
            report = t.poll()
            outcomes = {o.feed: o for o in report.outcomes}
            assert (outcomes["wire"].new, outcomes["desk"].new) == (6, 2)
            assert outcomes["odd"].status == "failed" and outcomes["odd"].error_kind == "record"
            assert "cannot read this headline" in outcomes["odd"].error
            assert failure_starts(t) == {"odd": 1}
            # Its body was not accepted: the next poll reads it again instead of skipping it.
            assert t.feed_states.load()["odd"].content_hash is None
            again = {o.feed: o for o in t.poll().outcomes}
            assert again["odd"].error_kind == "record" and again["wire"].status == "unchanged"
