"""The web page and JSON API over the projections: ``create_app(tracker)`` (see ``app``)."""

from __future__ import annotations

from tracker.web.app import create_app

__all__ = ["create_app"]
