"""Feed bytes + HTTP response headers -> :class:`ParsedFeed` (feedparser); pure and deterministic.

No network, no filesystem, no clock. feedparser is handed an ``io.BytesIO`` — never a URL and
never a bare ``bytes``/``str``, which ``feedparser.parse`` would try to open as a *path* — plus
the response headers. The feed's URL is passed to feedparser only as a ``Content-Location``
header, so relative links resolve against it. HTML sanitizing and relative-URI resolution are
switched on explicitly rather than inherited from feedparser's module-level globals, which any
other import could change.

Entity-expansion bombs: feedparser 6 strips nested entity declarations, and expat 2.4+ stops
"billion laughs" in the strict parser, but feedparser then falls back to its loose parser
with the *remaining* "safe" entities, which it expands without limit: one 100 KB entity
referenced 20,000 times took 6 GB and 48 s. :func:`entity_expansion_problem` therefore looks at
the document (decoded the way feedparser decodes it) before feedparser parses it, and
:func:`parse_feed` refuses documents whose declared entities would expand past
:data:`ENTITY_EXPANSION_BUDGET` characters.
"""

from __future__ import annotations

import html
import io
import re
import xml.sax
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
from feedparser.encodings import convert_to_utf8

from tracker.values import ParsedEntry, content_hash, iso

#: Longest plain-text summary kept per entry; longer ones are cut and the cut recorded.
MAX_SUMMARY_CHARS = 20_000
#: Longest plain-text title kept per entry.
MAX_TITLE_CHARS = 1_000
#: Most characters that declared XML entities may expand to in one document.
ENTITY_EXPANSION_BUDGET = 1_000_000
#: Most ``<!ENTITY`` declarations accepted in one document.
MAX_ENTITY_DECLARATIONS = 100

_BLOCK_TAG = re.compile(
    r"<\s*/?\s*(?:p|br|div|li|ul|ol|h[1-6]|tr|td|th|table|blockquote|pre|hr|section|article"
    r"|header|footer|dd|dt|dl|figure|figcaption)\b[^>]*>",
    re.IGNORECASE,
)
_TAG = re.compile(r"<[^>]*>")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_ENTITY_DECL = re.compile(rb"<!ENTITY\s+(%\s+)?([^\s\"'>%]+)\s+(?:\"([^\"]*)\"|'([^']*)'|[^>]*)>")
_BOMS = (  # longest first: the UTF-32LE mark starts with the UTF-16LE one
    (b"\xff\xfe\x00\x00", "utf-32le"),
    (b"\x00\x00\xfe\xff", "utf-32be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16le"),
    (b"\xfe\xff", "utf-16be"),
)
_ENTITY_REF = re.compile(rb"&([^\s&;#]+);")
_HTML_SNIFF = re.compile(rb"<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.IGNORECASE)
_ALTERNATE = re.compile(
    rb"<link\b(?=[^>]*\brel=[\"']?alternate)(?=[^>]*\btype=[\"']?application/(?:rss|atom)\+xml)"
    rb"[^>]*\bhref=[\"']?([^\"'\s>]+)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """One parsed document. ``is_feed`` is False for an empty body, an HTML page, a refused
    document or anything else with no RSS/Atom/RDF in it; ``problem`` then says why.

    ``bozo`` mirrors feedparser's flag: the document had a problem (not well-formed XML, an
    encoding conflict ...) but the ``entries`` recovered from it are still kept.
    """

    title: str | None
    link: str | None
    entries: tuple[ParsedEntry, ...]
    bozo: bool
    problem: str | None
    encoding: str | None
    is_feed: bool
    version: str = ""


def parse_feed(body: bytes, headers: dict[str, str], *, feed: str, url: str) -> ParsedFeed:
    """Parse feed bytes into entries.

    Args:
        body: the raw (already decompressed) response body or file contents.
        headers: the HTTP response headers (any case; ``{}`` for a local file). The
            Content-Type charset takes part in choosing the encoding, as RFC 3023 says.
        feed: the feed's name, used in problem descriptions.
        url: the URL the body came from (the final URL after redirects); relative links in
            the feed resolve against it. It is never fetched.

    Returns:
        A ParsedFeed; never raises for bad input (the problem is described instead).
    """
    if not body.strip():
        return _not_a_feed(f"{feed}: the document is empty")
    refused = entity_expansion_problem(body, headers)
    if refused:
        return _not_a_feed(f"{feed}: {refused}", bozo=True)
    try:
        result = run_feedparser(body, headers, url=url)
        entries = tuple(_entry(e) for e in result.get("entries", ()))
    except Exception as crash:  # feedparser has corner-case crashes; one feed must not stop a run
        return _not_a_feed(f"{feed}: the parser failed: {describe_bozo(crash)}", bozo=True)
    version = result.get("version") or ""
    bozo = bool(result.get("bozo"))
    exc = result.get("bozo_exception")
    problem = None
    if not version and not entries:
        problem = f"{feed}: {_why_not_a_feed(body, headers, exc)}"
    elif bozo and exc is not None:
        recovered = f"{len(entries)} {'entry' if len(entries) == 1 else 'entries'} recovered"
        problem = f"{feed}: {describe_bozo(exc)}; {recovered}"
    info = result.get("feed", {})
    return ParsedFeed(
        title=_plain(info.get("title"), info.get("title_detail"), MAX_TITLE_CHARS)[0] or None,
        link=_norm(info.get("link")) or None,
        entries=entries,
        bozo=bozo,
        problem=problem,
        encoding=result.get("encoding") or None,
        is_feed=bool(version or entries),
        version=version,
    )


def run_feedparser(body: bytes, headers: dict[str, str], *, url: str) -> Any:
    """The exact feedparser call :func:`parse_feed` makes (a ``FeedParserDict``).

    Exposed so tests can hold feedparser's own result next to ours for the same input.
    """
    return feedparser.parse(
        io.BytesIO(body),
        response_headers=_feedparser_headers(body, headers, url),
        resolve_relative_uris=True,
        sanitize_html=True,
    )


def entity_expansion_problem(body: bytes, headers: dict[str, str] | None = None) -> str | None:
    """Why ``body`` must not be parsed because of its XML entities, or None when it is safe.

    The document is decoded exactly as feedparser will decode it (so a UTF-16 or EBCDIC
    document cannot hide its declarations), then the replacement text of every declared
    general entity is sized, nested references included, and multiplied by the number of
    references in the document.
    """
    try:
        data = convert_to_utf8(_feedparser_headers(body, headers or {}, ""), body, {})
    except Exception:  # feedparser's decoder failed: judge the raw bytes instead
        data = body
    if b"<!ENTITY" not in data:
        return None
    decls = _ENTITY_DECL.findall(data)
    count = data.count(b"<!ENTITY")
    if count > MAX_ENTITY_DECLARATIONS:
        return (
            f"refused to parse: the document declares {count} XML entities "
            f"(more than {MAX_ENTITY_DECLARATIONS}; an entity-expansion attack?)"
        )
    values = {
        name: dq if dq or not sq else sq
        for pct, name, dq, sq in decls
        if not pct  # parameter entities are dropped by feedparser and never fetched
    }
    sizes: dict[bytes, int] = {}
    budget = ENTITY_EXPANSION_BUDGET

    def size(name: bytes, depth: int) -> int:
        if name not in values:
            return len(name) + 2
        if name in sizes:
            return sizes[name]
        if depth > 16:  # deeper nesting than any honest document; also catches cycles
            return budget + 1
        value = values[name]
        total = len(_ENTITY_REF.sub(b"", value))
        for ref in _ENTITY_REF.findall(value):
            total = min(budget + 1, total + size(ref, depth + 1))
        sizes[name] = total
        return total

    expanded = 0
    for name in values:
        expanded += size(name, 0) * data.count(b"&" + name + b";")
        if expanded > budget or size(name, 0) > budget:
            return (
                f"refused to parse: the document's XML entities would expand to more than "
                f"{budget:,} characters (an entity-expansion bomb)"
            )
    return None


def describe_bozo(exc: BaseException) -> str:
    """A short plain description of feedparser's ``bozo_exception``."""
    if isinstance(exc, xml.sax.SAXParseException):
        where = f"line {exc.getLineNumber()}, column {exc.getColumnNumber()}"
        return f"feed is not well-formed XML ({where}): {exc.getMessage()}"
    if isinstance(exc, feedparser.CharacterEncodingOverride):
        return f"conflicting character encodings: {exc}"
    if isinstance(exc, feedparser.CharacterEncodingUnknown):
        return f"unknown character encoding: {exc}"
    if isinstance(exc, feedparser.NonXMLContentType):
        return f"not served as XML: {exc}"
    if isinstance(exc, feedparser.UndeclaredNamespace):
        return f"uses an undeclared XML namespace: {exc}"
    first_line = (str(exc).splitlines() or [""])[0][:200]
    return f"{type(exc).__name__}: {first_line}" if first_line else type(exc).__name__


def plain_text(markup: str) -> str:
    """HTML -> plain text: tags dropped (block tags become spaces), entities unescaped,
    whitespace collapsed. Cheap on purpose; feedparser has already sanitized the markup."""
    text = _COMMENT.sub("", markup)
    text = _BLOCK_TAG.sub(" ", text)
    text = _TAG.sub("", text)
    return " ".join(html.unescape(text).split())


# --- helpers ----------------------------------------------------------------------------------


def _feedparser_headers(body: bytes, headers: dict[str, str], url: str) -> dict[str, str]:
    out = {str(k).lower(): str(v) for k, v in headers.items()}
    # Without a Content-Type feedparser assumes ISO-8859-1 and flags the feed; an XML
    # document's own rules (BOM, declaration, else UTF-8) are the right default.
    out.setdefault("content-type", "application/xml")
    bom = next((enc for mark, enc in _BOMS if body.startswith(mark)), None)
    if bom is not None:
        # A byte-order mark is the one encoding signal that cannot be wrong by accident; a
        # server's charset often is (UTF-16 served as "text/xml; charset=utf-8" decodes to
        # NUL-riddled garbage under RFC 3023's header-wins rule).
        media_type = out["content-type"].split(";", 1)[0].strip()
        out["content-type"] = f"{media_type}; charset={bom}"
    base = _base_uri(url, out.get("content-location"))
    if base:
        out["content-location"] = base
    else:
        out.pop("content-location", None)
    return out


def _base_uri(url: str, content_location: str | None) -> str | None:
    candidates = [urljoin(url, content_location.strip())] if content_location else []
    candidates.append(url)
    for candidate in candidates:
        if urlsplit(candidate).scheme in {"http", "https", "file"}:
            return candidate
    return None


def _not_a_feed(problem: str, *, bozo: bool = False) -> ParsedFeed:
    return ParsedFeed(None, None, (), bozo, problem, None, False)


def _why_not_a_feed(body: bytes, headers: dict[str, str], exc: BaseException | None) -> str:
    head = body[:65536]
    ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    if "html" in ctype.lower() or _HTML_SNIFF.search(head):
        link = _ALTERNATE.search(head)
        hint = (
            f" (it links to a feed at {link.group(1).decode('utf-8', 'replace')})" if link else ""
        )
        return f"this is an HTML page, not a feed{hint}"
    detail = f" ({describe_bozo(exc)})" if exc is not None else ""
    return f"no RSS, Atom or RDF feed found in the document{detail}"


def _norm(value: Any) -> str:
    return " ".join(str(value).split()) if value else ""


def _plain(value: Any, detail: Any, limit: int) -> tuple[str, int | None]:
    """Plain text of a feedparser text construct cut to ``limit`` characters, and the
    original length when it was cut (characters of HTML when the HTML itself was too long)."""
    if not value:
        return "", None
    value = str(value)
    kind = detail.get("type", "text/html") if isinstance(detail, dict) else "text/html"
    # Cut the HTML before stripping tags: a 1 MB summary should not cost a 1 MB regex pass
    # when only ``limit`` characters survive (five characters of markup per character kept).
    scan = value[: limit * 5]
    text = " ".join(scan.split()) if kind == "text/plain" else plain_text(scan)
    if len(value) > len(scan):
        return text[:limit].rstrip(), len(value)
    if len(text) > limit:
        return text[:limit].rstrip(), len(text)
    return text, None


def _when(parsed: Any) -> datetime | None:
    if not parsed:
        return None
    try:
        year, month, day, hour, minute, second = parsed[:6]
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _entry(e: Any) -> ParsedEntry:
    problems: list[str] = []
    title, title_was = _plain(e.get("title"), e.get("title_detail"), MAX_TITLE_CHARS)
    if title_was:
        problems.append(f"title cut to {MAX_TITLE_CHARS:,} characters (was {title_was:,})")
    raw_summary, detail = e.get("summary"), e.get("summary_detail")
    if not raw_summary and e.get("content"):
        raw_summary, detail = e["content"][0].get("value"), e["content"][0]
    summary, summary_was = _plain(raw_summary, detail, MAX_SUMMARY_CHARS)
    if summary_was:
        problems.append(f"summary cut to {MAX_SUMMARY_CHARS:,} characters (was {summary_was:,})")
    published = _when(e.get("published_parsed")) or _when(e.get("updated_parsed"))
    raw_date = e.get("published") or e.get("updated")
    if published is None and raw_date:
        problems.append(f"unreadable date {str(raw_date)[:80]!r}")
    guid = _norm(e.get("id")) or None
    link = _norm(e.get("link")) or None
    # Without title or date the summary must take part, or every such entry would collide.
    fallback = content_hash(title, iso(published), None if title or published else summary)
    author = _plain(e.get("author"), {"type": "text/plain"}, 200)[0] or None
    return ParsedEntry(
        identity=guid or link or f"sha256:{fallback}",
        title=title,
        summary=summary,
        link=link,
        guid=guid,
        published_at=published,
        updated_at=_when(e.get("updated_parsed")),
        author=author,
        problems=tuple(problems),
    )
