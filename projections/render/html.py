"""HTML for the briefing, history and diff documents: one self-contained page each.

Templates live in ``projections/render/templates`` (Jinja2, autoescaped). Pages carry their
CSS inline and load nothing from elsewhere, so an exported file opens offline and can be
mailed as is. The web page (``tracker.web``) builds on the very same templates: it asks
:func:`environment` for a Jinja environment with its own templates in front, extends
``base.html`` and includes the same section partials, so the export and the live page never
drift apart.

The wording comes from :mod:`projections.render.text`, shared with Markdown and the terminal.
"""

from __future__ import annotations

from typing import Any

from jinja2 import BaseLoader, ChoiceLoader, Environment, PackageLoader, StrictUndefined

from projections.render.text import (
    LEVEL_LABEL,
    change_sentence,
    day,
    engagement_label,
    parties_label,
    situation,
    when,
)

#: Document kind -> the template that renders it on its own.
PAGES = {"briefing": "briefing.html", "history": "history.html", "diff": "diff.html"}

#: Delegation levels, highest first (DESIGN.md), for legends and charts.
LEVELS = ["leader", "minister", "deputy_minister", "senior_official", "working_level"]

#: Statuses an engagement can have, in lifecycle order, with the words the legend uses.
STATUSES = {
    "rumored": "floated, unconfirmed",
    "proposed": "offered by a party",
    "scheduled": "announced or agreed",
    "rescheduled": "date or venue moved",
    "held": "took place",
    "cancelled": "called off",
}

#: Rumour states, with the words the legend uses.
RUMOUR_STATES = {
    "open": "still floated",
    "stale": "not repeated lately",
    "confirmed": "became a scheduled or held summit",
    "denied": "denied by a party",
}


def level_label(level: str | None) -> str:
    """``senior_official`` -> ``senior official``; unknown or missing -> ``level unknown``."""
    return LEVEL_LABEL.get(level or "", "level unknown")


def css_token(value: Any) -> str:
    """A value as a CSS class fragment (letters, digits and dashes only)."""
    text = str(value or "unknown").lower()
    return "".join(ch if ch.isalnum() else "-" for ch in text)


def field_label(field: str) -> str:
    """A change-record field (``delegation.RU``) in words (``RU delegation``)."""
    head, _, party = field.partition(".")
    words = {
        "delegation": f"{party} delegation",
        "expected": f"{party} expected head",
        "declined": f"{party} declined",
        "conflict": f"conflicting {party}",
    }
    return words.get(head, field.replace("_", " ")) if party else field.replace("_", " ")


def value_label(value: Any) -> str:
    """An old/new value of a change or diff (head + level dicts, lists, dates) in words."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        head, level = value.get("head"), value.get("level")
        if head and level:
            return f"{head} ({level_label(level)})"
        return str(head or level_label(level))
    if isinstance(value, list | tuple):
        return parties_label([str(v) for v in value])
    return str(value)


def safe_url(url: Any) -> str | None:
    """``url`` when it is an http(s) address, else None.

    Links come from the feeds we poll; autoescaping stops markup, not a ``javascript:`` link,
    so only web addresses become hrefs.
    """
    if not isinstance(url, str):
        return None
    scheme = url.split(":", 1)[0].strip().lower() if ":" in url else ""
    return url if scheme in ("http", "https") else None


def describe_change(change: dict[str, Any]) -> str:
    """A change record in words, for pages and feed titles (shared with Markdown)."""
    return change_sentence(change)


def environment(*loaders: BaseLoader) -> Environment:
    """The Jinja environment: ``loaders`` first (e.g. the web page's), then ours.

    Undefined names raise instead of rendering as empty text, so a template typo fails a
    test rather than silently dropping a field from the page.
    """
    env = Environment(
        loader=ChoiceLoader([*loaders, PackageLoader("projections.render", "templates")]),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        day=day,
        when=when,
        parties=parties_label,
        engagement=engagement_label,
        change=describe_change,
        level=level_label,
        token=css_token,
        field=field_label,
        value=value_label,
        url=safe_url,
    )
    env.globals.update(
        situation=situation, LEVELS=LEVELS, STATUSES=STATUSES, RUMOUR_STATES=RUMOUR_STATES
    )
    return env


_ENV: Environment | None = None


def _env() -> Environment:
    global _ENV
    if _ENV is None:
        _ENV = environment()
    return _ENV


def render(doc: dict[str, Any], kind: str) -> str:
    """A complete HTML document for a briefing, history or diff document.

    Args:
        doc: the document as built by :mod:`projections.replay` (the JSON the CLI prints).
        kind: ``"briefing"``, ``"history"`` or ``"diff"``.

    Returns:
        The page, with its CSS inline and no external references.

    Raises:
        ValueError: ``kind`` is not one of the three document kinds.
    """
    if kind not in PAGES:
        raise ValueError(f"unknown document kind {kind!r} (expected one of {', '.join(PAGES)})")
    return _env().get_template(PAGES[kind]).render(doc=doc, kind=kind)
