"""``tracker demo``: replay the recorded May–August 2025 storyline through the real pipeline.

The storyline (``storyline.yaml`` + ``feeds/``, written by the team from public facts) is
served poll by poll from a loopback HTTP server that honours conditional GET, so the demo
exercises the real fetch -> parse -> extract -> record -> project -> alert path. The clock
is set to each step's time, so ``published_at`` and ``recorded_at`` both follow the story
and ``--as-of`` / ``--as-recorded`` give meaningful answers afterwards.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.markdown import Markdown
from rich.rule import Rule
from rich.table import Table

from tracker.config import Config, parse_config

DEMO_DIR = resources.files("tracker") / "demo"


@dataclass(frozen=True)
class Step:
    at: datetime
    label: str
    serve: dict[str, str]


@dataclass(frozen=True)
class Storyline:
    title: str
    track: str
    feeds: list[dict[str, Any]]
    steps: list[Step]


def load_storyline() -> Storyline:
    data = yaml.safe_load((DEMO_DIR / "storyline.yaml").read_text(encoding="utf-8"))
    steps = [
        Step(
            at=datetime.fromisoformat(s["at"].replace("Z", "+00:00")),
            label=s["label"],
            serve=dict(s.get("serve") or {}),
        )
        for s in data["steps"]
    ]
    return Storyline(data["title"], data["track"], list(data["feeds"]), steps)


class _Server:
    """Serves each feed's current snapshot with ETag/Last-Modified (conditional GET works)."""

    def __init__(self, story: Storyline):
        self.routes = {f["path"]: f for f in story.feeds}
        self.current: dict[str, tuple[bytes, str, str]] = {}  # path -> body, etag, modified
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests += 1
                item = outer.current.get(self.path)
                feed = outer.routes.get(self.path)
                if item is None or feed is None:
                    self.send_error(404)
                    return
                body, etag, modified = item
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", feed.get("content_type", "application/xml"))
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", modified)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def serve(self, story: Storyline, step: Step) -> None:
        paths = {f["name"]: f["path"] for f in story.feeds}
        for feed, rel in step.serve.items():
            body = (DEMO_DIR / rel).read_bytes()
            etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
            self.current[paths[feed]] = (body, etag, format_datetime(step.at, usegmt=True))

    def __enter__(self) -> _Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def demo_config(story: Storyline, base_url: str) -> Config:
    """The demo's feeds.yaml: the storyline's feeds on the loopback server, one track."""
    feeds = "\n".join(
        f"  - name: {f['name']}\n    url: {base_url}{f['path']}\n    interval: 1h"
        for f in story.feeds
    )
    text = f"""
feeds:
{feeds}
tracks:
  - slug: {story.track}
    title: Russia–Ukraine peace talks
    parties: [RU, UA]
    keywords: [Istanbul, peace talks, ceasefire, prisoner exchange, Alaska, Anchorage, Witkoff]
alerts:
  - name: delegation-level
    on: delegation_level_changed
    tracks: [{story.track}]
    notify: []
    max_age: 2d
"""
    return parse_config(text, "tracker/demo (built in)")


def _remove_store(url: str) -> None:
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///") :])
        for suffix in ("", "-wal", "-shm"):
            p = Path(str(path) + suffix)
            if p.exists():
                p.unlink()


def run_demo(store_url: str, *, console: Console | None = None, fresh: bool = True) -> Any:
    """Replay the storyline into ``store_url`` and print the briefing, history and alerts."""
    from projections.render.markdown import render_briefing
    from projections.render.text import change_sentence, day
    from projections.replay import briefing, history
    from tracker.bootstrap import make_tracker

    console = console or Console()
    story = load_storyline()
    started = time.perf_counter()
    if fresh:
        _remove_store(store_url)
    clock = _DemoClock(story.steps[0].at)
    with _Server(story) as server:
        cfg = demo_config(story, server.base)
        tracker = make_tracker(cfg, store_url, clock=clock)
        tracker.recording_clock = clock
        with tracker:
            console.print(Rule(f"[bold]{story.title}"))
            table = Table(show_header=True, header_style="bold", box=None)
            for col in ("Poll", "Simulated time", "What happened", "New", "Alerts"):
                table.add_column(col)
            alerts_raised = 0
            for i, step in enumerate(story.steps, start=1):
                clock.now = step.at
                server.serve(story, step)
                report = tracker.poll()
                tracker.catch_up()
                raised = tracker.process_alerts(deliver=True)
                alerts_raised += raised
                table.add_row(
                    str(i),
                    step.at.strftime("%d %b %H:%M"),
                    step.label,
                    str(report.new),
                    str(raised or ""),
                )
            console.print(table)
            doc = briefing(tracker.view, story.track, now=clock.now)
            console.print(Rule("[bold]Briefing"))
            console.print(Markdown(render_briefing(doc)))
            hist = history(tracker.view, story.track)
            console.print(Rule(f"[bold]History ({len(hist['changes'])} changes; latest 12)"))
            for c in hist["changes"][-12:]:
                console.print(f"  {day(c['published_at'])}  {change_sentence(c)}", highlight=False)
            console.print(Rule("[bold]Alerts"))
            _print_alerts(tracker, console)
        elapsed = time.perf_counter() - started
    console.print(Rule())
    console.print(
        f"Replayed {len(story.steps)} polls ({server.requests} HTTP requests) in "
        f"{elapsed:.1f} s. The store is kept at [bold]{store_url}[/] — explore it:",
        highlight=False,
    )
    for cmd in (
        "briefing --as-of 2025-05-14",
        "briefing --format json",
        "history --since 2025-05-14 --until 2025-05-17",
        "diff 2025-05-12 2025-05-17",
        "alerts",
        "serve",
    ):
        console.print(f"  tracker --store {store_url} {cmd}", highlight=False)
    return doc


def _print_alerts(tracker: Any, console: Console) -> None:
    try:
        from projections.alerts import list_alerts
    except ImportError:
        console.print("(alerts are not built in this version)")
        return
    items = list_alerts(tracker)
    if not items:
        console.print("No alerts.")
    for a in items:
        console.print(f"• {a.get('title') or a.get('message')}", highlight=False)


class _DemoClock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now
