"""The web page and JSON API: read-only views of the projections.

Routes (every one brings the read model up to date first):

- ``GET /``: the page: timeline, delegation-level chart and the briefing.
  Query: ``track``, ``as_of`` (``YYYY-MM-DD`` = end of that day UTC, or an ISO date-time),
  ``as_recorded`` (``1``/``true``: the audit view by recorded time).
- ``GET /api/briefing``: the briefing document, as ``tracker briefing --format json``.
  Query: ``track``, ``as_of``, ``as_recorded``.
- ``GET /api/history``: change records. Query: ``track``, ``since``, ``until``, ``as_recorded``.
- ``GET /api/diff``: what changed between two dates. Query: ``from``, ``to`` (both required),
  ``track``, ``as_recorded``.
- ``GET /feed.atom``: Atom feed of changes. Query: ``track``.
- ``GET /api/feeds``: feed health, as ``tracker feeds --format json``.
- ``GET /healthz``: ``{"status": "ok", "position": …}``.

A bad query parameter is a 400 with ``{"error": …, "param": …}`` (on ``/`` an HTML page that
says the same); an unreachable store is a 503.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import PackageLoader

from projections import replay
from projections.render.atom import render_atom
from projections.render.html import environment
from tracker.errors import InputError, StoreError
from tracker.web import charts

ATOM_CHANGES = 200  # newest changes in the feed; readers keep older entries themselves
TRUE = {"1", "true", "yes", "on"}
FALSE = {"", "0", "false", "no", "off"}


class BadParam(Exception):
    """A query parameter the request cannot be answered with (-> 400)."""

    def __init__(self, param: str, message: str):
        super().__init__(message)
        self.param = param
        self.message = message


def _json(doc: Any, status: int = 200) -> Response:
    # The CLI's own serialisation, so /api/briefing is byte-for-byte its JSON (tuples as
    # lists, datetimes as text), not FastAPI's re-encoding of it.
    body = json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n"
    return Response(body, status_code=status, media_type="application/json")


class Views:
    """The queries behind the routes, each run on an up-to-date read model."""

    def __init__(self, tracker: Any):
        self.tracker = tracker
        # One request at a time reads or advances the read model: catching up writes to the
        # same tables a briefing reads in several statements, and a briefing read half
        # before and half after a batch would mix two moments.
        self._lock = threading.Lock()

    @contextmanager
    def fresh(self) -> Iterator[Any]:
        """Hold the read model, brought up to date with the log.

        Raises:
            StoreError: the store cannot be read.
        """
        with self._lock:
            try:
                self.tracker.catch_up()
            except StoreError:
                raise
            except Exception as exc:  # the backends raise their own error types
                raise StoreError(f"cannot read the store: {exc}") from exc
            yield self.tracker

    # ---------------------------------------------------------------- parameters
    def track(self, value: str | None) -> str:
        tracks = [t.slug for t in self.tracker.known_tracks()]
        if not value:
            if not tracks:
                raise BadParam("track", "no track is configured in feeds.yaml")
            return tracks[0]
        if value not in tracks:
            raise BadParam("track", f"unknown track {value!r} (known: {', '.join(tracks)})")
        return value

    @staticmethod
    def when(param: str, value: str | None, *, end_of_day: bool = True) -> datetime | None:
        if value is None or not value.strip():
            return None
        from tracker.values import parse_when

        try:
            return parse_when(value, end_of_day=end_of_day)
        except InputError as exc:
            raise BadParam(param, str(exc)) from None

    @staticmethod
    def flag(param: str, value: str | None) -> bool:
        text = (value or "").strip().lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise BadParam(param, f"{value!r} is not a yes/no value (use 1 or 0)")

    # ---------------------------------------------------------------- documents
    def briefing(self, track: str, as_of: datetime | None, as_recorded: bool) -> dict[str, Any]:
        t = self.tracker
        return replay.briefing(
            t.view,
            track,
            as_of=as_of,
            as_recorded=as_recorded,
            now=t.clock(),
            stale_after=t.config.settings.stale_rumour_after,
            horizon=t.config.settings.briefing_horizon,
        )


def create_app(tracker: Any) -> FastAPI:
    """The FastAPI application over ``tracker`` (a :class:`tracker.bootstrap.Tracker`)."""
    app = FastAPI(
        title="tracker",
        description="Read-only views of the diplomatic-developments tracker.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    views = Views(tracker)
    env = environment(PackageLoader("tracker.web", "templates"))
    app.state.views = views

    @app.exception_handler(BadParam)
    def _bad_param(request: Request, exc: BadParam) -> Response:
        if request.url.path == "/":
            page = env.get_template("error.html").render(
                status=400, message=exc.message, param=exc.param
            )
            return HTMLResponse(page, status_code=400)
        return _json({"error": exc.message, "param": exc.param}, 400)

    @app.exception_handler(StoreError)
    def _store(request: Request, exc: StoreError) -> Response:
        return _json({"error": str(exc)}, 503)

    def q(request: Request, name: str) -> str | None:
        return request.query_params.get(name)

    @app.get("/", response_class=HTMLResponse)
    def page(request: Request) -> Response:
        track = views.track(q(request, "track"))
        as_of = views.when("as_of", q(request, "as_of"))
        as_recorded = views.flag("as_recorded", q(request, "as_recorded"))
        with views.fresh() as t:
            doc = views.briefing(track, as_of, as_recorded)
            hist = replay.history(t.view, track, until=as_of, as_recorded=as_recorded)
            feeds = _feed_rows(t)
        axis = charts.chart_axis(doc, hist, as_of)
        context = {
            "doc": doc,
            "history": hist,
            "tracks": tracker.known_tracks(),
            "track": track,
            "as_of_param": q(request, "as_of") or "",
            "as_of_day": as_of.date().isoformat() if as_of else "",
            "as_recorded": as_recorded,
            "timeline": charts.timeline(doc, hist, axis, as_of) if axis else None,
            "levels": charts.level_chart(hist, axis, as_of) if axis else None,
            "feeds": feeds,
            "travel": _travel_link(track, as_recorded),
            "links": _links(track, q(request, "as_of"), as_recorded),
            "extra_toc": [("timeline", "Timeline"), ("levels", "Levels chart")],
        }
        return HTMLResponse(env.get_template("page.html").render(**context))

    @app.get("/api/briefing")
    def api_briefing(request: Request) -> Response:
        track = views.track(q(request, "track"))
        as_of = views.when("as_of", q(request, "as_of"))
        as_recorded = views.flag("as_recorded", q(request, "as_recorded"))
        with views.fresh():
            return _json(views.briefing(track, as_of, as_recorded))

    @app.get("/api/history")
    def api_history(request: Request) -> Response:
        track = views.track(q(request, "track"))
        since = views.when("since", q(request, "since"), end_of_day=False)
        until = views.when("until", q(request, "until"))
        if since and until and until < since:
            raise BadParam("until", "until must not be earlier than since")
        as_recorded = views.flag("as_recorded", q(request, "as_recorded"))
        with views.fresh() as t:
            return _json(
                replay.history(t.view, track, since=since, until=until, as_recorded=as_recorded)
            )

    @app.get("/api/diff")
    def api_diff(request: Request) -> Response:
        track = views.track(q(request, "track"))
        start = views.when("from", q(request, "from"))
        end = views.when("to", q(request, "to"))
        if start is None:
            raise BadParam("from", "from is required (YYYY-MM-DD or an ISO date-time)")
        if end is None:
            raise BadParam("to", "to is required (YYYY-MM-DD or an ISO date-time)")
        if end < start:
            raise BadParam("to", "to must not be earlier than from")
        as_recorded = views.flag("as_recorded", q(request, "as_recorded"))
        with views.fresh() as t:
            return _json(replay.diff(t.view, track, start, end, as_recorded=as_recorded))

    @app.get("/feed.atom")
    def feed(request: Request) -> Response:
        track = views.track(q(request, "track"))
        with views.fresh() as t:
            hist = replay.history(t.view, track)
            alerts = _alerts(t, track)
            title = next((x.title for x in t.known_tracks() if x.slug == track), None)
        hist["changes"] = hist["changes"][-ATOM_CHANGES:]
        stamps = [c["recorded_at"] for c in hist["changes"]] + [
            a["published_at"] for a in alerts if a.get("published_at")
        ]
        updated = max((_parse(s) for s in stamps), default=None) or tracker.clock()
        base = str(request.base_url)
        body = render_atom(
            hist,
            feed_url=str(request.url),
            updated=updated,
            alerts=alerts,
            title=title,
            page_url=f"{base}?{urlencode({'track': track})}",
        )
        return Response(body, media_type="application/atom+xml; charset=utf-8")

    @app.get("/api/feeds")
    def api_feeds() -> Response:
        with views.fresh() as t:
            return _json(_feed_rows(t))

    @app.get("/healthz")
    def healthz() -> Response:
        with views.fresh() as t:
            return _json(
                {"status": "ok", "position": t.projector.position(), "store": t.store.backend}
            )

    return app


def _parse(value: str) -> datetime:
    from projections.render.text import parse_iso

    return parse_iso(value)


def _feed_rows(tracker: Any) -> list[dict[str, Any]]:
    from tracker.ui import feed_rows

    return feed_rows(tracker)


def _alerts(tracker: Any, track: str) -> list[dict[str, Any]]:
    """The track's alerts for the feed (none when this build has no alerts module).

    Detection runs first without delivering, as ``tracker alerts`` does: raising an alert is
    the alerts projection catching up; sending it stays with ``poll`` and ``run``.
    """
    try:
        from projections.alerts import list_alerts
    except ImportError:
        return []
    tracker.process_alerts(deliver=False)
    keys = ("id", "title", "message", "published_at", "link")
    return [{k: a.get(k) for k in keys} for a in list_alerts(tracker) if a.get("track") == track]


def _travel_link(track: str, as_recorded: bool) -> Callable[[str], str]:
    """``?track=…&as_of=…``: the page as it was at a moment (the timeline's dots link here)."""

    def link(moment: str) -> str:
        params = {"track": track, "as_of": moment}
        if as_recorded:
            params["as_recorded"] = "1"
        return "?" + urlencode(params)

    return link


def _links(track: str, as_of: str | None, as_recorded: bool) -> dict[str, str]:
    params = {"track": track}
    if as_of:
        params["as_of"] = as_of
    if as_recorded:
        params["as_recorded"] = "1"
    return {
        "json": "api/briefing?" + urlencode(params),
        "history": "api/history?" + urlencode({"track": track}),
        "atom": "feed.atom?" + urlencode({"track": track}),
        "feeds": "api/feeds",
        "now": "?" + urlencode({k: v for k, v in params.items() if k != "as_of"}),
    }
