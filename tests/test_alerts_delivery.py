"""Alert delivery through real channels: a loopback webhook (json://), a loopback SMTP server
(aiosmtpd, mailto://), a JSON-lines file, retries against a failing receiver, and processes
killed with SIGKILL between raising and delivering.

Nothing here is mocked: Apprise really posts and really speaks SMTP. Only the wall clock is
a test clock (``StepClock``), so backoff is stepped over instead of waited for.
"""

from __future__ import annotations

import email
import email.policy
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from projections import alerts as alerts_projection
from tracker.commands import record_entries
from tracker.domain import recording_clock

from support import CONFIG, StepClock, at, claim, config, entry, make

TESTS = Path(__file__).parent


def _delegation(head: str, title: str, level: str) -> list[Any]:
    return [
        claim(
            "delegation_announced",
            party="RU",
            parties=("RU", "UA"),
            head=head,
            head_title=title,
            level=level,
        )
    ]


STORY = {
    "Putin proposes direct talks": [
        claim("talks_proposed", parties=("RU", "UA"), venue="Istanbul", date="2025-05-15"),
    ],
    "Zelensky will wait for Putin": [
        claim(
            "summit_rumored",
            parties=("RU", "UA"),
            venue="Turkey",
            date="2025-05-15",
            speaker="Volodymyr Zelensky",
            hedged=True,
        ),
    ],
    "Lavrov to lead": _delegation("Sergei Lavrov", "foreign minister", "minister"),
    "Medinsky to lead": _delegation("Vladimir Medinsky", "presidential aide", "senior_official"),
    "Putin will lead": _delegation("Vladimir Putin", "president", "leader"),
}
#: Three alerts, in this order: leader -> minister, minister -> senior official (a
#: correction of the first), senior official -> leader (a correction of the second).
NEWS = [
    entry("a1", "Putin proposes direct talks in Istanbul", at("2025-05-11", 6)),
    entry("a2", "Zelensky will wait for Putin in Turkey", at("2025-05-11", 20)),
    entry("a3", "Lavrov to lead Russian team", at("2025-05-13")),
    entry("a4", "Medinsky to lead Russian team", at("2025-05-14")),
    entry("a5", "Putin will lead Russian team after all", at("2025-05-14", 18)),
]


# ------------------------------------------------------------------------------ receivers
class Webhook:
    """A loopback HTTP endpoint that records every POST; ``fail`` answers 500 that many times."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.refused = 0
        self.fail = 0
        lock = threading.Lock()
        hook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    failing = hook.fail > 0
                    if failing:
                        hook.fail -= 1
                        hook.refused += 1
                    else:
                        headers = {k.lower(): v for k, v in self.headers.items()}
                        hook.received.append((headers, json.loads(body)))
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"json://127.0.0.1:{self.server.server_address[1]}/alerts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def ids(self) -> list[str]:
        return [body["alert_id"] for _, body in self.received]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    yield hook
    hook.close()


class _Collect:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(msg)  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, _Collect]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = _Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, handler
    controller.stop()


# ------------------------------------------------------------------------------ helpers
def _rules(*urls: str, max_age: str = "3d") -> str:
    notify = ", ".join(f'"{u}"' for u in urls)
    return f"\nalerts:\n  - name: desk\n    notify: [{notify}]\n    max_age: {max_age}\n"


def _raise(tracker: Any, news: list[Any] = NEWS) -> list[str]:
    """Record the news, raise alerts (no delivery) and return their ids, oldest first."""
    with recording_clock(tracker.clock):
        record_entries(
            tracker.app,
            tracker.interpreter,
            tracker.config.feed("wire"),
            news,
            polled_at=tracker.clock(),
        )
    tracker.process_alerts(deliver=False)
    return [a["id"] for a in reversed(alerts_projection.list_alerts(tracker))]


# ------------------------------------------------------------------------------ tests
def test_a_json_webhook_receives_each_alert_once_with_its_id_in_payload_and_header(
    store_url, webhook
):
    clock = StepClock(at("2025-05-15"))
    with make(store_url, STORY, clock=clock, cfg=config(CONFIG + _rules(webhook.url))) as t:
        ids = _raise(t)
        assert len(ids) == 3 and webhook.received == []
        t.process_alerts(deliver=True)
        t.process_alerts(deliver=True)
        listed = alerts_projection.list_alerts(t)
    assert webhook.ids() == ids
    headers, body = webhook.received[0]
    assert headers["x-tracker-alert-id"] == ids[0]
    assert body["title"] == body["alert"]["title"]
    assert body["title"].startswith("Downgrade: RU delegation leader → minister")
    assert body["message"] == body["alert"]["message"]
    assert body["alert"]["id"] == ids[0] and body["type"] == "warning"
    assert webhook.received[2][1]["alert"]["supersedes"] == ids[1]
    assert webhook.received[2][1]["type"] == "info"  # an upgrade
    assert {d["status"] for a in listed for d in a["deliveries"]} == {"delivered"}
    assert [d["channel"] for d in listed[0]["deliveries"]] == [webhook.url.split("?")[0]]


def test_an_email_reaches_a_real_smtp_server_with_the_alert_id(sqlite_store_url, smtp):
    port, mailbox = smtp
    url = f"mailto://127.0.0.1:{port}?mode=insecure&from=tracker@example.org&to=desk@example.org"
    clock = StepClock(at("2025-05-15"))
    with make(sqlite_store_url, STORY, clock=clock, cfg=config(CONFIG + _rules(url))) as t:
        ids = _raise(t, NEWS[:3])
        t.process_alerts(deliver=True)
        [alert] = alerts_projection.list_alerts(t)
    [msg] = mailbox.messages
    assert msg["X-Tracker-Alert-Id"] == ids[0]
    assert msg["Subject"] == alert["title"]
    assert msg["To"] == "desk@example.org"
    body = msg.get_content()
    assert "from leader to minister" in body and "https://news.example/a3" in body
    assert f"Alert id:  {ids[0]}" in body


def test_the_jsonl_channel_appends_one_line_per_alert_with_its_id(sqlite_store_url, tmp_path):
    out = tmp_path / "out" / "alerts.jsonl"
    clock = StepClock(at("2025-05-15"))
    rules = config(CONFIG + _rules(f"jsonl://{out}"))
    with make(sqlite_store_url, STORY, clock=clock, cfg=rules) as t:
        ids = _raise(t)
        t.process_alerts(deliver=True)
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [x["alert_id"] for x in lines] == ids == [x["id"] for x in lines]


def test_a_receiver_that_fails_for_a_while_gets_every_alert_in_order_once_it_is_back(
    store_url, webhook
):
    clock = StepClock(at("2025-05-15"))
    with make(store_url, STORY, clock=clock, cfg=config(CONFIG + _rules(webhook.url))) as t:
        ids = _raise(t)
        webhook.fail = 3
        t.process_alerts(deliver=True)
        assert (webhook.refused, webhook.received) == (1, [])
        # Backing off: a retry is not due yet, and the later alerts wait behind the first.
        t.process_alerts(deliver=True)
        assert webhook.refused == 1
        [first] = [a for a in alerts_projection.list_alerts(t) if a["id"] == ids[0]]
        [d] = first["deliveries"]
        assert (d["status"], d["attempts"]) == ("retrying", 1)
        assert "500" in d["last_error"] or "Internal Server Error" in d["last_error"]
        for refused in (2, 3):
            clock.advance(hours=2)
            t.process_alerts(deliver=True)
            assert (webhook.refused, webhook.received) == (refused, [])
        clock.advance(hours=2)
        t.process_alerts(deliver=True)
        listed = {a["id"]: a["deliveries"][0] for a in alerts_projection.list_alerts(t)}
    assert webhook.ids() == ids
    assert [(listed[i]["status"], listed[i]["attempts"]) for i in ids] == [
        ("delivered", 4),
        ("delivered", 1),
        ("delivered", 1),
    ]


def test_an_unusable_channel_is_retried_with_its_error_while_the_others_deliver(
    sqlite_store_url, webhook
):
    clock = StepClock(at("2025-05-15"))
    cfg = config(CONFIG + _rules("nosuchservice://x", webhook.url))
    with make(sqlite_store_url, STORY, clock=clock, cfg=cfg) as t:
        ids = _raise(t)
        t.process_alerts(deliver=True)
        [oldest] = [a for a in alerts_projection.list_alerts(t) if a["id"] == ids[0]]
    by_channel = {d["channel"]: d for d in oldest["deliveries"]}
    assert by_channel["nosuchservice://x"]["status"] == "retrying"
    assert "not a usable Apprise URL" in by_channel["nosuchservice://x"]["last_error"]
    assert webhook.ids() == ids


# ------------------------------------------------------------------------------ crashes
SCRIPT = """
import sys, time
sys.path.insert(0, {tests!r})
from support import ScriptedExtractor
from projections import alerts
from tracker.bootstrap import make_tracker
from tracker.config import load_config

tracker = make_tracker(load_config(sys.argv[1]), sys.argv[2], extractor=ScriptedExtractor())
if sys.argv[3] == "raise-then-hang":
    print("raised", tracker.process_alerts(deliver=False), flush=True)
    time.sleep(600)
elif sys.argv[3] == "hang-after-first-delivery":
    def hang(row):
        print("delivered", row["alert_id"], flush=True)
        time.sleep(600)
    alerts.process(tracker, deliver=True, on_delivered=hang)
else:
    alerts.process(tracker, deliver=True)
    print("done", flush=True)
"""


def _run_until(script: Path, cfg: Path, store: str, mode: str, kill: bool) -> str:
    proc = subprocess.Popen(
        [sys.executable, str(script), str(cfg), store, mode],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(TESTS.parent)},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if kill:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    proc.stdout.close()
    if kill:
        assert proc.returncode == -signal.SIGKILL
    return line


@pytest.mark.timeout(300)
def test_a_process_killed_between_raising_and_delivering_loses_nothing_and_repeats_nothing(
    store_url, webhook, tmp_path
):
    script = tmp_path / "alerts_worker.py"
    script.write_text(SCRIPT.format(tests=str(TESTS)), encoding="utf-8")
    cfg = tmp_path / "feeds.yaml"
    # The worker runs on the real clock, a long time after May 2025.
    cfg.write_text(CONFIG + _rules(webhook.url, max_age="36500d"), encoding="utf-8")
    news_time = at("2025-05-15")
    with (
        make(store_url, STORY, cfg=config(cfg.read_text())) as t,
        recording_clock(lambda: news_time),
    ):
        record_entries(t.app, t.interpreter, t.config.feed("wire"), NEWS, polled_at=news_time)
    # 1. Raised and committed, then killed before any delivery.
    assert _run_until(script, cfg, store_url, "raise-then-hang", kill=True) == "raised 3"
    assert webhook.received == []
    # 2. Killed right after the first delivery was recorded.
    line = _run_until(script, cfg, store_url, "hang-after-first-delivery", kill=True)
    assert line.startswith("delivered ") and len(webhook.received) == 1
    # 3. A clean run delivers the rest; a fourth finds nothing left to send.
    assert _run_until(script, cfg, store_url, "deliver", kill=False) == "done"
    assert _run_until(script, cfg, store_url, "deliver", kill=False) == "done"
    with make(store_url, STORY, cfg=config(cfg.read_text())) as t:
        listed = alerts_projection.list_alerts(t)
    ids = [a["id"] for a in reversed(listed)]
    assert len(ids) == 3
    assert webhook.ids() == ids  # every alert, once, in order
    assert line == f"delivered {ids[0]}"
    assert [a["deliveries"][0]["status"] for a in listed] == ["delivered"] * 3
