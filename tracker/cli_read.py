"""The ``tracker`` commands that read the store: briefing, history, diff, alerts, feeds.

Plain functions; :mod:`tracker.cli` registers them on the app, in the order of the help.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from tracker.cli_common import chosen_track, open_tracker, out, print_json, print_markdown
from tracker.errors import InputError
from tracker.values import parse_when


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
            chosen_track(tracker, track),
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
        print_json(doc)
    elif fmt == "html":
        from projections.render.html import render

        sys.stdout.write(render(doc, kind))
    else:
        from projections.render import markdown

        print_markdown(getattr(markdown, f"render_{kind}")(doc))


def _check_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        raise InputError(f"--format must be one of {', '.join(allowed)} (got {fmt!r})")


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
        slug = chosen_track(tracker, track)
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
            build(tracker.view, chosen_track(tracker, track), a, b, as_recorded=as_recorded),
            fmt,
            "diff",
        )


def alerts(
    fmt: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """Alerts raised on delegation-level changes, with their delivery status per channel."""
    from projections import alerts as alerts_module

    tracker = open_tracker(read_only=True)
    with tracker:
        tracker.process_alerts(deliver=False)
        alerts_module.print_alerts(tracker, fmt=fmt, console=out)


def feeds(
    fmt: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """Feed health: status, entries recorded, last success, last error, next poll."""
    from tracker.ui import feed_rows, feeds_table

    tracker = open_tracker(read_only=True)
    with tracker:
        rows = feed_rows(tracker)
        if fmt == "json":
            print_json(rows)
        else:
            out.print(feeds_table(rows))
