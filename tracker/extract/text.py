"""Turn an entry's title and summary into clean sentences, cheaply and without ever failing.

Feed summaries are HTML fragments of any size and quality. We strip tags with a regular
expression (not a parser: a broken fragment must not raise), unescape entities, keep list items
and paragraphs as sentence boundaries, and cap how much text we analyse so a 1 MB summary costs
no more than a long article.
"""

from __future__ import annotations

import html
import re

MAX_FIELD_CHARS = 60_000  # analyse at most this much of one field (a Wikipedia day is ~25k)
MAX_SENTENCE_CHARS = 600  # longer "sentences" are run-ons (tables, lists): cut them

_BLOCK_TAG = re.compile(
    r"<\s*/?\s*(?:p|div|li|ul|ol|br|h[1-6]|tr|td|table|blockquote|section|article)\b[^>]*>",
    re.IGNORECASE,
)
_DROP_BLOCK = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
# A list item that is nothing but a link is a "related stories" list: other headlines, not
# what this entry reports ("Kyiv-Moscow talks begin" under a video about refugees).
_LINK_ITEM = re.compile(
    r"<li\b[^>]*>\s*<a\b[^>]*>[^<]{0,300}</a>\s*(?:<br\s*/?>\s*)?</li\s*>", re.IGNORECASE
)
_TAG = re.compile(r"<[^>]{0,2000}>")
_SPACE = re.compile(r"[ \t\r\f\v\u00a0\u200b\u200c\u200d]+")
_SOURCES = re.compile(r"(?:\s*\((?:[A-Z][^()]{0,60})\))+\s*$")
# A sentence ends at . ! ? followed by space and an upper-case letter or quote, or at a newline.
_SPLIT = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9])|\n+")
# Abbreviations that end with a full stop without ending the sentence: titles, initials of
# countries, and month names ("summit set for Aug. 15", "talks on Sept. 3").
_ABBREV = re.compile(
    r"\b(?:U\.S|U\.K|U\.N|E\.U|Mr|Mrs|Ms|Dr|Prof|Gen|Lt|Col|Capt|Maj|Adm|Sgt|Gov|Amb|Sen|Rep|"
    r"St|Ste|Mt|No|Nos|Jr|Sr|vs|approx|e\.g|i\.e|a\.m|p\.m|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.$"
)


def clean(value: object) -> str:
    """Plain text of a title or summary: tags removed, entities decoded, spaces collapsed.

    Block-level tags become newlines so that list items stay separate sentences. Anything that
    is not a string becomes "" (the extractor is total).
    """
    if not isinstance(value, str) or not value:
        return ""
    text = value[: MAX_FIELD_CHARS * 4]
    if "<" in text:
        text = _DROP_BLOCK.sub(" ", text)
        text = _LINK_ITEM.sub("\n", text)
        text = _BLOCK_TAG.sub("\n", text)
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    text = _SPACE.sub(" ", text)
    lines = [ln.strip() for ln in text.split("\n")]
    return "\n".join(ln for ln in lines if ln)[:MAX_FIELD_CHARS]


def sentences(text: str) -> list[str]:
    """Split clean text into sentences (abbreviations such as "U.S." do not end one)."""
    if not text:
        return []
    out: list[str] = []
    pending = ""
    for part in _SPLIT.split(text):
        if not part:
            continue
        part = part.strip()
        if pending:
            part = f"{pending} {part}"
            pending = ""
        if _ABBREV.search(part):
            pending = part
            continue
        # Wikipedia bullets end with their sources: "(Reuters) (AP)". They are not content.
        part = _SOURCES.sub("", part) if part.endswith(")") else part
        if part:
            out.append(part[:MAX_SENTENCE_CHARS])
    if pending:
        out.append(pending[:MAX_SENTENCE_CHARS])
    return out
