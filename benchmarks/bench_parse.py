"""Benchmark: ``tracker.parse.parse_feed`` against bare ``feedparser.parse`` on the same bytes.

Both sides get identical input: the feed bytes in an ``io.BytesIO`` and the same response
headers, including the feed URL as ``Content-Location`` (what feedparser uses as the base URI
when it fetches a URL itself, so both resolve relative links). Ours adds the entity-expansion
guard and the conversion to plain-text ``ParsedEntry`` objects; the records say what that
costs in time and in peak memory.

The feeds are generated (deterministic, seeded): half RSS 2.0 and half Atom, 50 entries each,
with HTML summaries, links, guids and RFC 822 / RFC 3339 dates, like a news wire's feed.

Run alone: ``python benchmarks/bench_parse.py [--quick]`` prints one JSON object.
"""

from __future__ import annotations

import gc
import io
import json
import os
import platform
import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from typing import Any

import feedparser

from tracker.parse import parse_feed

TARGET_RATIO = 1.5  # issue 3: a first full poll within 1.5x of bare feedparser

_PLACES = ["Istanbul", "Geneva", "Riyadh", "Doha", "Vienna", "Minsk", "Cairo", "Oslo"]
_PARTIES = ["Russian", "Ukrainian", "Turkish", "US", "EU", "Qatari", "Saudi", "Egyptian"]
_VERBS = ["meet in", "resume talks in", "send envoys to", "postpone talks in", "arrive in"]
_WORDS = [
    "delegation",
    "ceasefire",
    "minister",
    "aide",
    "envoy",
    "summit",
    "talks",
    "proposal",
    "prisoner",
    "exchange",
    "statement",
    "foreign",
    "ministry",
    "spokesperson",
    "negotiations",
    "round",
    "agenda",
    "memorandum",
    "humanitarian",
    "corridor",
    "guarantees",
    "sanctions",
    "withdrawal",
    "observers",
    "mediator",
]


def make_feed(rng: random.Random, index: int, entries: int = 50) -> tuple[bytes, dict[str, str]]:
    """One realistic feed (bytes, response headers); even index RSS, odd index Atom."""
    start = datetime(2025, 5, 1, tzinfo=UTC) + timedelta(hours=index)
    items = []
    for n in range(entries):
        when = start + timedelta(minutes=17 * n)
        title = f"{rng.choice(_PARTIES)} and {rng.choice(_PARTIES)} delegations "
        title += f"{rng.choice(_VERBS)} {rng.choice(_PLACES)}"
        paras = [
            " ".join(rng.choice(_WORDS) for _ in range(rng.randint(20, 60)))
            for _ in range(rng.randint(1, 4))
        ]
        link = f"https://wire{index}.example.org/news/{n}"
        summary = "".join(
            f'<p>{p} <a href="{link}#{k}">more</a> &amp; <b>{rng.choice(_WORDS)}</b></p>'
            for k, p in enumerate(paras)
        )
        if index % 2 == 0:
            items.append(
                f"<item><title>{escape(title)}</title><link>{link}</link>"
                f'<guid isPermaLink="false">wire{index}-{n}</guid>'
                f"<pubDate>{format_datetime(when)}</pubDate>"
                f"<description>{escape(summary)}</description></item>"
            )
        else:
            items.append(
                f"<entry><title>{escape(title)}</title>"
                f'<link rel="alternate" href="{link}"/><id>tag:wire{index},2025:{n}</id>'
                f"<published>{when.isoformat()}</published><updated>{when.isoformat()}</updated>"
                f'<summary type="html">{escape(summary)}</summary></entry>'
            )
    if index % 2 == 0:
        body = (
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>Wire {index}</title><link>https://wire{index}.example.org/</link>"
            f"{''.join(items)}</channel></rss>"
        )
        return body.encode(), {"content-type": "application/rss+xml; charset=utf-8"}
    body = (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Wire {index}</title><id>tag:wire{index},2025:feed</id>"
        f"<updated>{start.isoformat()}</updated>{''.join(items)}</feed>"
    )
    return body.encode(), {"content-type": "application/atom+xml"}


def _timed(fn: Callable[[], Any], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _peak(fn: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _record(name: str, value: float, unit: str, baseline: str, base: float) -> dict[str, Any]:
    ratio = value / base if base else float("inf")
    return {
        "name": name,
        "value": round(value, 4),
        "unit": unit,
        "baseline": baseline,
        "baseline_value": round(base, 4),
        "ratio": round(ratio, 3),
        "target": f"<= {TARGET_RATIO}x baseline",
        "meets_target": ratio <= TARGET_RATIO,
    }


def run(quick: bool) -> list[dict[str, Any]]:
    """Benchmark records (DESIGN.md contract) for parsing ``quick ? 40 : 200`` feeds of 50."""
    rng = random.Random(20250516)
    feeds = [make_feed(rng, i) for i in range(40 if quick else 200)]
    urls = [f"https://wire{i}.example.org/feed" for i in range(len(feeds))]
    repeats = 3 if quick else 5

    def ours() -> int:
        return sum(
            len(parse_feed(body, headers, feed=f"f{i}", url=urls[i]).entries)
            for i, (body, headers) in enumerate(feeds)
        )

    def bare() -> int:
        return sum(
            len(feedparser.parse(io.BytesIO(body), response_headers=with_base(headers, i)).entries)
            for i, (body, headers) in enumerate(feeds)
        )

    def with_base(headers: dict[str, str], i: int) -> dict[str, str]:
        return {**headers, "content-location": urls[i]}

    entries = ours()
    assert entries == bare() == 50 * len(feeds), "both sides must see every entry"
    ours_s, bare_s = _timed(ours, repeats), _timed(bare, repeats)
    # Peak memory for one feed at a time is what a poll holds; measure the largest feed.
    i = max(range(len(feeds)), key=lambda k: len(feeds[k][0]))
    body, headers = feeds[i]
    ours_peak = _peak(lambda: parse_feed(body, headers, feed="f", url=urls[i]))
    bare_peak = _peak(
        lambda: feedparser.parse(io.BytesIO(body), response_headers=with_base(headers, i))
    )
    mb = 1024 * 1024
    label = f"bare feedparser.parse, same bytes+headers ({len(feeds)} feeds, {entries} entries)"
    return [
        _record("parse.total_time", ours_s, "s", label, bare_s),
        _record(
            "parse.seconds_per_1000_entries",
            ours_s / entries * 1000,
            "s",
            label,
            bare_s / entries * 1000,
        ),
        _record(
            "parse.peak_memory_one_feed",
            ours_peak / mb,
            "MiB",
            f"bare feedparser.parse on the largest feed ({len(body) / 1024:.0f} KiB)",
            bare_peak / mb,
        ),
    ]


if __name__ == "__main__":
    quick = "--quick" in sys.argv[1:]
    machine = {"python": platform.python_version(), "cpus": os.cpu_count()}
    print(json.dumps({"benchmarks": run(quick), "machine": machine}, indent=2))
