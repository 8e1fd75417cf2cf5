"""``tracker poll`` and ``tracker feeds`` as a user runs them: real processes, real servers."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest
from test_ingest import rss

from feedserver import FeedServer, Response, Static, Status, trickle

DESIGN_KEYS = {"name", "url", "status", "entries", "last_success", "last_error", "next_poll"}
WIRE = rss(*[(f"https://wire.example/{i}", f"Wire story {i}") for i in range(3)])


def tracker(*args: str, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from tracker.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=120,
        **kw,
    )


def write_config(path: Path, feeds: dict[str, str]) -> Path:
    lines = ["feeds:"]
    for name, url in feeds.items():
        lines += [f"  - name: {name}", f"    url: {url}"]
    lines += ["tracks:", "  - slug: russia-ukraine", "    parties: [RU, UA]"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def server():
    with FeedServer() as s:
        yield s


@pytest.fixture
def setup(server, tmp_path):
    """A good feed and a missing one, with a config file and a store path."""
    config = write_config(
        tmp_path / "feeds.yaml",
        {
            "wire": server.route("/wire.xml", Static(WIRE)),
            "gone": server.route("/gone.xml", Status(404)),
        },
    )
    return ["--config", str(config), "--store", f"sqlite:///{tmp_path / 'tracker.db'}"]


def assert_one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_a_bad_feeds_yaml_gives_one_line_naming_file_line_and_key_and_exit_2(tmp_path):
    config = tmp_path / "feeds.yaml"
    config.write_text(
        "feeds:\n  - name: wire\n    url: http://127.0.0.1:1/wire.xml\n"
        "  - name: desk\n    url: http://127.0.0.1:1/desk.xml\n    interval: 15x\n"
    )
    done = tracker("--config", str(config), "--store", f"sqlite:///{tmp_path / 't.db'}", "poll")
    assert done.returncode == 2
    line = assert_one_line_error(done)
    assert f"{config}:6:" in line and "feeds[1].interval" in line and "15x" in line
    assert done.stdout == ""


def test_an_unreachable_store_gives_one_line_and_a_nonzero_exit(setup):
    args = [*setup[:2], "--store", "postgresql://nobody@127.0.0.1:1/x", "poll"]
    done = tracker(*args)
    assert done.returncode != 0
    line = assert_one_line_error(done)
    assert "127.0.0.1:1" in line


def test_poll_in_json_prints_only_json_and_exits_0_when_a_feed_fails(setup):
    done = tracker(*setup, "poll", "--format", "json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    feeds = {f["name"]: f for f in doc["feeds"]}
    assert (feeds["wire"]["status"], feeds["wire"]["new"]) == ("ok", 3)
    assert (feeds["gone"]["status"], feeds["gone"]["error_kind"]) == ("failed", "http_404")
    assert feeds["gone"]["next_poll"] and "404" in feeds["gone"]["error"]
    assert (doc["new"], doc["failed"]) == (3, 1)


def test_poll_on_a_terminal_shows_a_progress_bar_then_a_summary_table(server, setup):
    # A slow feed keeps the bar on screen long enough to be drawn more than once.
    server.route(
        "/wire.xml",
        lambda _r: Response(
            200, {"Content-Type": "application/rss+xml"}, trickle(WIRE, 256), chunk_delay=0.3
        ),
    )
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from tracker.cli import main; main()", *setup, "poll"],
        stdout=subprocess.PIPE,
        stderr=slave,
        text=True,
        env=env,
    )
    os.close(slave)
    terminal = b""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        terminal += chunk
    out = proc.stdout.read() if proc.stdout else ""
    assert proc.wait(60) == 0
    os.close(master)
    assert b"Polling" in terminal and b"/2" in terminal  # "n/2" feeds done
    assert "Poll summary" in out and "wire" in out and "gone" in out
    assert "3 new" in out and "1 of 2 feed(s) failed" in out


def test_feeds_shows_health_per_feed_in_json_and_as_a_table(setup):
    before = tracker(*setup, "feeds", "--format", "json")
    assert before.returncode == 0, before.stderr
    assert {r["name"]: r["status"] for r in json.loads(before.stdout)} == {
        "wire": "pending",
        "gone": "pending",
    }
    assert tracker(*setup, "poll", "--format", "json").returncode == 0
    done = tracker(*setup, "feeds", "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = {r["name"]: r for r in json.loads(done.stdout)}
    assert all(set(r) >= DESIGN_KEYS for r in rows.values())
    wire, gone = rows["wire"], rows["gone"]
    assert (wire["status"], wire["entries"], wire["last_error"]) == ("ok", 3, None)
    assert wire["last_success"] and wire["next_poll"]
    assert (gone["status"], gone["entries"], gone["last_success"]) == ("failing", 0, None)
    assert "404" in gone["last_error"] and gone["next_poll"]
    table = tracker(*setup, "feeds")
    assert table.returncode == 0
    assert "Feed health" in table.stdout and "failing" in table.stdout and "404" in table.stdout
