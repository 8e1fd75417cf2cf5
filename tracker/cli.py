"""The ``tracker`` command line (typer + rich). Thin: parses options, calls the library, prints.

Every :class:`~tracker.errors.TrackerError` becomes one line on stderr and its exit code
(2 for a bad config or bad input, 3 for an unreachable store); ``--format json`` prints
nothing but JSON on stdout.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from tracker.config import load_config, store_url
from tracker.errors import InputError, TrackerError
from tracker.values import parse_when

app = typer.Typer(
    name="tracker",
    help=(
        "Event-sourced tracker of diplomatic developments: polls news feeds, extracts "
        "typed sourced events, and keeps a briefing, its history and alerts."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)


class _Opts:
    config: str | None = None
    store: str | None = None


OPTS = _Opts()


@app.callback()
def _global(
    config: Annotated[
        str | None,
        typer.Option(
            "--config", help="feeds.yaml to use [env TRACKER_CONFIG; default ./feeds.yaml]"
        ),
    ] = None,
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            help="Event store URL: sqlite:///path.db or postgresql://user@host/db "
            "[env TRACKER_STORE; default sqlite:///tracker.db]",
        ),
    ] = None,
) -> None:
    OPTS.config, OPTS.store = config, store


def open_tracker(*, catch_up: bool = True, read_only: bool = False) -> Any:
    """Load the config, open the store and bring the projections up to date.

    Read-only commands work without a feeds.yaml (the store knows its tracks); commands
    that poll or write need one.
    """
    from tracker.bootstrap import make_tracker
    from tracker.config import Config

    explicit = OPTS.config or os.environ.get("TRACKER_CONFIG")
    if read_only and not explicit and not Path("feeds.yaml").exists():
        cfg = Config()
    else:
        cfg = load_config(OPTS.config)
    tracker = make_tracker(cfg, store_url(OPTS.store), read_only=read_only)
    if catch_up:
        tracker.catch_up()
    return tracker


def _track(tracker: Any, slug: str | None) -> str:
    """The track to show: ``--track``, else the first configured one, else the store's first."""
    known = [t.slug for t in tracker.known_tracks()]
    if not known:
        raise InputError("no tracks: add one to feeds.yaml (see README.md) and poll")
    if slug is None:
        return known[0]
    if slug not in known:
        raise InputError(f"unknown track {slug!r} (known: {', '.join(known)})")
    return slug


def _print_json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n")


def _print_markdown(text: str) -> None:
    if out.is_terminal:
        from rich.markdown import Markdown

        out.print(Markdown(text))
    else:
        sys.stdout.write(text)


FORMAT_HELP = "Output format"


@app.command()
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
            _print_json(
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


@app.command()
def run() -> None:
    """Run the scheduler daemon: one job per feed at its interval; stops cleanly on SIGTERM."""
    from tracker.scheduler import run_daemon

    tracker = open_tracker()
    with tracker:
        run_daemon(tracker)


@app.command()
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


@app.command()
def briefing(
    track: Annotated[str | None, typer.Option(help="Track slug (default: the first track)")] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Date (YYYY-MM-DD = end of that day, UTC) or date-time"),
    ] = None,
    as_recorded: Annotated[
        bool,
        typer.Option(
            "--as-recorded", help="As recorded by this tracker at that time, not as published"
        ),
    ] = False,
    horizon: Annotated[
        str | None,
        typer.Option(
            help="How far back the briefing looks for what is current: 30d, 120d … or 'all' "
            "[feeds.yaml settings.briefing_horizon; default 120d]",
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="md, json or html")] = "md",
) -> None:
    """The briefing: meetings, delegations and levels, rumours, positions, changes, sources.

    It shows what is current within the horizon before its date (meetings with news or a
    meeting day in it, positions and developments reported in it).
    """
    from projections.replay import briefing as build

    _check_format(fmt, ("md", "json", "html"))
    tracker = open_tracker(read_only=True)
    with tracker:
        doc = build(
            tracker.view,
            _track(tracker, track),
            as_of=parse_when(as_of) if as_of else None,
            as_recorded=as_recorded,
            now=tracker.clock(),
            stale_after=tracker.config.settings.stale_rumour_after,
            horizon=_horizon(horizon, tracker.config.settings.briefing_horizon),
        )
        _emit(doc, fmt, "briefing")


def _horizon(value: str | None, default: Any) -> Any:
    if value is None:
        return default
    if value.strip().lower() in ("all", "none", "0"):
        return None
    from tracker.config import parse_duration

    try:
        return parse_duration(value)
    except ValueError as exc:
        raise InputError(f"--horizon: {exc}") from None


def _emit(doc: dict[str, Any], fmt: str, kind: str) -> None:
    if fmt == "json":
        _print_json(doc)
    elif fmt == "html":
        from projections.render.html import render

        sys.stdout.write(render(doc, kind))
    else:
        from projections.render import markdown

        _print_markdown(getattr(markdown, f"render_{kind}")(doc))


def _check_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        raise InputError(f"--format must be one of {', '.join(allowed)} (got {fmt!r})")


@app.command()
def history(
    track: Annotated[str | None, typer.Option(help="Track slug (default: the first track)")] = None,
    since: Annotated[str | None, typer.Option(help="Only changes published after this")] = None,
    until: Annotated[str | None, typer.Option(help="Only changes published up to this")] = None,
    as_recorded: Annotated[
        bool, typer.Option("--as-recorded", help="Filter by when we recorded, not published")
    ] = False,
    fmt: Annotated[
        str, typer.Option("--format", help="md, json, html or atom (a feed of changes)")
    ] = "md",
) -> None:
    """Every change to the briefing: field, old -> new, when published and recorded, why.

    ``--format atom`` writes an Atom feed of the changes (and alerts) to follow in a feed
    reader; ``tracker serve`` serves the same feed at /feed.atom.
    """
    from projections.replay import history as build

    _check_format(fmt, ("md", "json", "html", "atom"))
    tracker = open_tracker(read_only=True)
    with tracker:
        slug = _track(tracker, track)
        doc = build(
            tracker.view,
            slug,
            since=parse_when(since, end_of_day=False) if since else None,
            until=parse_when(until) if until else None,
            as_recorded=as_recorded,
        )
        if fmt != "atom":
            _emit(doc, fmt, "history")
            return
        from projections.alerts import list_alerts
        from projections.render.atom import render_atom

        alerts = [a for a in list_alerts(tracker) if a.get("track") in (None, slug)]
        sys.stdout.write(
            render_atom(
                doc,
                feed_url=f"urn:tracker:{slug}:changes",
                updated=tracker.clock(),
                alerts=alerts,
                title=doc.get("title"),
            )
        )


@app.command()
def diff(
    start: Annotated[str, typer.Argument(metavar="FROM", help="Earlier date or date-time")],
    end: Annotated[str, typer.Argument(metavar="TO", help="Later date or date-time")],
    track: Annotated[str | None, typer.Option(help="Track slug (default: the first track)")] = None,
    as_recorded: Annotated[bool, typer.Option("--as-recorded")] = False,
    fmt: Annotated[str, typer.Option("--format", help="md or json")] = "md",
) -> None:
    """What changed in the briefing between two dates."""
    from projections.replay import diff as build

    _check_format(fmt, ("md", "json"))
    a, b = parse_when(start), parse_when(end)
    if b < a:
        raise InputError("TO must not be earlier than FROM")
    tracker = open_tracker(read_only=True)
    with tracker:
        _emit(
            build(tracker.view, _track(tracker, track), a, b, as_recorded=as_recorded), fmt, "diff"
        )


@app.command()
def alerts(
    fmt: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """Alerts raised on delegation-level changes, with their delivery status per channel."""
    from projections import alerts as alerts_module

    tracker = open_tracker(read_only=True)
    with tracker:
        tracker.process_alerts(deliver=False)
        alerts_module.print_alerts(tracker, fmt=fmt, console=out)


@app.command()
def feeds(
    fmt: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """Feed health: status, entries recorded, last success, last error, next poll."""
    from tracker.ui import feed_rows, feeds_table

    tracker = open_tracker(read_only=True)
    with tracker:
        rows = feed_rows(tracker)
        if fmt == "json":
            _print_json(rows)
        else:
            out.print(feeds_table(rows))


@app.command()
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

    The briefing is kept in partitions that parallel worker processes rebuild at once. If a
    worker fails, what was rebuilt stays and the next command carries on from it.
    """
    from tracker.ui import rebuild_with_progress

    # It only reads the log (and writes the projections): no feeds.yaml needed.
    tracker = open_tracker(catch_up=False, read_only=True)
    with tracker:
        result = rebuild_with_progress(tracker, show=err.is_terminal, processes=processes)
        out.print(f"Rebuilt from {result.events} events (position {result.position}).")


@app.command()
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


@app.command()
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


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
) -> None:
    """Serve the web page (timeline, delegation-level chart) and the JSON API."""
    import uvicorn

    from tracker.web import create_app

    tracker = open_tracker(read_only=True)
    uvicorn.run(create_app(tracker), host=host, port=port, log_level="info")


def main() -> None:
    """Console-script entry point: maps TrackerError to a one-line message and exit code."""
    try:
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:  # click returns typer.Exit's code here
            sys.exit(code)
    except TrackerError as exc:
        # Plain write: one line, never wrapped by the terminal width.
        sys.stderr.write(f"error: {' '.join(str(exc).split())}\n")
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err.print("aborted")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:
        # Usage errors (a bad option value, an unknown command): click's, or those of the
        # copy of click that newer typer releases carry (typer._click), which click's
        # classes do not catch. Both can show themselves and know their exit code (2).
        show, code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):
            show()
            sys.exit(code)
        raise
