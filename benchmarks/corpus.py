"""A recorded-looking feed corpus for the poll benchmark, generated from real news entries.

The vocabulary is real: titles, summaries and links of the 4,207 BBC, CNN, Guardian, Reuters,
Independent and NYT entries captured in February-March 2022
(``rumca-js__RSS-Link-Database-2022`` in the shared corpora; when that folder is absent, the
527 entries of the same captures copied into ``tests/data/extraction/pool.jsonl``). Those are
recombined, deterministically from a seed, into as many feeds as a benchmark needs:

* each feed has its own publisher style: RSS 2.0 (three feeds in four) with ``guid``,
  ``pubDate`` (RFC 822), ``category``, ``dc:creator`` and ``media:thumbnail``; or Atom 1.0 with
  ``id``, ``published``/``updated`` (RFC 3339), ``author`` and an HTML ``summary`` or
  ``content``;
* an entry keeps a real title and joins one to three real summaries (some feeds wrap them in
  HTML paragraphs and links, as the Guardian does), so sizes vary like a real wire's;
* guids and links are unique per feed and entry, dates run newest first.

The same ``(feeds, entries, seed)`` always gives byte-identical documents, so a benchmark's
server process can regenerate the corpus instead of receiving it.

    python benchmarks/corpus.py OUT_DIR [FEEDS] [ENTRIES]   # write the files, for inspection
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import random
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPORA = Path(os.environ.get("TRACKER_CORPORA", "/work/shared/corpora"))
CAPTURES = CORPORA / "rumca-js__RSS-Link-Database-2022"
POOL = ROOT / "tests" / "data" / "extraction" / "pool.jsonl"

_PUBLISHERS = [
    ("BBC News", "https://www.bbc.co.uk/news"),
    ("CNN.com - World", "https://edition.cnn.com/world"),
    ("The Guardian - International", "https://www.theguardian.com/international"),
    ("Reuters World News", "https://www.reuters.com/world"),
    ("The Independent", "https://www.independent.co.uk/news/world"),
    ("NYT > World News", "https://www.nytimes.com/section/world"),
]
_SECTIONS = ["World", "Europe", "Politics", "Middle East", "Asia", "Africa", "Americas", "UK"]
_AUTHORS = ["Staff and agencies", "Reuters", "Associated Press", "Our correspondent", "AFP"]


@dataclass(frozen=True)
class Snippet:
    """One real captured entry: what the generator recombines."""

    title: str
    summary: str
    link: str


@dataclass(frozen=True)
class CorpusFeed:
    """One generated feed document, with the validators its server may send."""

    path: str  # e.g. /feeds/0007.xml
    body: bytes
    content_type: str
    etag: str
    last_modified: str
    entries: int


def load_snippets() -> list[Snippet]:
    """Every captured entry with a title (the shared corpora, else the copy in tests/data).

    Raises:
        FileNotFoundError: neither the captures nor the copied pool exist.
    """
    out: list[Snippet] = []
    for path in sorted(glob.glob(str(CAPTURES / "2022/*/*/*.json"))):
        for e in json.loads(Path(path).read_text(encoding="utf-8")):
            if e.get("title"):
                out.append(Snippet(e["title"], e.get("description") or "", e.get("link") or ""))
    if out:
        return out
    for line in POOL.read_text(encoding="utf-8").splitlines():
        e = json.loads(line)
        if e.get("source") == "rumca-js__RSS-Link-Database-2022" and e.get("title"):
            out.append(Snippet(e["title"], e.get("summary") or "", e.get("link") or ""))
    if not out:
        raise FileNotFoundError(f"no captured entries under {CAPTURES} or in {POOL}")
    return out


def generate(
    feeds: int, entries: int, *, seed: int = 2022, snippets: list[Snippet] | None = None
) -> list[CorpusFeed]:
    """``feeds`` documents of ``entries`` entries each, deterministic for a given seed."""
    pool = snippets if snippets is not None else load_snippets()
    return [_feed(random.Random(f"{seed}:{i}"), i, entries, pool) for i in range(feeds)]


def _feed(rng: random.Random, index: int, entries: int, pool: list[Snippet]) -> CorpusFeed:
    name, site = _PUBLISHERS[index % len(_PUBLISHERS)]
    section = rng.choice(_SECTIONS)
    atom = index % 4 == 3
    html_summaries = rng.random() < 0.4
    newest = datetime(2022, 3, 31, 18, tzinfo=UTC) - timedelta(minutes=rng.randint(0, 50_000))
    items = []
    when = newest
    for n in range(entries):
        snip = rng.choice(pool)
        extra = [rng.choice(pool).summary for _ in range(rng.choice((0, 0, 1, 2)))]
        summary = " ".join(s for s in [snip.summary, *extra] if s)
        guid = f"{site}/{section.lower().replace(' ', '-')}/{index:04d}-{n:03d}"
        link = f"{snip.link.split('?')[0] or site}?feed={index}&n={n}"
        item = _Item(snip.title, summary, link, guid, when, rng.choice(_AUTHORS), section)
        items.append(_atom_entry(item, html_summaries) if atom else _rss_item(item, html_summaries))
        when -= timedelta(minutes=rng.randint(3, 240))
    title = f"{name} - {section}"
    if atom:
        body = (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">\n'
            f"<title>{escape(title)}</title><id>tag:{_host(site)},2022:feed-{index}</id>\n"
            f'<link rel="alternate" href="{site}"/><updated>{newest.isoformat()}</updated>\n'
            + "".join(items)
            + "</feed>\n"
        )
        ctype = "application/atom+xml; charset=utf-8"
    else:
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:media="http://search.yahoo.com/mrss/" '
            'xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n'
            f"<title>{escape(title)}</title><link>{site}</link>\n"
            f"<description>Latest {escape(section)} news from {escape(name)}</description>\n"
            f"<language>en-gb</language><lastBuildDate>{format_datetime(newest)}</lastBuildDate>\n"
            "<ttl>15</ttl>\n" + "".join(items) + "</channel>\n</rss>\n"
        )
        ctype = "application/rss+xml; charset=utf-8" if index % 3 else "text/xml; charset=UTF-8"
    data = body.encode("utf-8")
    return CorpusFeed(
        path=f"/feeds/{index:04d}.xml",
        body=data,
        content_type=ctype,
        etag=f'"{hashlib.sha1(data).hexdigest()[:16]}"',
        last_modified=format_datetime(newest, usegmt=True),
        entries=entries,
    )


@dataclass(frozen=True)
class _Item:
    title: str
    summary: str
    link: str
    guid: str
    when: datetime
    author: str
    section: str


def _host(url: str) -> str:
    return url.split("/")[2]


def _summary_html(item: _Item, html: bool) -> str:
    if not html:
        return item.summary
    sentences = [s.strip() for s in item.summary.split(". ") if s.strip()]
    paras = "".join(f"<p>{escape(s)}</p>" for s in sentences) or "<p></p>"
    return f'{paras}<p><a href="{escape(item.link)}">Continue reading...</a></p>'


def _rss_item(item: _Item, html: bool) -> str:
    thumb = f"https://ichef.example.net/{hashlib.sha1(item.guid.encode()).hexdigest()[:12]}.jpg"
    return (
        f"<item><title>{escape(item.title)}</title>"
        f"<description>{escape(_summary_html(item, html))}</description>"
        f"<link>{escape(item.link)}</link>"
        f'<guid isPermaLink="false">{escape(item.guid)}</guid>'
        f"<pubDate>{format_datetime(item.when)}</pubDate>"
        f"<dc:creator>{escape(item.author)}</dc:creator>"
        f"<category>{escape(item.section)}</category>"
        f'<media:thumbnail width="240" height="135" url="{thumb}"/></item>\n'
    )


def _atom_entry(item: _Item, html: bool) -> str:
    tag = "content" if html else "summary"
    return (
        f"<entry><title>{escape(item.title)}</title>"
        f'<link rel="alternate" type="text/html" href="{escape(item.link)}"/>'
        f"<id>{escape(item.guid)}</id>"
        f"<published>{item.when.isoformat()}</published>"
        f"<updated>{item.when.isoformat()}</updated>"
        f"<author><name>{escape(item.author)}</name></author>"
        f'<category term="{escape(item.section)}"/>'
        f'<{tag} type="html">{escape(_summary_html(item, html))}</{tag}></entry>\n'
    )


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python benchmarks/corpus.py OUT_DIR [FEEDS] [ENTRIES]")
    out_dir = Path(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    per_feed = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    out_dir.mkdir(parents=True, exist_ok=True)
    for doc in generate(count, per_feed):
        (out_dir / Path(doc.path).name).write_bytes(doc.body)
    print(f"wrote {count} feeds of {per_feed} entries to {out_dir}")
