"""``tracker run`` as a real daemon process against a loopback feed server.

Each test starts the daemon with a one-second interval, watches the store (through the
library, from this process) until it has done what the test waits for, then sends SIGTERM:
the daemon must exit 0, having recorded every entry exactly once.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from test_ingest import rss

from tracker.config import load_config

from feedserver import FeedServer, Response, Static, Status, trickle
from support import make, topics

pytestmark = pytest.mark.slow

RECORDED = "tracker.Entry.Recorded.v1"
ITEMS = [(f"https://wire.example/{i}", f"Wire story {i}") for i in range(4)]


def write_config(path: Path, feeds: dict[str, str], extra: str = "") -> Path:
    lines = ["feeds:"]
    for name, url in feeds.items():
        lines += [f"  - name: {name}", f"    url: {url}", "    interval: 1s"]
    lines += ["tracks:", "  - slug: russia-ukraine", "    parties: [RU, UA]"]
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


@contextmanager
def daemon(config: Path, store: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``tracker run`` in a subprocess (stderr to ``log``); killed if a test leaves it."""
    with log.open("ab") as err:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from tracker.cli import main; main()",
                "--config",
                str(config),
                "--store",
                store,
                "run",
            ],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def stop(proc: subprocess.Popen[bytes], log: Path) -> int:
    """SIGTERM, then the exit status; a daemon that does not stop fails the test with every
    thread's stack (SIGUSR1 makes ``tracker run`` print them) and the end of its log."""
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGUSR1)
        time.sleep(2)
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-80:])
        raise AssertionError(f"tracker run did not stop within 30 s of SIGTERM:\n{tail}") from None


def _stacks(log: Path) -> str:
    """What faulthandler printed to the daemon's log so far (from its first thread header)."""
    text = log.read_text(errors="replace")
    start = text.find("most recent call first")
    return text[start:] if start >= 0 else ""


def wait_until(what: str, check: Callable[[], Any], timeout: float = 30) -> Any:
    """Poll ``check`` until it returns something true (a wait, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Store:
    """Reads the daemon's store from the test process."""

    def __init__(self, url: str, config: Path):
        self.url = url
        self.config = config

    def topics(self) -> list[str]:
        with make(self.url, {}, cfg=load_config(self.config)) as t:
            return topics(t.app)

    def state(self, feed: str) -> Any:
        with make(self.url, {}, cfg=load_config(self.config)) as t:
            return t.feed_states.load().get(feed)


def test_tracker_run_records_entries_once_across_a_restart_and_exits_0_on_sigterm(tmp_path):
    with FeedServer() as server:
        url = server.route("/wire.xml", Static(rss(*ITEMS)))  # no validators: the hash path
        config = write_config(tmp_path / "feeds.yaml", {"wire": url})
        store = Store(f"sqlite:///{tmp_path / 'tracker.db'}", config)
        log = tmp_path / "daemon.log"
        with daemon(config, store.url, log) as proc:
            wait_until("the entries", lambda: store.topics().count(RECORDED) == 4)
            wait_until("two more polls", lambda: len(server.requests_to("/wire.xml")) >= 3)
            assert stop(proc, log) == 0
        assert store.topics().count(RECORDED) == 4
        lines = log.read_text().splitlines()
        assert sum("poll wire: ok" in line for line in lines) == 1
        assert sum("poll wire: unchanged" in line for line in lines) >= 2
        assert "Traceback" not in log.read_text()

        # The feed gains one entry while the daemon is down; a restart records just that one.
        server.route("/wire.xml", Static(rss(*ITEMS, ("https://wire.example/new", "New story"))))
        polls = len(server.requests_to("/wire.xml"))
        with daemon(config, store.url, log) as proc:
            wait_until("the new entry", lambda: store.topics().count(RECORDED) == 5)
            wait_until("another poll", lambda: len(server.requests_to("/wire.xml")) >= polls + 2)
            assert stop(proc, log) == 0
        assert store.topics().count(RECORDED) == 5


def test_a_failing_feed_is_retried_with_backoff_and_recovers_under_the_daemon(tmp_path):
    with FeedServer() as server:
        url = server.route("/desk.xml", Status(500))
        config = write_config(
            tmp_path / "feeds.yaml", {"desk": url}, "settings:\n  backoff_max: 4s\n"
        )
        store = Store(f"sqlite:///{tmp_path / 'tracker.db'}", config)
        log = tmp_path / "daemon.log"
        with daemon(config, store.url, log) as proc:
            state = wait_until(
                "three failures", lambda: (s := store.state("desk")) and s.failures >= 3 and s
            )
            # Backed off, not abandoned: the third failure waits 4 s (2**2 x 1 s, capped at
            # 4 s, less at most 20 % jitter) where a healthy feed waits its 1 s interval.
            assert state.next_poll_at is not None
            assert (state.next_poll_at - state.last_polled_at).total_seconds() >= 0.8 * 4
            assert len(server.requests_to("/desk.xml")) >= 3
            server.route("/desk.xml", Static(rss(*ITEMS)))
            wait_until("the recovery", lambda: store.topics().count(RECORDED) == 4, timeout=40)
            assert stop(proc, log) == 0
        feed_events = [t for t in store.topics() if t.startswith("tracker.Feed.")]
        assert feed_events.count("tracker.Feed.FailureStarted.v1") == 1
        assert feed_events.count("tracker.Feed.FailureEnded.v1") == 1
        state = store.state("desk")
        assert (state.failures, state.status) == (0, "ok")


def test_sigterm_during_a_poll_abandons_it_and_the_next_start_records_it_once(tmp_path):
    with FeedServer() as server:
        slow = rss(*ITEMS)
        server.route(
            "/wire.xml",
            lambda _req: Response(
                200, {"Content-Type": "application/rss+xml"}, trickle(slow, 16), chunk_delay=0.1
            ),
        )  # the whole document takes about 10 s
        config = write_config(tmp_path / "feeds.yaml", {"wire": server.url("/wire.xml")})
        store = Store(f"sqlite:///{tmp_path / 'tracker.db'}", config)
        log = tmp_path / "daemon.log"
        with daemon(config, store.url, log) as proc:
            wait_until("the poll to start", lambda: server.requests_to("/wire.xml"))
            assert stop(proc, log) == 0
        assert RECORDED not in store.topics()
        assert store.state("wire") is None  # abandoned: nothing about it was saved
        assert "poll wire: abandoned" in log.read_text()

        server.route("/wire.xml", Static(slow))
        with daemon(config, store.url, log) as proc:
            wait_until("the entries", lambda: store.topics().count(RECORDED) == 4)
            assert stop(proc, log) == 0
        assert store.topics().count(RECORDED) == 4


def test_sigusr1_makes_the_daemon_print_its_threads_stacks_and_keep_running(tmp_path):
    with FeedServer() as server:
        url = server.route("/wire.xml", Static(rss(*ITEMS)))
        config = write_config(tmp_path / "feeds.yaml", {"wire": url})
        store = Store(f"sqlite:///{tmp_path / 'tracker.db'}", config)
        log = tmp_path / "daemon.log"
        with daemon(config, store.url, log) as proc:
            wait_until("the entries", lambda: store.topics().count(RECORDED) == 4)
            proc.send_signal(signal.SIGUSR1)
            # The main thread's stack shows it waiting in the daemon's loop.
            wait_until("the stacks", lambda: "scheduler.py" in _stacks(log))
            polls = len(server.requests_to("/wire.xml"))
            wait_until("a later poll", lambda: len(server.requests_to("/wire.xml")) > polls)
            assert stop(proc, log) == 0


def test_stopping_while_a_poll_finishes_and_reschedules_does_not_deadlock(tmp_path):
    """A poll that ends after the stop began still asks the scheduler for its job (to move
    its next run). APScheduler's shutdown(wait=True) waits for running jobs while holding the
    lock that lookup needs: the daemon hung there (seen in full test runs). The daemon must
    stop, whatever the order."""
    import threading

    from tracker.bootstrap import make_tracker
    from tracker.recorder import FeedOutcome
    from tracker.scheduler import _Daemon

    entered, release = threading.Event(), threading.Event()

    class SlowToFinish(_Daemon):
        def _poll(self, feed: Any) -> None:
            entered.set()
            release.wait(10)
            later = FeedOutcome(feed=feed.name, status="failed", next_poll_at=_far_future())
            self._reschedule(feed, later)

    config = write_config(tmp_path / "feeds.yaml", {"wire": "http://127.0.0.1:9/wire.xml"})
    with make_tracker(load_config(config), f"sqlite:///{tmp_path / 'tracker.db'}") as t:
        stop = threading.Event()
        runner = threading.Thread(target=SlowToFinish(t, stop).run, daemon=True)
        runner.start()
        assert entered.wait(10), "the poll job never started"
        stop.set()
        time.sleep(1.5)  # run() notices the stop (every 0.5 s) and begins shutting down
        release.set()  # the poll ends now, inside the shutdown
        runner.join(10)
        assert not runner.is_alive(), "the daemon did not stop: shutdown deadlocked"


def _far_future() -> Any:
    from datetime import UTC, datetime, timedelta

    return datetime.now(UTC) + timedelta(days=1)
