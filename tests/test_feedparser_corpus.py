"""Every feed of feedparser's own test suite, served over loopback, fetched and parsed by us.

Each corpus file carries ``Header:`` lines (response headers to send), an optional
``SkipUnless:`` condition and an ``Expect:`` Python expression over feedparser's result. We
serve the file's exact bytes with those headers, fetch it with :mod:`tracker.fetch`, hand the
body and response headers to :func:`tracker.parse.run_feedparser` — the very call
:func:`tracker.parse.parse_feed` makes — and evaluate ``Expect`` against that result: our
fetch+parse path preserves feedparser's behaviour. Then :func:`parse_feed` itself must agree
with that result (entries, bozo flag, encoding).

Files without a ``Content-type`` header line are served as ``application/xml``, whose RFC 3023
rules (the document's own declaration decides) match how feedparser's suite parses them.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import feedparser
import pytest
from conftest import CORPORA
from feedparser.urls import ACCEPTABLE_URI_SCHEMES as ACCEPTABLE

from tracker.config import Settings
from tracker.fetch import fetch_many
from tracker.fetch_result import FetchRequest, FetchResult
from tracker.parse import parse_feed, run_feedparser

from feedserver import FeedServer, Files

SUITE = "kurtmckee__feedparser/tests"
_HEADER = re.compile(r"^Header:\s+([^:]+):(.*)$", re.MULTILINE)
_SKIP = re.compile(r"SkipUnless:\s*(.*?)\n")
_EXPECT = re.compile(r"Description:\s*(.*?)\s*Expect:\s*(.*)\s*-->")

# Behaviour of the corpus' feedparser commit (2026) that feedparser 6.0.x does not have yet;
# strict, so that upgrading feedparser turns these into failures we then remove.
NEWER_FEEDPARSER = {
    "wellformed/atom/entry_link_no_href_link_priority.xml": "link priority rules",
    "wellformed/atom/entry_link_rel_enclosure_no_href.xml": "link priority rules",
    "wellformed/atom10/entry_link_no_href_link_priority.xml": "link priority rules",
    "wellformed/atom10/entry_link_rel_enclosure_no_href.xml": "link priority rules",
    "wellformed/atom10/entry_id_no_normalization_4.xml": "id normalization",
    "wellformed/atom10/entry_id_with_attributes.xml": "id with attributes",
    "wellformed/node_precedence/atom10_id.xml": "id precedence",
    "wellformed/rss/item_description_not_a_doctype.xml": "DOCTYPE look-alike in text",
    **{
        f"wellformed/itunes/itunes_{where}_explicit_{value}.xml": "itunes_explicit as a bool"
        for where in ("channel", "item")
        for value in ("false", "no", "true")
    },
}
# feedparser's suite let feedparser itself do HTTP, so it reported validators; in the tracker
# the fetch layer owns them, so these expectations are checked on the FetchResult instead.
FETCH_OWNS: dict[str, Callable[[FetchResult], bool]] = {
    "wellformed/http/headers_etag.xml": lambda r: r.etag == "foo",
    "wellformed/http/headers_last_modified-modified.xml": (
        lambda r: r.last_modified == "Mon, 03 Apr 2023 01:02:03 GMT"
    ),
    "wellformed/http/headers_last_modified-modified_parsed.xml": (
        lambda r: r.last_modified == "Mon, 03 Apr 2023 01:02:03 GMT"
    ),
}


def as_text(data: bytes) -> str:
    """The file's text, to read its header comment (the suite's own BOM/NUL sniffing)."""
    for prefix, codec in (
        (b"\x00\x00\xfe\xff", "utf-32be"),
        (b"\xff\xfe\x00\x00", "utf-32le"),
        (b"\x00\x00\x00\x3c", "utf-32be"),
        (b"\x3c\x00\x00\x00", "utf-32le"),
        (b"\x00\x3c\x00\x3f", "utf-16be"),
        (b"\x3c\x00\x3f\x00", "utf-16le"),
        (b"\xfe\xff", "utf-16be"),
        (b"\xff\xfe", "utf-16le"),
    ):
        if data.startswith(prefix):
            return data.decode(codec, errors="ignore").lstrip("\ufeff")
    return data.decode("utf-8", errors="ignore")


def header_lines(path: Path) -> dict[str, str]:
    found = {k.strip(): v.strip() for k, v in _HEADER.findall(as_text(path.read_bytes()))}
    headers = {k: v for k, v in found.items() if k.lower() != "content-type"}
    ctype = next((v for k, v in found.items() if k.lower() == "content-type"), None)
    headers["Content-Type"] = ctype or "application/xml"
    return headers


def corpus_files() -> list[str]:
    root = CORPORA / SUITE
    if not root.is_dir():
        return ["(corpus missing)"]  # the corpora fixture then skips, or fails under CI
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.xml"))


def cases() -> list[Any]:
    return [
        pytest.param(
            name,
            marks=pytest.mark.xfail(
                strict=True, reason=f"newer feedparser behaviour: {NEWER_FEEDPARSER[name]}"
            ),
        )
        if name in NEWER_FEEDPARSER
        else name
        for name in corpus_files()
    ]


# feedparser 6 keeps ACCEPTABLE_URI_SCHEMES in feedparser.urls; the suite's SkipUnless lines
# look for it at the top level, where newer versions export it.
SKIP_ENV = {"feedparser": SimpleNamespace(**vars(feedparser), ACCEPTABLE_URI_SCHEMES=ACCEPTABLE)}


@pytest.fixture(scope="module")
def fetched(corpora: Path) -> Iterator[tuple[FeedServer, dict[str, FetchResult]]]:
    """Serve the whole suite and fetch every file once, concurrently."""
    root = corpora / SUITE
    with FeedServer() as server:
        server.route("/tests/", Files(root, headers=header_lines))
        requests = [FetchRequest(name, server.url(f"/tests/{name}")) for name in corpus_files()]
        settings = Settings(concurrency=16, per_host=16)
        results = fetch_many(requests, settings)
        yield server, {r.feed: r for r in results}


@pytest.mark.parametrize("name", cases())
def test_a_feedparser_suite_file_fetched_and_parsed_meets_its_expectation(
    name: str, corpora: Path, fetched: tuple[FeedServer, dict[str, FetchResult]]
) -> None:
    server, results = fetched
    data = (corpora / SUITE / name).read_bytes()
    text = as_text(data)
    result = results[name]
    assert result.status == "ok", result.error
    assert result.body == data, "the server sends the file's exact bytes"

    skip = _SKIP.search(text)
    if skip:
        try:
            eval(skip.group(1).strip(), dict(SKIP_ENV), {})
        except (ImportError, LookupError, ValueError) as exc:
            pytest.skip(f"the suite's own SkipUnless: {exc}")
    expect = _EXPECT.search(text)
    assert expect is not None, "every suite file states what to expect"
    expression = expect.group(2).strip().replace("127.0.0.1:8097", f"127.0.0.1:{server.port}")

    raw = run_feedparser(result.body, result.headers, url=result.final_url)
    if name in FETCH_OWNS:
        assert FETCH_OWNS[name](result), expect.group(1)
    else:
        env: dict[str, Any] = {"datetime": datetime, "feedparser": feedparser}
        assert eval(expression, env, raw), f"{expect.group(1)}: {expression}"

    parsed = parse_feed(result.body, result.headers, feed=name, url=result.final_url)
    assert len(parsed.entries) == len(raw["entries"])
    assert parsed.bozo == bool(raw["bozo"])
    assert parsed.encoding == (raw.get("encoding") or None)
    for ours, theirs in zip(parsed.entries, raw["entries"], strict=True):
        if theirs.get("id"):
            assert ours.identity == " ".join(theirs["id"].split())
