"""Terminal presentation: progress bars and tables (rich). No business logic here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tracker.values import iso

_STYLE = {"ok": "green", "failed": "red", "failing": "red", "degraded": "yellow",
          "pending": "dim", "not_modified": "cyan", "unchanged": "cyan"}


def _ago(dt: datetime | None, now: datetime) -> str:
    if dt is None:
        return "—"
    secs = int((now - dt).total_seconds())
    if secs < 0:
        secs = -secs
        unit = "in "
        suffix = ""
    else:
        unit, suffix = "", " ago"
    for size, name in ((86400, "d"), (3600, "h"), (60, "m")):
        if secs >= size:
            return f"{unit}{secs // size}{name}{suffix}"
    return f"{unit}{secs}s{suffix}"


def poll_with_progress(tracker: Any, feeds: list[Any], *, show: bool) -> Any:
    """Poll with a progress bar on the terminal (stderr), silently otherwise."""
    if not show:
        return tracker.poll(feeds)
    with Progress(
        TextColumn("[bold]Polling"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("{task.fields[last]}"), transient=True,
    ) as progress:
        task = progress.add_task("poll", total=len(feeds), last="")

        def on_outcome(o: Any) -> None:
            progress.update(task, advance=1, last=f"{o.feed}: {o.status}")

        return tracker.poll(feeds, on_outcome=on_outcome)


def poll_summary_table(report: Any) -> Table:
    table = Table(title="Poll summary", show_lines=False)
    for col in ("Feed", "Result", "HTTP", "Entries", "New", "Revised", "Note"):
        table.add_column(col, overflow="fold")
    for o in sorted(report.outcomes, key=lambda o: (o.status != "failed", o.feed)):
        note = o.error or o.problem or ""
        table.add_row(
            o.feed, f"[{_STYLE.get(o.status, '')}]{o.status}[/]", str(o.http_status or ""),
            str(o.entries or ""), str(o.new or ""), str(o.revised or ""), note,
        )
    return table


def feed_rows(tracker: Any) -> list[dict[str, Any]]:
    """The ``tracker feeds`` document: configured feeds with health and entry counts."""
    states = tracker.feed_states.load()
    projected = {f["name"]: f for f in tracker.view.feeds()}
    rows = []
    for feed in tracker.config.feeds:
        s = states.get(feed.name)
        p = projected.get(feed.name, {})
        rows.append({
            "name": feed.name,
            "url": s.url if s else feed.url,
            "status": ("disabled" if not feed.enabled else (s.status if s else "pending")),
            "entries": int(p.get("entries") or 0),
            "last_success": iso(s.last_success_at) if s else None,
            "last_error": s.last_error if s else None,
            "error_kind": s.error_kind if s else None,
            "consecutive_failures": s.failures if s else 0,
            "next_poll": iso(s.next_poll_at) if s else None,
            "last_polled": iso(s.last_polled_at) if s else None,
            "http_status": s.http_status if s else None,
            "problem": s.problem if s else None,
            "interval_s": int(feed.interval.total_seconds()),
        })
    return rows


def feeds_table(rows: list[dict[str, Any]]) -> Table:
    from datetime import UTC

    now = datetime.now(UTC)

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
            r["name"], f"[{_STYLE.get(r['status'], '')}]{status}[/]", str(r["entries"]),
            _ago(parse(r["last_success"]), now), _ago(parse(r["next_poll"]), now),
            r["last_error"] or r["problem"] or "",
        )
    return table


def rebuild_with_progress(tracker: Any, *, show: bool) -> Any:
    """Drop the projections and replay the whole log, with a progress bar on a terminal."""
    tracker.view.reset()
    total = tracker.app.max_notification_id()
    if not show:
        return tracker.catch_up()
    with Progress(
        TextColumn("[bold]Rebuilding"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        transient=True,
    ) as progress:
        task = progress.add_task("rebuild", total=total)
        position = [0]

        def step(n: int) -> None:
            position[0] = tracker.projector.position()
            progress.update(task, completed=position[0])

        return tracker.catch_up(progress=step)
