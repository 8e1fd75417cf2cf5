"""Benchmark: alert latency, from the poll that brings an entry to the alert at the receiver.

    python benchmarks/bench_alerts.py [--quick]      # prints one JSON object

A loopback feed server (``tests/feedserver.py``) serves one news feed; a loopback webhook
receives the alerts through Apprise's ``json://`` channel. The store is a fresh SQLite file
and the extractor is the real one. After a warm-up poll (talks proposed, a leader expected,
the first head named), every round publishes one more entry that names a different head of
the Russian delegation (an aide, then the foreign minister, then the aide …), so every round
is exactly one delegation-level change, and times:

    Tracker.poll  ->  Tracker.catch_up  ->  Tracker.process_alerts(deliver=True)  ->  received

The daemon (``tracker/scheduler.py``) runs this same sequence after each poll; it is measured
too, as a real ``tracker run`` subprocess polling every second. Records:

* ``alerts.latency_median`` / ``alerts.latency_worst`` — poll start to the webhook having the
  alert, against the poll alone (fetch + parse + extract + record) in the same rounds;
  target under 2 s on loopback.
* ``alerts.raise_and_deliver_median`` — ``process_alerts`` alone (detect, route, write the
  outbox, send), against the same poll baseline.
* ``alerts.daemon_latency_median`` / ``alerts.daemon_latency_worst`` — in the daemon: from the
  request of the poll that brought the entry (seen by the feed server) to the webhook having
  the alert.
"""

from __future__ import annotations

import http.server
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests")]

from tracker.bootstrap import make_tracker  # noqa: E402
from tracker.config import parse_config  # noqa: E402

from feedserver import FeedServer, Request, Response  # noqa: E402

TARGET_S = 2.0
START = datetime(2025, 5, 11, 6, tzinfo=UTC)
WARM_UP = [
    "Russia proposes direct talks with Ukraine in Istanbul on May 15",
    "Zelensky says he will wait for Putin in Turkey on Thursday",
]
HEADS = ["Medinsky", "Lavrov"]


class Receiver:
    """A loopback webhook noting when each alert arrived (``time.perf_counter``)."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, str]] = []
        self.event = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.arrivals.append((time.perf_counter(), body["alert_id"]))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                receiver.event.set()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"json://127.0.0.1:{self.server.server_address[1]}/alerts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Wire:
    """The feed: every published item so far (newest first, at most 50), as RSS 2.0.

    Notes when each request came and how many items it was served, so a run against the
    daemon can tell when the poll that brought a given item started.
    """

    def __init__(self) -> None:
        self.items: list[str] = []
        self.published = 0
        self.served: list[tuple[float, int]] = []

    def publish(self, n: int, title: str) -> None:
        when = format_datetime(START + timedelta(hours=n), usegmt=True)
        self.items.insert(
            0,
            f"<item><guid>wire-{n}</guid><title>{title}</title>"
            f"<link>https://wire.example/{n}</link><pubDate>{when}</pubDate></item>",
        )
        del self.items[50:]
        self.published += 1

    def __call__(self, req: Request) -> Response:
        self.served.append((time.perf_counter(), self.published))
        body = "".join(self.items)
        xml = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>{body}'
        xml += "</channel></rss>"
        return Response(body=xml.encode(), headers={"Content-Type": "application/rss+xml"})


def _config(feed_url: str, hook_url: str) -> str:
    return f"""
feeds:
  - name: wire
    url: {feed_url}
tracks:
  - slug: russia-ukraine
    title: Russia–Ukraine peace talks
    parties: [RU, UA]
    keywords: [Istanbul, peace talks]
alerts:
  - name: desk
    notify: ["{hook_url}"]
    max_age: 36500d   # the news is from 2025; the clock is today's
"""


def _record(name: str, value: float, base: float, baseline: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "value": round(value, 4),
        "unit": "s",
        "baseline": baseline,
        "baseline_value": round(base, 4),
        "ratio": round(value / base, 3) if base else None,
        "target": f"< {TARGET_S} s on loopback",
        "meets_target": value < TARGET_S,
        **extra,
    }


def run(quick: bool) -> list[dict[str, Any]]:
    rounds = 8 if quick else 30
    receiver = Receiver()
    wire = Wire()
    latencies: list[float] = []
    polls: list[float] = []
    alerting: list[float] = []
    try:
        with FeedServer() as server, tempfile.TemporaryDirectory() as tmp:
            server.route("/wire.xml", wire)
            cfg = parse_config(_config(server.url("/wire.xml"), receiver.url), "bench.yaml")
            with make_tracker(cfg, f"sqlite:///{Path(tmp) / 'bench.db'}") as tracker:
                for n, title in enumerate(WARM_UP):
                    wire.publish(n, title)
                for n in range(len(WARM_UP), len(WARM_UP) + rounds + 1):
                    head = HEADS[n % 2]
                    wire.publish(
                        n,
                        f"{head} to lead Russian delegation at Istanbul talks with Ukraine, "
                        f"wire report {n}",
                    )
                    receiver.event.clear()
                    before = len(receiver.arrivals)
                    t0 = time.perf_counter()
                    report = tracker.poll([cfg.feed("wire")])
                    t1 = time.perf_counter()
                    tracker.catch_up()
                    t2 = time.perf_counter()
                    raised = tracker.process_alerts(deliver=True)
                    t3 = time.perf_counter()
                    receiver.event.wait(10)
                    first = n == len(WARM_UP)
                    expected_new = len(WARM_UP) + 1 if first else 1
                    if (report.new, raised, len(receiver.arrivals) - before) != (
                        expected_new,
                        1,
                        1,
                    ):
                        raise RuntimeError(
                            f"round {n}: {report.new} new entries, {raised} alerts raised, "
                            f"{len(receiver.arrivals) - before} received "
                            f"(expected {expected_new}, 1, 1)"
                        )
                    if first:
                        continue  # the first round also pays for imports and table creation
                    latencies.append(receiver.arrivals[-1][0] - t0)
                    polls.append(t1 - t0)
                    alerting.append(t3 - t2)
    finally:
        receiver.close()
    daemon = _daemon_latencies(4 if quick else 12)
    poll_median = statistics.median(polls)
    baseline = (
        f"Tracker.poll alone, median of the same {rounds} rounds (fetch+parse+extract+record)"
    )
    path = "Tracker.poll + catch_up + process_alerts driven directly, SQLite, real extractor"
    return [
        _record(
            "alerts.latency_median",
            statistics.median(latencies),
            poll_median,
            baseline,
            rounds=rounds,
            path=path,
        ),
        _record("alerts.latency_worst", max(latencies), poll_median, baseline, rounds=rounds),
        _record(
            "alerts.raise_and_deliver_median", statistics.median(alerting), poll_median, baseline
        ),
        _record(
            "alerts.daemon_latency_median",
            statistics.median(daemon),
            poll_median,
            baseline,
            rounds=len(daemon),
            path="`tracker run` subprocess (interval 1s): the request of the poll that brought "
            "the entry to the webhook receiving the alert",
        ),
        _record("alerts.daemon_latency_worst", max(daemon), poll_median, baseline),
    ]


def _daemon_latencies(rounds: int) -> list[float]:
    """Latency in the real daemon: ``tracker run`` in a subprocess polling every second."""
    import subprocess

    receiver = Receiver()
    wire = Wire()
    out: list[float] = []
    try:
        with FeedServer() as server, tempfile.TemporaryDirectory() as tmp:
            server.route("/wire.xml", wire)
            cfg = _config(server.url("/wire.xml"), receiver.url).replace(
                "    url: ", "    interval: 1s\n    url: ", 1
            )
            (Path(tmp) / "feeds.yaml").write_text(cfg, encoding="utf-8")
            for n, title in enumerate(WARM_UP):
                wire.publish(n, title)
            env = {**os.environ, "TRACKER_STORE": f"sqlite:///{Path(tmp) / 'd.db'}"}
            proc = subprocess.Popen(
                [sys.executable, "-m", "tracker", "--config", str(Path(tmp) / "feeds.yaml"), "run"],
                cwd=tmp,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                for n in range(len(WARM_UP), len(WARM_UP) + rounds + 1):
                    receiver.event.clear()
                    before = len(receiver.arrivals)
                    wire.publish(
                        n,
                        f"{HEADS[n % 2]} to lead Russian delegation at Istanbul talks with "
                        f"Ukraine, wire report {n}",
                    )
                    count = wire.published
                    deadline = time.perf_counter() + 30
                    while len(receiver.arrivals) == before and time.perf_counter() < deadline:
                        receiver.event.wait(0.5)
                    if len(receiver.arrivals) == before:
                        raise RuntimeError(f"daemon round {n}: no alert within 30 s")
                    start = next(t for t, c in wire.served if c >= count)
                    if n > len(WARM_UP):  # the first round also pays for start-up
                        out.append(receiver.arrivals[-1][0] - start)
            finally:
                proc.terminate()
                proc.wait(30)
    finally:
        receiver.close()
    return out


if __name__ == "__main__":
    quick = "--quick" in sys.argv[1:]
    machine = {"python": platform.python_version(), "cpus": os.cpu_count()}
    print(json.dumps({"benchmarks": run(quick), "machine": machine}, indent=2))
