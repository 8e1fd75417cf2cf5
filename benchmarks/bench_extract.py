"""Extraction throughput over the real corpora, beside a plain ``re.search`` pass as the floor.

    python benchmarks/bench_extract.py [--quick]

Entries: every entry of the 2022 news captures, every item of the two August 2026 Wikipedia
snapshots (whole days, HTML summaries), and every PLOVER/PETRARCH sentence of the labelled pool
(read from tests/data/extraction/pool.jsonl when the corpora folder is absent). One core, no
parallelism. The floor is one compiled ``re.search`` for a diplomacy word over the same title +
summary text: no extractor can be faster than reading its input once.

``run(quick)`` returns records shaped per DESIGN.md's benchmarks contract.
"""

from __future__ import annotations

import glob
import json
import os
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tracker.extract import extract, load_dictionaries
from tracker.values import EntryText

ROOT = Path(__file__).resolve().parent.parent
CORPORA = Path(os.environ.get("TRACKER_CORPORA", "/work/shared/corpora"))
TARGET = 5000.0  # entries per second on one core (issue 4)
_FLOOR_RE = re.compile(r"talks|negotiat|summit|ceasefire|truce|prisoner|delegation", re.IGNORECASE)


def _corpus_entries() -> list[EntryText]:
    entries: list[EntryText] = []
    rss = CORPORA / "rumca-js__RSS-Link-Database-2022"
    for path in sorted(glob.glob(str(rss / "2022/*/*/*.json"))):
        for e in json.loads(Path(path).read_text()):
            published = None
            if e.get("date_published"):
                published = datetime.fromisoformat(e["date_published"]).astimezone(UTC)
            entries.append(EntryText(e.get("title") or "", e.get("description") or "", published))
    import feedparser

    for snap in ("2026-08-21_292181b889", "2026-08-22_867f2d7116"):
        path = CORPORA / "Baba-Yagan__wp-current-events/snapshots" / snap / "current_events.rss"
        if path.exists():
            for e in feedparser.parse(path.read_bytes()).entries:
                entries.append(EntryText(e.get("title", ""), e.get("summary", ""), None))
    return entries


def _pool_entries() -> list[EntryText]:
    out = []
    for line in (ROOT / "tests/data/extraction/pool.jsonl").read_text().splitlines():
        row = json.loads(line)
        if row["source"].startswith("openeventdata") or not CORPORA.is_dir():
            published = datetime.fromisoformat(row["published"].replace("Z", "+00:00"))
            out.append(EntryText(row["title"], row["summary"], published))
    return out


def entries() -> list[EntryText]:
    """Every benchmark entry (corpora when present, plus the labelled sentences)."""
    found = _corpus_entries() if CORPORA.is_dir() else []
    return found + _pool_entries()


def _best_rate(fn: Any, items: list[EntryText], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, time.perf_counter() - start)
    return len(items) / best if best > 0 else float("inf")


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Measure and return benchmark records (name, value, unit, baseline, …, meets_target)."""
    items = entries()
    d = load_dictionaries()
    extract(items[0], d)  # build and warm caches outside the timing
    repeats = 1 if quick else 3
    rate = _best_rate(lambda e: extract(e, d), items, repeats)
    floor = _best_rate(
        lambda e: _FLOOR_RE.search(e.title) or _FLOOR_RE.search(e.summary), items, repeats
    )
    big = EntryText("Talks in Istanbul", "<p>" + "word " * 200_000 + "</p>", None)
    start = time.perf_counter()
    extract(big, d)
    big_ms = (time.perf_counter() - start) * 1000
    return [
        {
            "name": "extract_throughput",
            "value": round(rate, 1),
            "unit": "entries/s",
            "baseline": "re.search over the same title+summary",
            "baseline_value": round(floor, 1),
            "ratio": round(rate / floor, 4) if floor else None,
            "target": f">= {TARGET:.0f} entries/s on one core over {len(items)} corpus entries",
            "meets_target": rate >= TARGET,
        },
        {
            "name": "extract_1mb_summary",
            "value": round(big_ms, 1),
            "unit": "ms",
            "baseline": "re.search throughput budget for one entry",
            "baseline_value": round(1000 / floor, 3) if floor else None,
            "ratio": round(big_ms / (1000 / floor), 1) if floor else None,
            "target": "< 1000 ms for a 1 MB HTML summary",
            "meets_target": big_ms < 1000,
        },
    ]


def main(argv: list[str] | None = None) -> int:
    quick = "--quick" in (argv if argv is not None else sys.argv[1:])
    print(json.dumps({"benchmarks": run(quick)}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
