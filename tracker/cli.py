"""The ``tracker`` command line (typer + rich). Thin: parses options, calls the library, prints.

Every :class:`~tracker.errors.TrackerError` becomes one line on stderr and its exit code
(2 for a bad config or bad input, 3 for an unreachable store); ``--format json`` prints
nothing but JSON on stdout.

The commands live in :mod:`tracker.cli_ops` (poll, run, extract, rebuild, reextract, demo,
serve) and :mod:`tracker.cli_read` (briefing, history, diff, alerts, feeds); what they share
(global options, opening the tracker, printing) in :mod:`tracker.cli_common`.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from tracker.cli_common import OPTS, err
from tracker.cli_ops import demo, extract, poll, rebuild, reextract, run, serve
from tracker.cli_read import alerts, briefing, diff, feeds, history
from tracker.errors import TrackerError

app = typer.Typer(
    name="tracker",
    help=(
        "Event-sourced tracker of diplomatic developments: polls news feeds, extracts "
        "typed sourced events, and keeps a briefing, its history and alerts."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
)


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


# Registered here, in this order, which is the order ``tracker --help`` lists them in.
for _command in (
    poll,
    run,
    extract,
    briefing,
    history,
    diff,
    alerts,
    feeds,
    rebuild,
    reextract,
    demo,
    serve,
):
    app.command()(_command)


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
