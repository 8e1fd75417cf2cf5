"""tracker.fetch against real loopback servers (tests/feedserver.py): the issue-3 bad inputs."""

from __future__ import annotations

import gzip
import hashlib
import shutil
import ssl
import subprocess
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tracker.config import Settings
from tracker.fetch import USER_AGENT, fetch, fetch_many, parse_retry_after
from tracker.fetch_result import ERROR_KINDS, FetchRequest, FetchResult

from feedserver import (
    MB,
    Compressed,
    Conditional,
    FeedServer,
    Files,
    Gauge,
    Hold,
    Redirect,
    Response,
    Static,
    Status,
    gzip_stream,
    trickle,
    zeros,
)

FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Wire</title>
<item><guid>a1</guid><title>Talks in Istanbul</title></item>
</channel></rss>"""


def settings(**values: object) -> Settings:
    """Settings from feeds.yaml-style values (durations such as "2s")."""
    return Settings.model_validate(values)


FAST = settings(connect_timeout="2s", read_timeout="2s", total_timeout="2s")
NOW = datetime(2025, 5, 16, 12, 0, tzinfo=UTC)


def clock() -> datetime:
    return NOW


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


def get(url: str, settings: Settings = FAST, **kw: object) -> FetchResult:
    return fetch(FetchRequest("wire", url, **kw), settings, clock=clock)  # type: ignore[arg-type]


def assert_failed(result: FetchResult, kind: str) -> None:
    assert result.status == "failed", result
    assert result.error_kind == kind, result.error
    assert result.body is None
    assert result.error and result.error.startswith("wire: "), "the message names the feed"


# --- success, headers, validators -------------------------------------------------------------


def test_a_feed_is_fetched_with_our_user_agent_and_a_content_hash(server: FeedServer) -> None:
    url = server.route("/feed.xml", Static(FEED, X_Thing="yes"))
    result = get(url)
    assert result.status == "ok" and result.http_status == 200
    assert result.body == FEED
    assert result.content_hash == hashlib.sha256(FEED).hexdigest()
    assert result.final_url == url and result.permanent_redirect is None
    assert result.headers["content-type"] == "application/rss+xml"
    assert all(k == k.lower() for k in result.headers)
    sent = server.requests_to("/feed.xml")[0].headers
    assert sent["user-agent"] == USER_AGENT and USER_AGENT.startswith("tracker/")
    assert sent["accept-encoding"] == "gzip, deflate"
    assert "if-none-match" not in sent and "if-modified-since" not in sent


def test_a_configured_user_agent_replaces_the_default(server: FeedServer) -> None:
    url = server.route("/feed.xml", Static(FEED))
    get(url, settings(user_agent="desk-monitor/2.0"))
    assert server.requests[0].headers["user-agent"] == "desk-monitor/2.0"


def test_an_etag_round_trip_ends_as_not_modified_without_a_body(server: FeedServer) -> None:
    url = server.route("/feed.xml", Conditional(FEED, etag='"v1"'))
    first = get(url)
    assert first.status == "ok" and first.etag == '"v1"'
    second = get(url, etag=first.etag, content_hash=first.content_hash)
    assert second.status == "not_modified" and second.http_status == 304
    assert second.body is None and second.etag == '"v1"'
    assert server.requests[1].headers["if-none-match"] == '"v1"'


def test_a_last_modified_round_trip_ends_as_not_modified(server: FeedServer) -> None:
    stamp = "Fri, 16 May 2025 10:00:00 GMT"
    url = server.route("/feed.xml", Conditional(FEED, last_modified=stamp))
    first = get(url)
    assert first.last_modified == stamp
    second = get(url, last_modified=first.last_modified)
    assert second.status == "not_modified"
    assert second.last_modified == stamp
    assert server.requests[1].headers["if-modified-since"] == stamp


def test_an_identical_body_without_validators_is_unchanged_by_its_hash(
    server: FeedServer,
) -> None:
    url = server.route("/feed.xml", Static(FEED))
    first = get(url)
    again = get(url, content_hash=first.content_hash)
    assert again.status == "unchanged" and again.body is None
    assert again.content_hash == first.content_hash
    changed = get(url, content_hash=hashlib.sha256(b"old").hexdigest())
    assert changed.status == "ok" and changed.body == FEED


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate"])
def test_compressed_bodies_are_decompressed(server: FeedServer, encoding: str) -> None:
    url = server.route("/feed.xml", Compressed(FEED * 50, encoding))
    result = get(url)
    assert result.status == "ok"
    assert result.body == FEED * 50
    assert result.content_hash == hashlib.sha256(FEED * 50).hexdigest()


def test_a_corrupt_or_unknown_compression_is_a_decoding_failure(server: FeedServer) -> None:
    broken = gzip.compress(FEED)[:12] + b"garbage-garbage-garbage"
    bad = server.route("/bad", lambda _r: Response(200, {"Content-Encoding": "gzip"}, broken))
    odd = server.route("/odd", lambda _r: Response(200, {"Content-Encoding": "br"}, FEED))
    assert_failed(get(bad), "decoding")
    assert_failed(get(odd), "decoding")


# --- size caps and memory ---------------------------------------------------------------------


def peak_during(fn):  # type: ignore[no-untyped-def]
    """(result, peak bytes allocated by Python while fn ran)."""
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_streamed_100_mb_body_is_stopped_at_the_cap_with_memory_bounded(
    server: FeedServer,
) -> None:
    url = server.route("/huge", lambda _r: Response(body=zeros(100 * MB)))  # chunked, no length
    result, peak = peak_during(lambda: get(url, settings(total_timeout="20s")))
    assert_failed(result, "too_large")
    assert "10,485,760-byte cap" in (result.error or "")
    assert peak < 40 * MB, f"peak {peak / MB:.1f} MB while refusing a 100 MB body"


def test_an_announced_oversized_body_is_refused_before_reading_it(server: FeedServer) -> None:
    url = server.route("/huge", lambda _r: Response(body=zeros(100 * MB), length=100 * MB))
    result = get(url)
    assert_failed(result, "too_large")
    assert "announced 104,857,600 bytes" in (result.error or "")


def test_a_gzip_bomb_is_stopped_by_counting_decompressed_bytes(server: FeedServer) -> None:
    body = lambda _r: Response(200, {"Content-Encoding": "gzip"}, gzip_stream(zeros(500 * MB)))  # noqa: E731
    url = server.route("/bomb", body)
    result, peak = peak_during(lambda: get(url, settings(max_body_bytes=MB, total_timeout="20s")))
    assert_failed(result, "too_large")
    assert peak < 8 * MB, f"peak {peak / MB:.1f} MB while refusing a gzip bomb"


def test_a_per_feed_max_bytes_overrides_the_setting(server: FeedServer) -> None:
    url = server.route("/feed.xml", Static(FEED))
    assert_failed(get(url, max_bytes=50), "too_large")
    assert get(url, max_bytes=len(FEED)).status == "ok"


# --- time -------------------------------------------------------------------------------------


def test_a_server_trickling_bytes_ends_as_a_timeout_at_the_total_deadline(
    server: FeedServer,
) -> None:
    slow = lambda _r: Response(body=trickle(FEED), length=len(FEED), chunk_delay=0.2)  # noqa: E731
    url = server.route("/slow", slow)
    # Every byte arrives well within the read timeout: only the total deadline can stop it.
    result = get(url, settings(read_timeout="5s", total_timeout="1s"))
    assert_failed(result, "timeout")
    assert "total timeout (1s)" in (result.error or "")


# --- redirects --------------------------------------------------------------------------------


def test_a_redirect_loop_is_detected(server: FeedServer) -> None:
    server.route("/a", Redirect("/b"))
    url = server.route("/b", Redirect("/a"))
    result = get(url)
    assert_failed(result, "redirect_loop")
    assert len(server.requests) == 2


def test_more_redirects_than_allowed_fail_and_exactly_the_limit_succeeds(
    server: FeedServer,
) -> None:
    for i in range(7):
        server.route(f"/r{i}", Redirect(f"/r{i + 1}"))
    server.route("/r7", Static(FEED))
    assert_failed(get(server.url("/r0"), settings(max_redirects=5)), "too_many_redirects")
    ok = get(server.url("/r2"), settings(max_redirects=5))
    assert ok.status == "ok" and ok.final_url == server.url("/r7")


def test_only_an_all_permanent_redirect_chain_reports_a_new_permanent_url(
    server: FeedServer,
) -> None:
    final = server.route("/feed.xml", Static(FEED))
    server.route("/moved", Redirect("/feed.xml", 308))
    server.route("/old", Redirect("/moved", 301))
    server.route("/temp", Redirect("/moved", 302))
    moved = get(server.url("/old"))
    assert moved.status == "ok" and moved.final_url == final
    assert moved.permanent_redirect == final
    temp = get(server.url("/temp"))
    assert temp.final_url == final and temp.permanent_redirect is None


def test_validators_are_sent_along_a_redirect(server: FeedServer) -> None:
    server.route("/feed.xml", Conditional(FEED, etag='"v1"'))
    server.route("/old", Redirect("/feed.xml", 301))
    result = get(server.url("/old"), etag='"v1"')
    assert result.status == "not_modified"
    assert result.permanent_redirect == server.url("/feed.xml")


def test_a_redirect_without_location_is_a_bad_redirect(server: FeedServer) -> None:
    url = server.route("/nowhere", lambda _r: Response(302, {"Content-Length": "0"}))
    assert_failed(get(url), "bad_redirect")


# --- HTTP errors and Retry-After ---------------------------------------------------------------


@pytest.mark.parametrize("code", [404, 410, 500])
def test_http_errors_fail_with_the_status_in_the_kind(server: FeedServer, code: int) -> None:
    url = server.route("/feed.xml", Status(code))
    result = get(url)
    assert_failed(result, f"http_{code}")
    assert result.http_status == code and str(code) in (result.error or "")
    assert result.retry_after is None


def test_429_with_retry_after_seconds_gives_an_absolute_retry_time(server: FeedServer) -> None:
    url = server.route("/feed.xml", Status(429, Retry_After="120"))
    result = get(url)
    assert_failed(result, "http_429")
    assert result.retry_after == NOW + timedelta(seconds=120)


def test_503_with_an_http_date_retry_after_gives_that_time(server: FeedServer) -> None:
    url = server.route("/feed.xml", Status(503, Retry_After="Fri, 16 May 2025 14:30:00 GMT"))
    result = get(url)
    assert_failed(result, "http_503")
    assert result.retry_after == datetime(2025, 5, 16, 14, 30, tzinfo=UTC)


def test_an_unreadable_retry_after_is_ignored() -> None:
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None
    assert parse_retry_after("99999999999999", NOW) is not None  # capped, not an overflow


def test_an_empty_200_is_a_failure(server: FeedServer) -> None:
    url = server.route("/feed.xml", Static(b""))
    result = get(url)
    assert_failed(result, "empty")
    assert result.http_status == 200


# --- network failures -------------------------------------------------------------------------


def test_an_unresolvable_host_is_a_dns_failure() -> None:
    result = get("http://feeds.tracker-test.invalid/rss")
    assert_failed(result, "dns")
    assert "feeds.tracker-test.invalid" in (result.error or "")


def test_a_closed_port_is_a_connect_failure(server: FeedServer) -> None:
    url = server.url("/feed.xml")
    server.stop()
    result = get(url)
    assert_failed(result, "connect")
    assert "connection refused" in (result.error or "")


def test_speaking_https_to_a_plain_http_port_is_a_tls_failure(server: FeedServer) -> None:
    server.route("/feed.xml", Static(FEED))
    result = get(server.url("/feed.xml").replace("http://", "https://"))
    assert_failed(result, "tls")


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a throw-away certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def test_a_self_signed_certificate_is_a_tls_failure(self_signed: ssl.SSLContext) -> None:
    with FeedServer(tls=self_signed) as tls_server:
        url = tls_server.route("/feed.xml", Static(FEED))
        assert url.startswith("https://")
        result = get(url)
    assert_failed(result, "tls")
    assert "certificate" in (result.error or "").lower()


def test_an_unsupported_scheme_is_an_invalid_url() -> None:
    assert_failed(get("ftp://example.invalid/feed.xml"), "invalid_url")
    assert_failed(get("http://"), "invalid_url")


def test_every_error_kind_used_is_documented() -> None:
    for kind in ["timeout", "connect", "dns", "tls", "too_large", "redirect_loop", "empty"]:
        assert kind in ERROR_KINDS
    assert "http_<code>" in ERROR_KINDS


# --- files ------------------------------------------------------------------------------------


def test_file_urls_and_plain_paths_are_read_from_disk_with_a_hash(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(FEED)
    for url in (path.as_uri(), str(path)):
        result = get(url)
        assert result.status == "ok" and result.body == FEED
        assert result.http_status is None and result.final_url == url
        assert result.content_hash == hashlib.sha256(FEED).hexdigest()
        assert get(url, content_hash=result.content_hash).status == "unchanged"


def test_local_file_problems_fail_with_their_own_kinds(tmp_path: Path) -> None:
    assert_failed(get(str(tmp_path / "missing.xml")), "not_found")
    assert_failed(get(tmp_path.as_uri()), "unreadable")
    (tmp_path / "empty.xml").write_bytes(b"")
    assert_failed(get(str(tmp_path / "empty.xml")), "empty")
    (tmp_path / "big.xml").write_bytes(FEED * 10)
    assert_failed(get(str(tmp_path / "big.xml"), max_bytes=len(FEED)), "too_large")
    assert_failed(get("file://elsewhere.example/feed.xml"), "invalid_url")


# --- many feeds at once -----------------------------------------------------------------------


def test_fetch_many_overlaps_requests_within_the_global_and_per_host_limits() -> None:
    gauge = Gauge()
    hosts = ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
    per_host_feeds, limit, host_limit = 12, 4, 2
    servers = [FeedServer(h, gauge=gauge) for h in hosts]
    requests = []
    for s in servers:
        # Each answer waits until its host has `host_limit` requests in flight (or all of
        # them have arrived): overlap is then observed for certain, not raced for.
        until = lambda g, h=s.host: (  # noqa: E731
            g.per_host[h] >= host_limit or g.started[h] >= per_host_feeds
        )
        s.route("/feed.xml", Hold(Static(FEED), gauge, until))
        requests += [FetchRequest(f"f{s.host}-{i}", s.url(f"/feed.xml?{i}")) for i in range(12)]
    seen: list[FetchResult] = []
    with servers[0], servers[1], servers[2]:
        results = fetch_many(
            requests, FAST, concurrency=limit, per_host=host_limit, on_result=seen.append
        )
    assert sorted(r.feed for r in results) == sorted(r.feed for r in requests)
    assert seen == results, "on_result sees each result as it completes"
    assert all(r.status == "ok" for r in results)
    assert 1 < gauge.max_in_flight <= limit
    assert all(gauge.max_per_host[h] == host_limit for h in hosts)


def test_fetch_many_with_concurrency_one_is_sequential(server: FeedServer) -> None:
    server.route("/feed.xml", Static(FEED))
    requests = [FetchRequest(f"f{i}", server.url(f"/feed.xml?{i}")) for i in range(10)]
    results = fetch_many(requests, FAST, concurrency=1, per_host=1)
    assert len(results) == 10
    assert server.gauge.max_in_flight == 1


def test_feeds_on_one_host_reuse_one_connection(server: FeedServer) -> None:
    server.route("/feed.xml", Static(FEED))
    requests = [FetchRequest(f"f{i}", server.url(f"/feed.xml?{i}")) for i in range(20)]
    fetch_many(requests, FAST, concurrency=4, per_host=1)
    assert len({r.client_port for r in server.requests}) == 1


def test_a_thousand_feeds_are_fetched_and_one_bad_feed_does_not_stop_the_batch() -> None:
    gauge = Gauge()
    servers = [FeedServer(f"127.0.0.{i}", gauge=gauge) for i in (1, 2, 3, 4)]
    requests = []
    for s in servers:
        s.route("/feed.xml", Static(FEED))
        requests += [FetchRequest(f"{s.host}-{i}", s.url(f"/feed.xml?{i}")) for i in range(250)]
    requests[500] = FetchRequest("broken", "http://nowhere.invalid/feed.xml")
    with servers[0], servers[1], servers[2], servers[3]:
        results = fetch_many(requests, FAST, concurrency=16, per_host=4)
    by_feed = {r.feed: r for r in results}
    assert len(by_feed) == 1000
    assert by_feed["broken"].error_kind == "dns"
    assert sum(r.status == "ok" for r in results) == 999
    assert max(gauge.max_per_host.values()) <= 4


def test_the_corpus_files_route_serves_files_under_its_root(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_bytes(FEED)
    with FeedServer() as s:
        s.route("/c/", Files(tmp_path))
        assert get(s.url("/c/a.xml")).body == FEED
        assert_failed(get(s.url("/c/../../etc/passwd")), "http_404")


def test_not_modified_answers_leave_the_connection_open_for_the_next_poll(
    server: FeedServer,
) -> None:
    """A 304 is read to its end, so polling many unchanged feeds reuses one connection."""
    paths = [f"/f{i}.xml" for i in range(6)]
    urls = [server.route(p, Conditional(FEED, etag='"v1"')) for p in paths]
    requests = [FetchRequest(feed=f"f{i}", url=u, etag='"v1"') for i, u in enumerate(urls)]
    results = fetch_many(requests, settings(), concurrency=1, per_host=1)
    assert {r.status for r in results} == {"not_modified"}
    ports = {r.client_port for r in server.requests}
    assert len(server.requests) == 6 and len(ports) == 1
