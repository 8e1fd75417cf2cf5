"""The command-line contract (DESIGN.md), exercised as a user would: a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = [
    "poll",
    "run",
    "extract",
    "briefing",
    "history",
    "diff",
    "alerts",
    "feeds",
    "rebuild",
    "reextract",
    "demo",
    "serve",
]


def tracker(
    *args: str, cwd: Path, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "NO_COLOR": "1", "TERM": "dumb", **(env or {})}
    full_env.pop("TRACKER_STORE", None)
    full_env.pop("TRACKER_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        cwd=cwd,
        input=stdin,
        text=True,
        capture_output=True,
        env=full_env,
        timeout=120,
    )


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One recorded demo replay, shared by the read-only command tests of this module."""
    cwd = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{cwd / 'demo.db'}"
    done = tracker("demo", "--store", url, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return cwd, url


def test_every_command_has_help_that_names_it():
    done = tracker("--help", cwd=ROOT)
    assert done.returncode == 0
    for name in COMMANDS:
        assert name in done.stdout
        sub = tracker(name, "--help", cwd=ROOT)
        assert sub.returncode == 0, (name, sub.stderr)
        assert "Usage" in sub.stdout


def test_the_demo_prints_the_briefing_and_says_where_the_store_is(demo_store):
    cwd, url = demo_store
    again = tracker("demo", "--store", url, cwd=cwd)
    assert again.returncode == 0
    assert "Meetings and schedule" in again.stdout
    assert url in again.stdout.replace("\n", "")


def test_briefing_json_prints_only_json_with_engagements_delegations_and_rumours(demo_store):
    cwd, url = demo_store
    done = tracker("--store", url, "briefing", "--format", "json", cwd=cwd)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)  # nothing but JSON on stdout
    assert doc["track"] == "russia-ukraine" and doc["clock"] == "published"
    assert {"engagements", "rumours", "positions", "changes"} <= set(doc)
    delegations = [d for e in doc["engagements"] for d in e["delegations"]]
    assert delegations
    for d in delegations:
        assert {"party", "head", "head_title", "level", "evidence"} <= set(d)
        for ev in d["evidence"]:
            assert {"title", "link", "source", "published_at"} <= set(ev)


def test_briefing_as_of_a_past_date_differs_from_today(demo_store):
    cwd, url = demo_store
    early = json.loads(
        tracker(
            "--store", url, "briefing", "--as-of", "2025-05-12", "--format", "json", cwd=cwd
        ).stdout
    )
    late = json.loads(tracker("--store", url, "briefing", "--format", "json", cwd=cwd).stdout)
    assert early["as_of"].startswith("2025-05-12T23:59:59")
    assert len(early["engagements"]) < len(late["engagements"])


def test_history_and_diff_print_json(demo_store):
    cwd, url = demo_store
    hist = json.loads(
        tracker(
            "--store",
            url,
            "history",
            "--since",
            "2025-05-10",
            "--until",
            "2025-05-20",
            "--format",
            "json",
            cwd=cwd,
        ).stdout
    )
    assert hist["changes"] and all(
        {"field", "old", "new", "published_at", "recorded_at"} <= set(c) for c in hist["changes"]
    )
    d = json.loads(
        tracker(
            "--store", url, "diff", "2025-05-12", "2025-05-17", "--format", "json", cwd=cwd
        ).stdout
    )
    assert {"added", "removed", "changed", "changes"} <= set(d)


def test_a_bad_feeds_yaml_gives_one_line_naming_file_line_and_key_and_exit_2(tmp_path):
    (tmp_path / "feeds.yaml").write_text(
        "feeds:\n  - name: ok\n    url: http://127.0.0.1:1/x\n  - name: bad\n"
        "    url: http://127.0.0.1:1/y\n    interval: 15x\n",
        encoding="utf-8",
    )
    done = tracker("poll", cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "feeds.yaml:6" in lines[0] and "feeds[1].interval" in lines[0]
    assert "Traceback" not in done.stderr


def test_a_missing_config_is_a_clear_error(tmp_path):
    done = tracker("--config", "nope.yaml", "poll", cwd=tmp_path)
    assert done.returncode == 2 and "nope.yaml" in done.stderr and "Traceback" not in done.stderr


def test_an_unreachable_store_gives_one_line_and_a_nonzero_exit(tmp_path):
    (tmp_path / "feeds.yaml").write_text("feeds: []\n", encoding="utf-8")
    for url in (
        "postgresql://nobody@127.0.0.1:1/x",
        f"sqlite:///{tmp_path}/missing/dir/t.db",
        "mysql://x",
    ):
        done = tracker("--store", url, "briefing", cwd=tmp_path)
        assert done.returncode != 0, url
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr


def test_extract_follows_the_json_lines_contract_and_reports_bad_lines(tmp_path):
    lines = [
        json.dumps(
            {
                "id": "a",
                "title": "Russia and Ukraine to hold talks in Istanbul on Friday",
                "summary": "",
                "published": "2025-05-14T10:00:00Z",
                "link": "https://x/a",
            }
        ),
        "this is not json",
        json.dumps({"id": "b", "title": "Markets rally", "summary": "", "published": None}),
    ]
    done = tracker("extract", "-", cwd=tmp_path, stdin="\n".join(lines) + "\n")
    assert done.returncode == 2
    out = [json.loads(x) for x in done.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", "b"]
    assert out[0]["events"] and out[0]["events"][0]["type"].startswith("talks_")
    assert out[1]["events"] == []
    assert "line 2" in done.stderr


def test_unknown_track_and_bad_dates_are_input_errors(demo_store):
    cwd, url = demo_store
    done = tracker("--store", url, "briefing", "--track", "nope", cwd=cwd)
    assert done.returncode == 2 and "unknown track" in done.stderr
    done = tracker("--store", url, "briefing", "--as-of", "yesterday-ish", cwd=cwd)
    assert done.returncode == 2 and "not a date" in done.stderr


def test_poll_due_skips_feeds_whose_next_poll_has_not_come(tmp_path):
    feed = tmp_path / "wire.xml"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>w</title>'
        "<item><guid>1</guid><title>Russia and Ukraine hold talks in Istanbul</title>"
        "<pubDate>Fri, 16 May 2025 12:00:00 GMT</pubDate></item></channel></rss>",
        encoding="utf-8",
    )
    (tmp_path / "feeds.yaml").write_text(
        f"feeds:\n  - name: wire\n    url: {feed}\n    interval: 1h\n"
        "  - name: desk\n    url: file:///nonexistent/desk.xml\n    interval: 1h\n"
        "tracks:\n  - slug: ru-ua\n    parties: [RU, UA]\n",
        encoding="utf-8",
    )
    first = json.loads(tracker("poll", "--format", "json", cwd=tmp_path).stdout)
    assert {f["name"]: f["status"] for f in first["feeds"]} == {"wire": "ok", "desk": "failed"}
    assert first["new"] == 1
    again = tracker("poll", "--due", "--format", "json", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["feeds"] == []  # both wait an hour (the failure longer)
    forced = json.loads(tracker("poll", "--format", "json", cwd=tmp_path).stdout)
    assert len(forced["feeds"]) == 2 and forced["new"] == 0


def test_feeds_and_alerts_read_a_store_without_its_feeds_yaml(demo_store):
    cwd, url = demo_store
    feeds = json.loads(tracker("--store", url, "feeds", "--format", "json", cwd=cwd).stdout)
    assert {f["name"] for f in feeds} == {
        "wire-east",
        "capital-desk",
        "harbour-post",
        "global-brief",
    }
    assert all(f["entries"] > 0 and f["status"] == "ok" for f in feeds)
    alerts = json.loads(tracker("--store", url, "alerts", "--format", "json", cwd=cwd).stdout)
    assert {a["party"] for a in alerts} >= {"RU", "UA"}


@pytest.mark.parametrize(
    "args, says",
    [
        (["serve", "--port", "abc"], "Invalid value for '--port'"),
        (["rebuild", "--processes", "0"], "Invalid value for '--processes'"),
        (["briefing", "--format", "pdf"], "--format must be one of md, json, html"),
        (["no-such-command"], "No such command 'no-such-command'"),
    ],
)
def test_a_usage_error_is_a_short_message_and_exit_2_not_a_traceback(tmp_path, args, says):
    done = tracker("--store", f"sqlite:///{tmp_path / 'x.db'}", *args, cwd=tmp_path)
    assert done.returncode == 2
    assert says in done.stderr
    assert "Traceback" not in done.stderr
