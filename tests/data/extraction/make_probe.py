"""Build the probe set: 2022 news captures the pool does not hold (a tool, not a test).

Run from the repository root: ``.venv/bin/python tests/data/extraction/make_probe.py``.
It takes the rumca-js 2022 captures from ``make_pool.rss_all`` (the reader every pass of the
pool uses: the same ids and fields) and writes ``probe.jsonl`` with every entry whose id and
title are not in ``pool.jsonl``. Rows have the pool's shape without ``split``.

The probe set is unlabelled as a whole. Only the entries on which two extractor versions
disagree are labelled (``probe_labels.jsonl``, see GUIDE.md, "Probe set"): a biased sample
that compares rule versions and is never pooled with the dev or held-out figures.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import make_pool  # noqa: E402  (a sibling script, not a package)

SOURCE = "rumca-js__RSS-Link-Database-2022"


def pool_keys() -> tuple[set[str], set[str]]:
    """Ids and lower-cased titles of the pool's entries (only those two fields are read)."""
    ids, titles = set(), set()
    for line in (HERE / "pool.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        ids.add(row["id"])
        if row["source"] == SOURCE:
            titles.add(row["title"].strip().lower())
    return ids, titles


def probe_entries() -> list[dict]:
    """Every de-duplicated 2022 capture entry that is not in the pool."""
    ids, titles = pool_keys()
    return [
        r
        for r in make_pool.rss_all()
        if r["id"] not in ids and r["title"].strip().lower() not in titles
    ]


def main() -> None:
    rows = probe_entries()
    with (HERE / "probe.jsonl").open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} entries -> {HERE / 'probe.jsonl'}")


if __name__ == "__main__":
    main()
