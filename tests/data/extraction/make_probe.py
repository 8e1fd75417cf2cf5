"""Build the probe set: 2022 news captures the pool does not hold (a tool, not a test).

Run from the repository root: ``.venv/bin/python tests/data/extraction/make_probe.py``.
It reads the rumca-js 2022 captures the same way ``make_pool.py`` does (files in sorted order,
de-duplicated by lower-cased title, the same ids, raw title and description: the extractor
strips HTML itself) and writes ``probe.jsonl`` with every entry whose id and title are in
neither ``pool.jsonl`` nor an earlier row. Rows have the pool's shape without ``split``.

The probe set is unlabelled as a whole. Only the entries on which two extractor versions
disagree are labelled (``probe_labels.jsonl``, see GUIDE.md, "Probe set"): a biased sample
that compares rule versions and is never pooled with the dev or held-out figures.
"""

from __future__ import annotations

import glob
import json
import os
import re
from pathlib import Path

HERE = Path(__file__).parent
CORPORA = Path(os.environ.get("TRACKER_CORPORA", "/work/shared/corpora"))
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
    base = CORPORA / SOURCE
    ids, titles = pool_keys()
    rows, seen = [], set()
    for path in sorted(glob.glob(str(base / "2022/*/*/*.json"))):
        rel = os.path.relpath(path, base)
        for i, e in enumerate(json.loads(Path(path).read_text())):
            key = (e.get("title") or "").strip().lower()
            if key in seen:
                continue
            seen.add(key)
            feed = rel.rsplit("/", 1)[1].removesuffix("_entries.json")
            feed = re.sub(r"[^a-z0-9]+", "-", feed.lower()).strip("-")
            entry_id = f"rss2022-{rel.split('/')[2]}-{feed}-{i}"
            if key in titles or entry_id in ids:
                continue
            rows.append(
                {
                    "id": entry_id,
                    "source": SOURCE,
                    "provenance": {"path": rel, "index": i, "feed": e.get("source")},
                    "title": e.get("title") or "",
                    "summary": e.get("description") or "",
                    "published": (e.get("date_published") or "").replace(" ", "T")[:19] + "Z",
                    "link": e.get("link"),
                }
            )
    return rows


def main() -> None:
    rows = probe_entries()
    with (HERE / "probe.jsonl").open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} entries -> {HERE / 'probe.jsonl'}")


if __name__ == "__main__":
    main()
