"""Terminal presentation: progress bars and tables (rich). No business logic here.

Progress bars go to stderr (stdout stays clean for tables, and for JSON with ``--format
json``); they are drawn only on a terminal. Text that comes from feeds or servers (names,
errors) is put in tables as plain :class:`rich.text.Text`, never as markup: an error such as
``[Errno 111]`` must print as it is.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from tracker.values import iso

_STYLE = {
    "ok": "green",
    "failed": "red",
    "failing": "red",
    "degraded": "yellow",
    "pending": "dim",
    "not_modified": "cyan",
    "unchanged": "cyan",
    "disabled": "dim",
}


def _ago(dt: datetime | None, now: datetime) -> str:
    """``5m ago`` / ``in 2h`` / ``—``."""
    if dt is None:
        return "—"
    secs = int((now - dt).total_seconds())
    prefix, suffix = ("in ", "") if secs < 0 else ("", " ago")
    secs = abs(secs)
    for size, name in ((86400, "d"), (3600, "h"), (60, "m")):
        if secs >= size:
            return f"{prefix}{secs // size}{name}{suffix}"
    return f"{prefix}{secs}s{suffix}"


def _status(text: str, status: str) -> Text:
    return Text(text, style=_STYLE.get(status, ""))


def poll_with_progress(
    tracker: Any, feeds: list[Any], *, show: bool, console: Console | None = None
) -> Any:
    """Poll with a progress bar on the terminal (stderr), silently otherwise.

    The bar advances as each feed is fetched and parsed; the counter beside it shows how
    many feeds are recorded (entries are written in batches, so it trails the bar).
    """
    if not show:
        return tracker.poll(feeds)
    with Progress(
        TextColumn("[bold]Polling"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("feeds"),
        TimeElapsedColumn(),
        TextColumn("{task.fields[recorded]} recorded"),
        TextColumn("{task.fields[last]}", markup=False),
        console=console or Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("poll", total=len(feeds), recorded=0, last="")
        recorded = [0]

        def on_fetched(feed: str, status: str) -> None:
            progress.update(task, advance=1, last=f"{feed}: {status}")

        def on_outcome(_outcome: Any) -> None:
            recorded[0] += 1
            progress.update(task, recorded=recorded[0])

        return tracker.poll(feeds, on_fetched=on_fetched, on_outcome=on_outcome)


def poll_summary_table(report: Any) -> Table:
    """One row per feed, failures first: result, HTTP status, entries, new, revised, note."""
    table = Table(title="Poll summary")
    for col in ("Feed", "Result", "HTTP", "Entries", "New", "Revised", "Note"):
        table.add_column(col, overflow="fold")
    for o in sorted(report.outcomes, key=lambda o: (o.status != "failed", o.feed)):
        note = o.error or o.problem or (f"moved to {o.moved_to}" if o.moved_to else "")
        table.add_row(
            Text(o.feed),
            _status(o.status, o.status),
            str(o.http_status or ""),
            str(o.entries or ""),
            str(o.new or ""),
            str(o.revised or ""),
            Text(note),
        )
    for name in getattr(report, "abandoned", []):
        table.add_row(Text(name), _status("abandoned", "pending"), "", "", "", "", "")
    return table


def feed_rows(tracker: Any) -> list[dict[str, Any]]:
    """The ``tracker feeds`` document: configured feeds with health and entry counts.

    Keys per DESIGN.md (``name``, ``url``, ``status``, ``entries``, ``last_success``,
    ``last_error``, ``next_poll``) plus ``error_kind``, ``consecutive_failures``,
    ``last_polled``, ``http_status``, ``problem``, ``interval_s`` and ``configured_url``
    (``url`` is where the feed is polled now: after a permanent redirect, the new URL).
    ``status`` is ``ok``, ``degraded`` (entries kept but the document had a problem),
    ``failing``, ``pending`` (never polled) or ``disabled``.
    """
    states = tracker.feed_states.load()
    projected = {f["name"]: f for f in tracker.view.feeds()}
    rows = []
    feeds = list(tracker.config.feeds)
    if not feeds:
        # No feeds.yaml here: show the feeds the store knows (e.g. the demo's), as recorded.
        from tracker.config import FeedConfig

        for name, f in sorted(projected.items()):
            s = states.get(name)
            feeds.append(FeedConfig(name=name, url=s.config_url if s else f["url"]))
    for feed in feeds:
        s = states.get(feed.name)
        if s is not None and s.config_url != feed.url:
            s = None  # the URL was edited since: the old health is not this feed's
        rows.append(
            {
                "name": feed.name,
                "url": s.url if s else feed.url,
                "status": "disabled" if not feed.enabled else (s.status if s else "pending"),
                "entries": int(projected.get(feed.name, {}).get("entries") or 0),
                "last_success": iso(s.last_success_at) if s else None,
                "last_error": s.last_error if s else None,
                "next_poll": iso(s.next_poll_at) if s else None,
                "error_kind": s.error_kind if s else None,
                "consecutive_failures": s.failures if s else 0,
                "last_polled": iso(s.last_polled_at) if s else None,
                "http_status": s.http_status if s else None,
                "problem": s.problem if s else None,
                "interval_s": int(feed.interval.total_seconds()),
                "configured_url": feed.url,
            }
        )
    return rows


def feeds_table(rows: list[dict[str, Any]], *, now: datetime | None = None) -> Table:
    """The ``tracker feeds`` table (times relative to ``now``)."""
    now = now or datetime.now(UTC)

    def parse(v: str | None) -> datetime | None:
        return datetime.fromisoformat(v.replace("Z", "+00:00")) if v else None

    table = Table(title="Feed health")
    for col in ("Feed", "Status", "Entries", "Last success", "Next poll", "Last error"):
        table.add_column(col, overflow="fold")
    for r in rows:
        status = r["status"]
        if r["consecutive_failures"]:
            status += f" ×{r['consecutive_failures']}"
        table.add_row(
            Text(r["name"]),
            _status(status, r["status"]),
            str(r["entries"]),
            _ago(parse(r["last_success"]), now),
            _ago(parse(r["next_poll"]), now),
            Text(r["last_error"] or r["problem"] or ""),
        )
    return table


def rebuild_with_progress(
    tracker: Any,
    *,
    show: bool,
    console: Console | None = None,
    processes: int | None = None,
) -> Any:
    """Drop the projections and replay the whole log, with a progress bar on a terminal.

    The briefing's partitions are rebuilt by parallel processes, one per CPU (``processes``
    says how many; 1: in this process), see :mod:`projections.rebuild`. The bar shows how far
    the partitions got on average, in log positions.

    Raises:
        projections.rebuild.RebuildError: a rebuild worker failed or died.
    """
    from projections.rebuild import rebuild

    def run(progress: Any = None) -> Any:
        return rebuild(tracker.projector, tracker.store.url, processes=processes, progress=progress)

    if not show:
        return run()
    total = tracker.app.max_notification_id()
    with Progress(
        TextColumn("[bold]Rebuilding"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console or Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("rebuild", total=total)
        return run(lambda position: progress.update(task, completed=position))
