"""An Atom 1.0 feed of briefing changes (and alerts), to follow the tracker in a feed reader.

One entry per change record of a history document, newest first. Entry ids are ``urn:uuid``
values derived from what identifies a change record (engagement, field, published time, cause
and new value), so a reader that polls the feed again sees the same ids and shows nothing
twice. Titles are the plain-language change sentences the HTML pages use too.
"""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime
from html import escape
from typing import Any

from projections.render.html import describe_change, safe_url
from projections.render.text import engagement_label, parse_iso, when
from tracker.values import iso

ATOM = "http://www.w3.org/2005/Atom"
#: Namespace for the uuid5 entry ids (a fixed, arbitrary UUID: changing it changes every id).
ID_NAMESPACE = uuid.UUID("6f0b7a5e-3c1d-4f3a-9b8e-2d6c1a7e5f40")


def change_id(change: dict[str, Any]) -> str:
    """The stable entry id of one change record.

    A change record never changes once written, so the id is a hash of its identifying
    parts: engagement, field, published time, cause and the new value (two records of the
    same field published at the same moment differ in their new value).
    """
    key = "|".join(
        [
            "change",
            str(change.get("engagement_id")),
            str(change.get("field")),
            str(change.get("published_at")),
            str(change.get("cause")),
            json.dumps(change.get("new"), sort_keys=True, default=str),
        ]
    )
    return uuid.uuid5(ID_NAMESPACE, key).urn


def alert_id(alert: dict[str, Any]) -> str:
    """The entry id of an alert: its own id when that is a UUID, else one derived from it."""
    raw = str(alert["id"])
    try:
        return uuid.UUID(raw).urn
    except ValueError:
        return uuid.uuid5(ID_NAMESPACE, f"alert|{raw}").urn


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        node.text = text
    return node


def _stamp(value: str | None, fallback: datetime) -> str:
    """An Atom date (RFC 3339, ``Z``) from a document timestamp; the fallback when absent."""
    if not value:
        return iso(fallback) or ""
    return iso(parse_iso(value)) or ""


def _change_html(c: dict[str, Any]) -> str:
    """The entry body: the change in words, both clocks, the evidence."""
    parts = [f"<p>{escape(describe_change(c))}</p>"]
    shift = c.get("level_change")
    if shift:
        parts.append(
            f"<p><strong>Delegation {escape(shift['direction'])}</strong> by "
            f"{int(shift['step'])} level(s).</p>"
        )
    parts.append(
        f"<p>Published {escape(when(c.get('published_at')))}; recorded by the tracker "
        f"{escape(when(c.get('recorded_at')))}.</p>"
    )
    ev = c.get("evidence")
    if ev:
        title = escape(ev.get("title") or "the report")
        href = safe_url(ev.get("link"))
        cite = f'<a href="{escape(href)}">{title}</a>' if href else title
        parts.append(f"<p>Source: {escape(ev.get('source') or '?')}, {cite}</p>")
    if c.get("cause") == "extractor":
        parts.append(
            f"<p><em>Not news: the extractor {escape(str(c.get('extractor_version')))} "
            "re-read an entry.</em></p>"
        )
    return "".join(parts)


def _change_entry(feed: ET.Element, c: dict[str, Any], page_url: str | None, now: datetime) -> None:
    entry = _el(feed, "entry")
    _el(entry, "id", change_id(c))
    _el(entry, "title", describe_change(c), type="text")
    published = _stamp(c.get("published_at"), now)
    # The tracker learned of a backfilled story only when it recorded it: readers that sort by
    # <updated> should see it then, while <published> keeps the source's own time.
    _el(entry, "updated", max(published, _stamp(c.get("recorded_at"), now)))
    _el(entry, "published", published)
    ev = c.get("evidence") or {}
    href = safe_url(ev.get("link")) or page_url
    if href:
        _el(entry, "link", rel="alternate", type="text/html", href=href)
    if page_url and href != page_url:
        _el(entry, "link", rel="related", type="text/html", href=page_url)
    field = str(c.get("field") or "")
    _el(entry, "category", term=field.split(".")[0], label=field)
    shift = c.get("level_change")
    if shift:
        _el(entry, "category", term=f"level_{shift['direction']}")
    if c.get("engagement"):
        _el(entry, "summary", f"{engagement_label(c['engagement'])}", type="text")
    _el(entry, "content", _change_html(c), type="html")


def _alert_entry(feed: ET.Element, a: dict[str, Any], now: datetime) -> None:
    entry = _el(feed, "entry")
    _el(entry, "id", alert_id(a))
    _el(entry, "title", f"Alert: {a['title']}", type="text")
    stamp = _stamp(a.get("published_at"), now)
    _el(entry, "updated", stamp)
    _el(entry, "published", stamp)
    href = safe_url(a.get("link"))
    if href:
        _el(entry, "link", rel="alternate", type="text/html", href=href)
    _el(entry, "category", term="alert")
    _el(entry, "content", a.get("message") or a["title"], type="text")


def render_atom(
    history_doc: dict[str, Any],
    *,
    feed_url: str,
    updated: datetime,
    alerts: list[dict[str, Any]] | None = None,
    title: str | None = None,
    page_url: str | None = None,
) -> str:
    """An Atom 1.0 document with one entry per change (and per alert), newest first.

    Args:
        history_doc: a history document (:func:`projections.replay.history`).
        feed_url: where this feed is served; its ``self`` link and its id.
        updated: when the feed last changed (timezone-aware UTC).
        alerts: alerts to include, each ``{"id", "title", "message", "published_at", "link"}``.
        title: the track's title (default: its slug).
        page_url: the web page of the briefing, linked from the feed and from entries
            whose evidence has no web link.

    Returns:
        The feed as UTF-8 XML text.

    Raises:
        ValueError: ``updated`` is naive (every datetime of the tracker is UTC-aware).
    """
    if updated.tzinfo is None:
        raise ValueError("updated must be timezone-aware (UTC)")
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    track = history_doc.get("track") or "tracker"
    _el(feed, "id", feed_url)
    _el(feed, "title", f"{title or track}: briefing changes", type="text")
    _el(feed, "subtitle", "Every change to the briefing, with the report behind it.", type="text")
    _el(feed, "updated", iso(updated) or "")
    _el(feed, "link", rel="self", type="application/atom+xml", href=feed_url)
    if page_url:
        _el(feed, "link", rel="alternate", type="text/html", href=page_url)
    author = _el(feed, "author")
    _el(author, "name", "tracker")
    _el(feed, "generator", "tracker")
    # (time, alerts above changes of the same moment, original order) -> newest first.
    items: list[tuple[str, int, int, dict[str, Any]]] = []
    for i, c in enumerate(history_doc.get("changes") or []):
        items.append((_stamp(c.get("published_at"), updated), 0, i, c))
    for i, a in enumerate(alerts or []):
        items.append((_stamp(a.get("published_at"), updated), 1, i, a))
    for _when, is_alert, _i, item in sorted(items, key=lambda t: (t[0], t[1], -t[2]), reverse=True):
        if is_alert:
            _alert_entry(feed, item, updated)
        else:
            _change_entry(feed, item, page_url, updated)
    body = ET.tostring(feed, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"
