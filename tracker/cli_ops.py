"""The ``tracker`` commands that poll, extract, rebuild, re-read, replay the demo or serve.

Plain functions; :mod:`tracker.cli` registers them on the app, in the order of the help.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from tracker.cli_common import OPTS, err, open_tracker, out, print_json
from tracker.config import load_config
from tracker.errors import InputError, TrackerError


def poll(
    feed: Annotated[
        list[str] | None, typer.Option("--feed", help="Poll only this feed (repeatable).")
    ] = None,
    due: Annotated[
        bool,
        typer.Option(
            "--due",
            help="Only feeds whose next poll is due (respects intervals, backoff and "
            "Retry-After: the flag for running 'tracker poll' from cron).",
        ),
    ] = False,
    fmt: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """Poll every feed once now, record new entries, update briefing and alerts.

    Exits 0 when the run completed, even if some feeds failed (each failure is listed and
    recorded); 2 on a bad config.
    """
    from tracker.ui import poll_summary_table, poll_with_progress

    tracker = open_tracker(catch_up=False)
    with tracker:
        feeds = [f for f in tracker.config.feeds if f.enabled]
        if feed:
            unknown = sorted(set(feed) - {f.name for f in tracker.config.feeds})
            if unknown:
                raise InputError(f"unknown feed(s): {', '.join(unknown)}")
            feeds = [f for f in tracker.config.feeds if f.name in set(feed)]
        if due:
            now = tracker.clock()
            states = tracker.feed_states.load([f.name for f in feeds])
            feeds = [
                f
                for f in feeds
                if (s := states.get(f.name)) is None
                or s.config_url != f.url
                or s.next_poll_at is None
                or s.next_poll_at <= now
            ]
        report = poll_with_progress(tracker, feeds, show=fmt != "json" and err.is_terminal)
        tracker.catch_up()
        raised = _process_alerts(tracker)
        if fmt == "json":
            print_json(
                {
                    "feeds": [_outcome_json(o) for o in report.outcomes],
                    "new": report.new,
                    "revised": report.revised,
                    "failed": len(report.failed),
                    "alerts": raised,
                }
            )
            return
        out.print(poll_summary_table(report))
        out.print(
            f"{report.new} new, {report.revised} revised entries; "
            f"{len(report.failed)} of {len(report.outcomes)} feed(s) failed; "
            f"{raised} alert(s) raised."
        )


def _outcome_json(o: Any) -> dict[str, Any]:
    from tracker.values import iso

    return {
        "name": o.feed,
        "status": o.status,
        "new": o.new,
        "revised": o.revised,
        "entries": o.entries,
        "http_status": o.http_status,
        "error": o.error,
        "error_kind": o.error_kind,
        "moved_to": o.moved_to,
        "problem": o.problem,
        "next_poll": iso(o.next_poll_at),
    }


def _process_alerts(tracker: Any) -> int:
    """Raise and deliver alerts; returns how many were raised."""
    return int(tracker.process_alerts(deliver=True))


def run() -> None:
    """Run the scheduler daemon: one job per feed at its interval; stops cleanly on SIGTERM.

    SIGUSR1 prints every thread's stack to stderr (for a daemon that seems stuck).
    """
    from tracker.scheduler import run_daemon

    tracker = open_tracker()
    with tracker:
        run_daemon(tracker)


def extract(
    file: Annotated[str, typer.Argument(help="JSON-lines file, or - for standard input")] = "-",
) -> None:
    """Extract claims from JSON lines {"id","title","summary","published","link"} (stateless).

    Writes one JSON line per input line: {"id": ..., "events": [...]}. Bad lines are reported
    on stderr with their line number; the exit code is then 2, after every good line is done.
    """
    from tracker.extract import LineError, extract_jsonl, load_dictionaries

    actors = []
    if OPTS.config or Path("feeds.yaml").exists():
        try:
            actors = list(load_config(OPTS.config).actors)
        except TrackerError:
            if OPTS.config:
                raise
    dictionaries = load_dictionaries(actors)
    errors: list[LineError] = []
    if file == "-":
        extract_jsonl(sys.stdin, sys.stdout, dictionaries, errors)
    else:
        try:
            with open(file, encoding="utf-8", errors="replace") as fh:
                extract_jsonl(fh, sys.stdout, dictionaries, errors)
        except OSError as exc:
            raise InputError(f"{file}: cannot read: {exc.strerror}") from None
    sys.stdout.flush()
    if errors:
        for e in errors[:20]:
            sys.stderr.write(f"{file}: {e}\n")
        if len(errors) > 20:
            err.print(f"... and {len(errors) - 20} more bad line(s)")
        raise typer.Exit(2)


def rebuild(
    processes: Annotated[
        int | None,
        typer.Option(
            "--processes",
            "-j",
            min=1,
            help="Worker processes for the briefing's partitions "
            "[default: one per CPU; 1 rebuilds in this process]",
        ),
    ] = None,
) -> None:
    """Drop every projection and rebuild it from the event log (progress bar).

    Parallel worker processes rebuild the briefing's partitions at once.

    If a worker fails, what was rebuilt stays and the next command carries on from it.
    """
    from tracker.ui import rebuild_with_progress

    # It only reads the log (and writes the projections): no feeds.yaml needed.
    tracker = open_tracker(catch_up=False, read_only=True)
    with tracker:
        result = rebuild_with_progress(tracker, show=err.is_terminal, processes=processes)
        out.print(f"Rebuilt from {result.events} events (position {result.position}).")


def reextract() -> None:
    """Re-run the current extractor over every stored entry and apply what changed."""
    from tracker.commands import reextract as run_reextract

    tracker = open_tracker()
    with tracker:
        res = run_reextract(tracker.app, tracker.interpreter, tracker.config.feeds)
        tracker.catch_up()
        out.print(
            f"Re-read {res.entries} entries with extractor {res.version}: "
            f"{res.changed} read differently."
        )


def demo(
    store: Annotated[
        str | None,
        typer.Option(
            "--store", help="Where to keep the demo store [default sqlite:///tracker-demo.db]"
        ),
    ] = None,
    fresh: Annotated[bool, typer.Option(help="Start from an empty demo store")] = True,
) -> None:
    """Replay the bundled May–August 2025 storyline through the real pipeline and print it."""
    from tracker.demo import run_demo

    run_demo(store or OPTS.store or "sqlite:///tracker-demo.db", console=out, fresh=fresh)


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
) -> None:
    """Serve the web page (timeline, delegation-level chart) and the JSON API."""
    import uvicorn

    from tracker.web import create_app

    tracker = open_tracker(read_only=True)
    uvicorn.run(create_app(tracker), host=host, port=port, log_level="info")
