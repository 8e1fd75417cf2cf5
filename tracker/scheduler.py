"""The ``tracker run`` daemon: APScheduler wiring around :meth:`Tracker.poll`.

One job per enabled feed, on an interval trigger at the feed's ``interval`` with jitter (up
to a tenth of the interval, at most five minutes, so feeds added together drift apart),
``coalesce=True`` (missed runs become one), ``max_instances=1`` (one poll of a feed at a
time) and a misfire grace of one interval. Jobs run in a thread pool of
``settings.concurrency`` threads; a per-host semaphore keeps ``settings.per_host`` polls of
one host at a time, as a single ``tracker poll`` does.

Backoff: after each poll the feed's next poll time comes from its state row
(:func:`tracker.backoff.next_poll_at`: exponential with jitter after failures, later still
when the server sent Retry-After). When that is later than the trigger's next run, the job is
moved to it; after a success the trigger's own interval applies again. A restart honours the
stored next poll times, so restarting a daemon does not hammer feeds that are backing off.

Writes are serialised: recording, the state rows, the projections' catch-up and alert
processing all take the application's write lock (SQLite has one writer). After each poll
that appended events the projections catch up and alerts are processed; a maintenance job
does the same every minute, so alert deliveries that failed are retried.

Shutdown (SIGTERM, SIGINT, or ``stop_event``): no new polls start; polls in flight stop
fetching and abandon what they have not recorded (each batch is one transaction and an
abandoned feed's state is not saved, so the next start polls it again: nothing is lost and
nothing is recorded twice); once they have, :func:`run_daemon` returns and ``tracker run``
exits 0.
A second signal exits at once (status 130), which is safe for the same reason. SIGUSR1 prints
every thread's stack to stderr and changes nothing else (for a daemon that seems stuck).

Each poll logs one line to stderr (logger ``tracker.daemon``).
"""

from __future__ import annotations

import contextlib
import faulthandler
import functools
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from tracker.config import FeedConfig
from tracker.pipeline import host_of
from tracker.recorder import FeedOutcome
from tracker.values import iso

log = logging.getLogger("tracker.daemon")

#: The longest jitter added to a feed's interval, whatever the interval.
MAX_JITTER = timedelta(minutes=5)
#: How often the projections and alert deliveries catch up even without new events.
MAINTENANCE_EVERY = timedelta(minutes=1)
#: Feeds due at start-up are spread over this many seconds per feed (no thundering herd).
START_SPREAD_S = 0.05


def run_daemon(tracker: Any, *, stop_event: threading.Event | None = None) -> None:
    """Poll every enabled feed on its schedule until SIGTERM/SIGINT or ``stop_event``.

    Args:
        tracker: a :class:`tracker.bootstrap.Tracker`.
        stop_event: set it to stop the daemon (signals set it too, when called from the
            main thread).
    """
    _configure_logging()
    daemon = _Daemon(tracker, stop_event or threading.Event())
    with _signals(daemon.stop):
        daemon.run()


class _Daemon:
    def __init__(self, tracker: Any, stop: threading.Event):
        self.tracker = tracker
        self.stop = stop
        self.settings = tracker.config.settings
        self.feeds = [f for f in tracker.config.feeds if f.enabled]
        self.hosts: dict[str, threading.BoundedSemaphore] = {}
        self.hosts_lock = threading.Lock()
        self.scheduler = BackgroundScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(max_workers=self.settings.concurrency)},
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        self._running = 0  # jobs in flight (see ``_tracked``)
        self._idle = threading.Condition()

    def run(self) -> None:
        # Build the lazily created parts now, not racing in the first jobs' threads.
        states = self.tracker.feed_states.load()
        _ = self.tracker.projector
        now = datetime.now(UTC)
        for i, feed in enumerate(self.feeds):
            state = states.get(feed.name)
            first = now + timedelta(seconds=i * START_SPREAD_S)
            if state is not None and state.config_url == feed.url and state.next_poll_at:
                first = max(first, state.next_poll_at)
            interval = feed.interval.total_seconds()
            self.scheduler.add_job(
                self._tracked(self._poll),
                IntervalTrigger(
                    seconds=interval,
                    start_date=first,
                    timezone=UTC,
                    jitter=min(interval * 0.1, MAX_JITTER.total_seconds()),
                ),
                args=(feed,),
                id=feed.name,
                name=f"poll {feed.name}",
                next_run_time=first,
                misfire_grace_time=max(int(interval), 30),
            )
        self.scheduler.add_job(
            self._tracked(self._catch_up),
            IntervalTrigger(seconds=MAINTENANCE_EVERY.total_seconds()),
            id="__catch_up__",
            name="catch up projections and alerts",
        )
        log.info(
            "tracker run: %d feed(s), store %s; SIGTERM or Ctrl-C stops",
            len(self.feeds),
            self.tracker.store.display,
        )
        self.scheduler.start()
        try:
            while not self.stop.wait(0.5):
                pass
        finally:
            log.info("stopping: no new polls; polls in flight abandon what is not recorded")
            # Not shutdown(wait=True): APScheduler waits for running jobs while holding its
            # job-store lock, and a poll finishing meanwhile asks it for its job
            # (``_reschedule``): a deadlock, seen twice in some twenty full test runs (every
            # thread's stack, from SIGUSR1, showed it). Stop starting jobs, then wait for
            # those in flight here, holding nothing they need.
            self.scheduler.shutdown(wait=False)
            with self._idle:
                self._idle.wait_for(lambda: self._running == 0)
            log.info("stopped")

    def _tracked(self, job: Any) -> Any:
        """``job``, counted in ``_running`` while it runs (``run`` waits for none to be left)."""

        @functools.wraps(job)
        def tracked(*args: Any) -> None:
            with self._idle:
                self._running += 1
            try:
                job(*args)
            finally:
                with self._idle:
                    self._running -= 1
                    self._idle.notify_all()

        return tracked

    # ------------------------------------------------------------------ jobs
    def _poll(self, feed: FeedConfig) -> None:
        if self.stop.is_set():
            return
        with self._host_slot(feed) as got:
            if not got:
                return
            try:
                report = self.tracker.poll([feed], stop=self.stop)
            except Exception:  # the store failing, or a bug: say so, retry at the next run
                log.exception("poll %s: could not complete; retrying at its next run", feed.name)
                return
        if report.abandoned:
            log.info("poll %s: abandoned (stopping); the next start polls it again", feed.name)
            return
        for outcome in report.outcomes:
            log.info("%s", _line(outcome))
            self._reschedule(feed, outcome)
        if report.position is not None or report.failed:
            self._catch_up()

    def _catch_up(self) -> None:
        if self.stop.is_set():
            return
        try:
            with self.tracker.app.write_lock:
                self.tracker.catch_up()
                self.tracker.process_alerts()
        except Exception:  # a projection bug must not kill the daemon; the log says what
            log.exception("catching up projections and alerts failed")

    def _reschedule(self, feed: FeedConfig, outcome: FeedOutcome) -> None:
        """Move the feed's next run to its backoff time when that is later."""
        if self.stop.is_set():
            return  # stopping: the stored next poll time is what the next start honours
        wanted = outcome.next_poll_at
        job = self.scheduler.get_job(feed.name)
        if wanted is None or job is None or job.next_run_time is None:
            return
        if wanted > job.next_run_time + timedelta(seconds=1):
            with contextlib.suppress(JobLookupError):  # removed by a concurrent shutdown
                self.scheduler.modify_job(feed.name, next_run_time=wanted)

    @contextlib.contextmanager
    def _host_slot(self, feed: FeedConfig) -> Iterator[bool]:
        """Wait for one of the host's ``per_host`` slots (False: stopping instead)."""
        host = host_of(feed.url)
        with self.hosts_lock:
            gate = self.hosts.setdefault(host, threading.BoundedSemaphore(self.settings.per_host))
        while not gate.acquire(timeout=0.5):
            if self.stop.is_set():
                yield False
                return
        try:
            yield True
        finally:
            gate.release()


def _line(o: FeedOutcome) -> str:
    """One log line for one poll."""
    http = f" http={o.http_status}" if o.http_status else ""
    head = f"poll {o.feed}: {o.status}{http} new={o.new} revised={o.revised} {o.elapsed_s:.2f}s"
    tail = f" next={iso(o.next_poll_at)}"
    if o.moved_to:
        tail += f" moved_to={o.moved_to}"
    if o.status == "failed":
        return f"{head}{tail} [{o.error_kind}] {o.error}"
    if o.problem:
        return f"{head}{tail} problem: {o.problem}"
    return head + tail


class _UTCFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created))


def _configure_logging() -> None:
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_UTCFormatter("%(asctime)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    # APScheduler logs every job start and end at INFO; our one line per poll says more.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


@contextlib.contextmanager
def _signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM/SIGINT set ``stop``; a second one exits at once. Main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(signum: int, _frame: Any) -> None:
        if stop.is_set():
            log.info("second %s: exiting now", signal.Signals(signum).name)
            os._exit(130)
        log.info("%s received", signal.Signals(signum).name)
        stop.set()

    previous = {s: signal.signal(s, handle) for s in (signal.SIGTERM, signal.SIGINT)}
    # ``kill -USR1`` prints every thread's stack to stderr: what a daemon that seems stuck
    # is waiting on (it keeps running).
    dumps = hasattr(signal, "SIGUSR1")
    if dumps:
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    try:
        yield
    finally:
        if dumps:
            faulthandler.unregister(signal.SIGUSR1)
        for s, h in previous.items():
            signal.signal(s, h)
