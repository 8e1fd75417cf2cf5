"""What every ``tracker`` command shares: the global options, opening the tracker, printing.

``--config`` and ``--store`` land in :data:`OPTS` (set by the app's callback in
:mod:`tracker.cli`); :func:`open_tracker` opens the store they name and brings the
projections up to date.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from tracker.config import load_config, store_url
from tracker.errors import InputError

out = Console()
err = Console(stderr=True)


class _Opts:
    config: str | None = None
    store: str | None = None


OPTS = _Opts()


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


def chosen_track(tracker: Any, slug: str | None) -> str:
    """The track to show: ``--track``, else the first configured one, else the store's first."""
    known = [t.slug for t in tracker.known_tracks()]
    if not known:
        raise InputError("no tracks: add one to feeds.yaml (see README.md) and poll")
    if slug is None:
        return known[0]
    if slug not in known:
        raise InputError(f"unknown track {slug!r} (known: {', '.join(known)})")
    return slug


def print_json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n")


def print_markdown(text: str) -> None:
    if out.is_terminal:
        from rich.markdown import Markdown

        out.print(Markdown(text))
    else:
        sys.stdout.write(text)


FORMAT_HELP = "Output format"
