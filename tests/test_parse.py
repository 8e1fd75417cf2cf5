"""tracker.parse: bytes + headers -> entries; bad documents served by a real loopback server."""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.fetch import fetch
from tracker.fetch_result import FetchRequest
from tracker.parse import (
    ENTITY_EXPANSION_BUDGET,
    MAX_SUMMARY_CHARS,
    ParsedFeed,
    entity_expansion_problem,
    parse_feed,
    plain_text,
)
from tracker.values import content_hash

from feedserver import MB, FeedServer, Response, Static

DATA = Path(__file__).parent / "data" / "feeds"
URL = "https://wire.example.org/rss.xml"


def rss(items: str, *, head: str = "", channel: str = "<title>Wire</title>") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n{head}<rss version="2.0"><channel>{channel}'
        f"{items}</channel></rss>"
    ).encode()


def parse(body: bytes, headers: dict[str, str] | None = None, url: str = URL) -> ParsedFeed:
    return parse_feed(
        body, headers or {"content-type": "application/rss+xml"}, feed="wire", url=url
    )


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


def served(server: FeedServer, body: bytes, content_type: str) -> ParsedFeed:
    """Serve ``body`` on loopback, fetch it, parse what came back (the real path)."""
    url = server.route("/feed", lambda _r: Response(200, {"Content-Type": content_type}, body))
    result = fetch(FetchRequest("wire", url))
    assert result.status == "ok" and result.body is not None, result.error
    return parse_feed(result.body, result.headers, feed="wire", url=result.final_url)


# --- entries ------------------------------------------------------------------------------------


def test_a_well_formed_feed_yields_plain_text_entries_with_utc_times(server: FeedServer) -> None:
    body = rss(
        "<item><guid> urn:wire:1 </guid><title>Talks &amp; &lt;b&gt;truce&lt;/b&gt;</title>"
        "<link>https://wire.example.org/1</link>"
        "<description>&lt;p&gt;Delegations &lt;em&gt;met&lt;/em&gt; in&lt;br/&gt;Istanbul"
        " &amp;amp; agreed.&lt;/p&gt;&lt;p&gt;More&amp;nbsp;soon&lt;/p&gt;</description>"
        "<pubDate>Fri, 16 May 2025 14:30:00 +0300</pubDate><author>desk@wire.example.org"
        " (Desk)</author></item>"
    )
    parsed = served(server, body, "application/rss+xml")
    assert parsed.is_feed and not parsed.bozo and parsed.problem is None
    assert parsed.title == "Wire" and parsed.version == "rss20"
    (entry,) = parsed.entries
    assert entry.identity == "urn:wire:1" == entry.guid
    # feedparser reads an RSS title that looks like escaped HTML as HTML; we keep its text.
    assert entry.title == "Talks & truce"
    assert entry.summary == "Delegations met in Istanbul & agreed. More soon"
    assert entry.link == "https://wire.example.org/1"
    assert entry.published_at == datetime(2025, 5, 16, 11, 30, tzinfo=UTC)
    assert entry.author == "desk@wire.example.org (Desk)"
    assert entry.content_hash == content_hash(
        entry.title, entry.summary, entry.link, "2025-05-16T11:30:00Z"
    )


def test_identity_falls_back_from_guid_to_link_to_a_hash_of_title_and_date() -> None:
    body = rss(
        "<item><title>A</title><link>https://wire.example.org/a</link></item>"
        "<item><title>B</title><pubDate>Fri, 16 May 2025 10:00:00 GMT</pubDate></item>"
        "<item><title>C</title></item>"
    )
    a, b, c = parse(body).entries
    assert a.identity == "https://wire.example.org/a" and a.guid is None
    assert b.identity == "sha256:" + content_hash("B", "2025-05-16T10:00:00Z", None)
    assert c.identity == "sha256:" + content_hash("C", None, None)
    assert parse(body).entries == (a, b, c), "parsing is deterministic"


def test_entries_without_title_or_date_do_not_share_one_identity() -> None:
    body = rss(
        "<item><description>one</description></item><item><description>two</description></item>"
    )
    first, second = parse(body).entries
    assert first.identity != second.identity


def test_an_atom_entry_with_only_an_updated_time_is_published_then() -> None:
    body = (DATA / "utf16-bom-atom.xml").read_bytes()
    (entry,) = parse(body, {"content-type": "application/atom+xml"}).entries
    assert entry.published_at == entry.updated_at == datetime(2025, 5, 16, 5, 0, tzinfo=UTC)


def test_a_missing_date_stays_missing_and_an_unreadable_one_is_recorded() -> None:
    body = rss(
        "<item><guid>x</guid></item><item><guid>y</guid><pubDate>next Tuesday</pubDate></item>"
    )
    missing, unreadable = parse(body).entries
    assert missing.published_at is None and missing.problems == ()
    assert unreadable.published_at is None
    assert unreadable.problems == ("unreadable date 'next Tuesday'",)


def test_a_huge_html_summary_is_cut_to_a_sane_size_and_the_cut_recorded() -> None:
    html = "<p>" + "word <b>bold</b> " * 70_000 + "</p>"  # about 1.2 MB of HTML
    body = rss(f"<item><guid>big</guid><description><![CDATA[{html}]]></description></item>")
    (entry,) = parse(body).entries
    assert len(entry.summary) <= MAX_SUMMARY_CHARS
    assert entry.summary.startswith("word bold word bold")
    assert len(entry.problems) == 1 and entry.problems[0].startswith("summary cut to 20,000")


def test_scripts_are_sanitized_away_before_the_text_is_kept() -> None:
    body = rss(
        "<item><guid>s</guid><description><![CDATA[Hello<script>steal()</script>"
        '<img src="x" onerror="steal()"> world]]></description></item>'
    )
    (entry,) = parse(body).entries
    assert entry.summary == "Hello world"


def test_relative_links_resolve_against_the_feed_url_and_never_a_javascript_base() -> None:
    body = rss("<item><guid>r</guid><link>/news/1</link></item>", channel="<link>/</link>")
    parsed = parse(body)
    assert parsed.link == "https://wire.example.org/"
    assert parsed.entries[0].link == "https://wire.example.org/news/1"
    unsafe = parse(body, {"content-type": "application/xml", "content-location": "javascript:x()"})
    assert unsafe.entries[0].link == "https://wire.example.org/news/1"


def test_plain_text_joins_blocks_drops_inline_tags_and_unescapes() -> None:
    assert plain_text("<h1>Title</h1><p>a<b>b</b>c&nbsp;&amp; d</p><!-- x -->") == "Title abc & d"


# --- bad documents (issue 3, "Bad input"), served over loopback ----------------------------------


def test_malformed_xml_keeps_the_recovered_entries_and_says_where_it_broke(
    server: FeedServer,
) -> None:
    parsed = served(server, (DATA / "malformed-mismatched-tag.xml").read_bytes(), "text/xml")
    assert parsed.is_feed and parsed.bozo
    assert [e.identity for e in parsed.entries] == [
        "https://wire.example.org/1",
        "https://wire.example.org/2",
    ]
    assert parsed.problem is not None
    assert parsed.problem.startswith("wire: feed is not well-formed XML (line 15, column")
    assert parsed.problem.endswith("mismatched tag; 2 entries recovered")


def test_an_html_page_is_not_a_feed_and_the_problem_points_to_its_feed(server: FeedServer) -> None:
    parsed = served(server, (DATA / "html-page.html").read_bytes(), "text/html; charset=utf-8")
    assert not parsed.is_feed and parsed.entries == ()
    assert parsed.problem == (
        "wire: this is an HTML page, not a feed "
        "(it links to a feed at https://wire.example.org/rss.xml)"
    )


def test_an_html_page_served_as_xml_is_still_recognised() -> None:
    parsed = parse((DATA / "html-page.html").read_bytes(), {"content-type": "application/xml"})
    assert not parsed.is_feed and "HTML page" in (parsed.problem or "")


@pytest.mark.parametrize("body", [b"", b"   \n\t  "])
def test_an_empty_document_is_not_a_feed(body: bytes) -> None:
    parsed = parse(body)
    assert not parsed.is_feed and parsed.entries == ()
    assert parsed.problem == "wire: the document is empty"


def test_plain_text_that_is_not_xml_is_not_a_feed() -> None:
    parsed = parse(b"Service temporarily unavailable. Try later.", {"content-type": "text/plain"})
    assert not parsed.is_feed
    assert (parsed.problem or "").startswith("wire: no RSS, Atom or RDF feed found")


@pytest.mark.parametrize(
    ("name", "content_type", "title", "bozo", "problem"),
    [
        # The declaration is honoured when the header leaves the charset open.
        ("koi8r.xml", "application/xml", "Делегация прибыла в Стамбул", False, None),
        ("koi8r.xml", None, "Делегация прибыла в Стамбул", False, None),
        # Header says utf-8, the bytes are KOI8-R: read as the bytes allow, conflict recorded.
        ("koi8r.xml", "application/xml; charset=utf-8", "Делегация прибыла в Стамбул", True,
         "document declared as utf-8, but parsed as koi8-r"),
        # Header utf-8, declaration koi8-r, body really cp1252: undetectable lie, read as
        # KOI8-R (every byte is valid there); the conflict is recorded, nothing crashes.
        ("koi8r-declared-cp1252-body.xml", "text/xml; charset=utf-8", "RИunion Ю GenХve", True,
         "document declared as utf-8, but parsed as koi8-r"),
        # A byte-order mark outranks a wrong charset in the header.
        ("utf16-bom-atom.xml", "text/xml; charset=utf-8", "Делегация прибыла", False, None),
    ],
)  # fmt: skip
def test_wrong_or_conflicting_encodings_are_read_as_well_as_possible_and_recorded(
    server: FeedServer,
    name: str,
    content_type: str | None,
    title: str,
    bozo: bool,
    problem: str | None,
) -> None:
    body = (DATA / name).read_bytes()
    if content_type is None:
        parsed = parse(body, {}, url=(DATA / name).as_uri())
    else:
        parsed = served(server, body, content_type)
    assert parsed.is_feed
    assert parsed.entries[0].title == title
    assert parsed.bozo is bozo
    if problem is None:
        assert parsed.problem is None
    else:
        assert problem in (parsed.problem or "")


def test_cp1252_bytes_under_a_utf8_header_fall_back_to_cp1252(server: FeedServer) -> None:
    title = b"Caf\xe9 \x93talks\x94"  # cp1252: e-acute and curly quotes, invalid as UTF-8
    body = b'<rss version="2.0"><channel><item><title>' + title + b"</title></item></channel></rss>"
    parsed = served(server, body, "application/rss+xml; charset=utf-8")
    assert parsed.entries[0].title == "Café “talks”"
    assert "parsed as windows-1252" in (parsed.problem or "")


# --- entity-expansion bombs ----------------------------------------------------------------------


def laughs(*, one_line: bool) -> bytes:
    decls = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    sep = "" if one_line else "\n"
    head = f"<!DOCTYPE rss [{sep}{sep.join(decls)}{sep}]>{sep}"
    return rss("<item><title>&lol9;</title></item>", head=head)


def quadratic() -> bytes:
    head = f'<!DOCTYPE rss [\n<!ENTITY big "{"x" * 100_000}">\n]>\n'
    return rss(f"<item><title>{'&big;' * 20_000}</title></item>", head=head)


@pytest.mark.parametrize(
    "body",
    [laughs(one_line=False), laughs(one_line=True), quadratic()],
    ids=["billion-laughs", "billion-laughs-one-line", "quadratic-blowup"],
)
def test_entity_expansion_bombs_are_refused_with_memory_bounded(
    server: FeedServer, body: bytes
) -> None:
    tracemalloc.start()
    try:
        parsed = served(server, body, "application/rss+xml")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert not parsed.is_feed and parsed.entries == ()
    assert "entity-expansion bomb" in (parsed.problem or "")
    # Unguarded, feedparser's loose parser peaks at about 6 GB on the quadratic document.
    assert peak < 20 * MB, f"peak {peak / MB:.1f} MB"


def test_a_bomb_cannot_hide_in_utf16() -> None:
    text = laughs(one_line=False).decode().replace('encoding="utf-8"', 'encoding="utf-16"')
    body = b"\xff\xfe" + text.encode("utf-16-le")
    assert entity_expansion_problem(body, {}) is not None
    assert not parse(body).is_feed


def test_a_small_honest_entity_declaration_is_still_expanded() -> None:
    head = '<!DOCTYPE rss [\n<!ENTITY org "Organization for Security and Co-operation">\n]>\n'
    body = rss("<item><guid>o</guid><title>&org; meets</title></item>", head=head)
    assert entity_expansion_problem(body) is None
    assert parse(body).entries[0].title == "Organization for Security and Co-operation meets"
    assert ENTITY_EXPANSION_BUDGET >= 1_000_000


def test_too_many_entity_declarations_are_refused() -> None:
    decls = "\n".join(f'<!ENTITY e{i} "{i}">' for i in range(150))
    body = rss("<item><title>&e1;</title></item>", head=f"<!DOCTYPE rss [\n{decls}\n]>\n")
    assert "declares 150 XML entities" in (entity_expansion_problem(body) or "")


# --- purity: no network, no files ----------------------------------------------------------------


def test_external_entities_are_never_fetched_from_the_network_or_read_from_disk(
    server: FeedServer, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    dtd = server.route("/evil.dtd", Static(b'<!ENTITY remote "REMOTE-VALUE">', "text/plain"))
    head = (
        f'<!DOCTYPE rss SYSTEM "{dtd}" [\n<!ENTITY local SYSTEM "{secret.as_uri()}">\n'
        f'<!ENTITY web SYSTEM "{dtd}">\n]>\n'
    )
    body = rss("<item><guid>e</guid><title>&local; &web; &remote;</title></item>", head=head)
    parsed = parse(body)
    text = json.dumps([[e.title, e.summary] for e in parsed.entries])
    assert "TOP-SECRET-VALUE" not in text and "REMOTE-VALUE" not in text
    assert server.requests == [], "parse must not touch the network"


def test_importing_tracker_parse_loads_no_network_library() -> None:
    code = (
        "import sys, json, tracker.parse; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'httpx', 'httpcore', 'h11', 'h2', 'anyio', 'requests', 'urllib3', 'aiohttp'} "
        "or m in ('tracker.fetch', 'tracker.fetch_body'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2000) | st.text(max_size=500).map(lambda t: f"<rss>{t}".encode()))
def test_parse_feed_never_raises_on_arbitrary_bytes(body: bytes) -> None:
    parsed = parse(body)
    assert isinstance(parsed, ParsedFeed)
    assert parsed.is_feed or parsed.problem
