"""Resolve relative date expressions against the entry's ``published_at`` (no clock, no library).

dateparser would do more, but it costs milliseconds per call; the expressions that matter in
headlines are few ("on Thursday", "next Friday", "May 15", "16 May", "tomorrow", "this week",
"in June"; for background "in March 2022", "in 2019", "last year", "last month"), so a small
resolver keeps extraction at thousands of entries per second.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from tracker.values import DatePrecision

_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for m in names
}
_NUMBERS = {
    w: i
    for i, w in enumerate(
        ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    )
    if w
} | {"a": 1}
_MONTH_ALT = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAY_ALT = "|".join(_WEEKDAYS)

# One pattern, tried in order of specificity via named groups.
DATE_RE = re.compile(
    rf"""(?ix)
    \b(?:
        (?P<md>(?P<m1>{_MONTH_ALT})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?(?!\d)(?:,?\s+(?P<y1>\d{{4}}))?)
      | (?P<dm>(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>{_MONTH_ALT})\b
               (?:,?\s+(?P<y2>\d{{4}}))?)
      | (?P<rel>today|tonight|tomorrow|yesterday)
      | (?P<ago>(?P<agon>\d{{1,3}}|a|one|two|three|four|five|six|seven|eight|nine|ten)
               \s+(?P<agou>days?|weeks?)\s+ago)
      | (?P<wk>(?P<wkq>this|next|last)\s+week)
      | (?P<wd>(?:(?P<wdq>next|this|last|coming)\s+)?(?P<wdn>{_WEEKDAY_ALT}))
      | (?P<my>(?<!since\s)(?<!after\s)(?:(?:in|during|by|until|from|early|late|mid-?)\s+)?
               (?P<m4>{_MONTH_ALT})\.?,?\s+(?P<y4>(?:19|20)\d\d)\b)
      | (?P<mo>(?:in|during|by|until|from|early|late|mid-?)\s+(?P<m3>{_MONTH_ALT})\b(?!\s+\d))
      | (?P<rm>(?P<rmq>last|next|this)\s+month)
      | (?P<yr>(?:in|during|by|until|of)\s+(?P<y5>(?:19|20)\d\d)\b(?![-–/]\d))
      | (?P<ry>(?P<ryq>last|next)\s+year)
    )""",
)


def _nearest_weekday(published: date, weekday: int, direction: int) -> date:
    """The nearest ``weekday`` on or after (direction > 0) / on or before published."""
    delta = (weekday - published.weekday()) % 7
    if direction >= 0:
        return published + timedelta(days=delta)
    return published - timedelta(days=(7 - delta) % 7)


def _month_day(published: date, month: int, day: int, year: int | None, direction: int) -> date:
    if year is not None:
        return date(year, month, day)
    guess = date(published.year, month, day)
    # A month-day without a year is the occurrence nearest to publication in the claim's
    # direction: "on January 3" published in late December is next year's.
    if direction > 0 and guess < published - timedelta(days=60):
        guess = date(published.year + 1, month, day)
    elif direction < 0 and guess > published + timedelta(days=60):
        guess = date(published.year - 1, month, day)
    return guess


def resolve(
    text: str, published: date | None, direction: int
) -> tuple[date | None, DatePrecision, str]:
    """Find the first date expression in ``text`` and resolve it.

    ``direction`` is +1 for things that lie ahead (scheduled, proposed), -1 for things that
    happened (held, agreed), 0 when unknown (taken as ahead). Returns ``(date, precision, span)``;
    ``(None, UNKNOWN, "")`` when there is no expression or no publication date to resolve it.
    """
    if published is None:
        return None, DatePrecision.UNKNOWN, ""
    fallback: tuple[date | None, DatePrecision, str] = (None, DatePrecision.UNKNOWN, "")
    for m in DATE_RE.finditer(text):
        try:
            got = _resolve_match(m, published, direction)
        except ValueError:  # "February 30": not a date, keep looking
            continue
        if got is None:
            continue
        if m.group("my") or m.group("yr") or m.group("ry"):
            # A month or year with its year spelled out is often a side remark ("the sides,
            # who last met in March 2022, meet on Friday"): any other date in the text wins.
            if fallback[0] is None:
                fallback = (got[0], got[1], m.group(0))
            continue
        return got[0], got[1], m.group(0)
    return fallback


def _resolve_match(
    m: re.Match[str], published: date, direction: int
) -> tuple[date, DatePrecision] | None:
    g = m.groupdict()
    if g["md"] or g["dm"]:
        month = _MONTHS[(g["m1"] or g["m2"]).lower()]
        day = int(g["d1"] or g["d2"])
        year = g["y1"] or g["y2"]
        return _month_day(published, month, day, int(year) if year else None, direction), (
            DatePrecision.DAY
        )
    if g["rel"]:
        offset = {"today": 0, "tonight": 0, "tomorrow": 1, "yesterday": -1}[g["rel"].lower()]
        return published + timedelta(days=offset), DatePrecision.DAY
    if g["ago"]:  # "when the ministers met in Turkey just 19 days ago"
        n = _NUMBERS.get(g["agon"].lower()) or int(g["agon"])
        if g["agou"].lower().startswith("week"):
            monday = published - timedelta(days=published.weekday() + 7 * n)
            return monday, DatePrecision.UNKNOWN
        return published - timedelta(days=n), DatePrecision.DAY
    if g["wk"]:
        monday = published - timedelta(days=published.weekday())
        shift = {"this": 0, "next": 7, "last": -7}[g["wkq"].lower()]
        return monday + timedelta(days=shift), DatePrecision.UNKNOWN
    if g["wd"]:
        weekday = _WEEKDAYS.index(g["wdn"].lower())
        qualifier = (g["wdq"] or "").lower()
        if qualifier in ("next", "coming"):
            found = _nearest_weekday(published, weekday, +1)
            return (found + timedelta(days=7) if found == published else found), DatePrecision.DAY
        if qualifier == "last":
            found = _nearest_weekday(published, weekday, -1)
            return (found - timedelta(days=7) if found == published else found), DatePrecision.DAY
        return _nearest_weekday(published, weekday, direction or 1), DatePrecision.DAY
    if g["my"]:  # "in March 2022": background or a plan with its year spelled out
        return date(int(g["y4"]), _MONTHS[g["m4"].lower()], 1), DatePrecision.MONTH
    if g["rm"]:
        step = {"last": -1, "next": 1, "this": 0}[g["rmq"].lower()]
        index = published.year * 12 + published.month - 1 + step
        return date(index // 12, index % 12 + 1, 1), DatePrecision.MONTH
    if g["yr"] or g["ry"]:
        year = (
            int(g["y5"]) if g["yr"] else published.year + (-1 if g["ryq"].lower() == "last" else 1)
        )
        if year == published.year:
            return None  # "in 2025" said in 2025 places nothing: keep looking
        # A year alone (date = its 1 January, precision unknown) mostly marks background
        # ("the sides last met in 2022"), which the engagement layer sets aside.
        return date(year, 1, 1), DatePrecision.UNKNOWN
    if g["mo"]:
        month = _MONTHS[g["m3"].lower()]
        year = published.year
        if direction > 0 and month < published.month - 2:
            year += 1
        elif direction < 0 and month > published.month + 2:
            year -= 1
        return date(year, month, 1), DatePrecision.MONTH
    return None
