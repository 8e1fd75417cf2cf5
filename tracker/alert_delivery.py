"""Delivering raised alerts: the channels, and the outbox walk with retries and backoff.

The I/O half of alerting (:mod:`tracker.alerts` decides). :func:`deliver_pending` walks an
:class:`Outbox` (the rows the alerts projection wrote in the same transaction as its tracking
position) and hands each alert to its channel, oldest first. A failed send is retried with
exponential backoff, for ever, and a channel that fails holds back its later alerts, so a
receiver that comes back gets them all, in order. Delivery is at-least-once: every send carries
the alert's stable id (payload field ``alert_id``, header ``X-Tracker-Alert-Id``) so a receiver
can drop a repeat.

Channel URLs (``notify:`` in feeds.yaml):

* ``console://`` — print the message on standard error.
* ``jsonl:///absolute/path/alerts.jsonl`` or ``jsonl://relative/path.jsonl`` — append the JSON
  payload as one line (the file and its folders are created when missing).
* anything Apprise understands — ``json://host:port/path`` (a webhook receiving Apprise's JSON
  ``{"version", "title", "message", "type", …}`` plus ``alert_id`` and the full ``alert``
  payload), ``mailto://user:pass@host?to=…``, ``slack://…``, ``tgram://…``, ``ntfy://…`` …
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, TextIO

from tracker.backoff import backoff_delay
from tracker.config import AlertRule

#: Header carrying the alert id on channels that take headers (webhooks, email).
ID_HEADER = "X-Tracker-Alert-Id"
#: First retry after this long; each further failure doubles it, up to RETRY_CEILING.
RETRY_FIRST = timedelta(seconds=30)
RETRY_CEILING = timedelta(hours=1)
#: A send claimed by a process that then died is taken over after this long.
CLAIM_LEASE = timedelta(minutes=10)


def retry_delay(attempts: int, jitter: Callable[[], float] | None = None) -> timedelta:
    """Wait after ``attempts`` failed sends: 30 s, 1 min, 2 min … capped at one hour."""
    kwargs = {"jitter": jitter} if jitter is not None else {}
    return backoff_delay(attempts, RETRY_FIRST, ceiling=RETRY_CEILING, **kwargs)


# ------------------------------------------------------------------------------ channels
def channel_key(url: str) -> str:
    """Stable key of a channel URL (the outbox never stores the URL: it may hold a password)."""
    return hashlib.sha256(url.strip().encode("utf-8")).hexdigest()[:16]


def redact(url: str) -> str:
    """The URL with credentials masked, for listings."""
    url = url.strip()
    scheme, sep, rest = url.partition("://")
    if not sep or scheme in ("console", "jsonl"):
        return url
    import apprise

    plugin = apprise.Apprise.instantiate(url)
    if plugin is not None:
        return str(plugin.url(privacy=True)).split("?", 1)[0]
    netloc, slash, path = rest.split("?", 1)[0].partition("/")
    return f"{scheme}://{netloc.rpartition('@')[2]}{slash}{path}"


class DeliveryError(Exception):
    """A channel did not take the alert (retried later)."""


class Channel(Protocol):
    def send(self, alert_id: str, title: str, text: str, payload: dict[str, Any]) -> None: ...


@dataclass
class ConsoleChannel:
    stream: TextIO | None = None

    def send(self, alert_id: str, title: str, text: str, payload: dict[str, Any]) -> None:
        out = self.stream or sys.stderr
        out.write(f"ALERT {title}\n{text}\n\n")
        out.flush()


@dataclass
class JsonlChannel:
    path: Path

    def send(self, alert_id: str, title: str, text: str, payload: dict[str, Any]) -> None:
        line = json.dumps({**payload, "alert_id": alert_id}, ensure_ascii=False, sort_keys=True)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
        except OSError as exc:
            raise DeliveryError(f"cannot append to {self.path}: {exc.strerror}") from exc


@dataclass
class AppriseChannel:
    url: str

    def send(self, alert_id: str, title: str, text: str, payload: dict[str, Any]) -> None:
        import apprise
        from apprise.plugins import url_to_dict

        with apprise.LogCapture(level=logging.WARNING) as logs:
            plain = apprise.Apprise.instantiate(self.url)
            parsed = url_to_dict(self.url)
        if plain is None or parsed is None:
            said = _last_line(logs.getvalue())
            raise DeliveryError(
                f"not a usable Apprise URL: {redact(self.url)}" + (f" ({said})" if said else "")
            )
        # The id travels in the URL's own extension points, where the service has them.
        accepts = getattr(type(plain), "template_kwargs", {})
        if "headers" in accepts:
            parsed["headers"] = {**(parsed.get("headers") or {}), ID_HEADER: alert_id}
        if "payload" in accepts:
            extra: dict[str, Any] = {"alert_id": alert_id}
            if parsed.get("schema") in ("json", "jsons"):
                extra["alert"] = payload
            parsed["payload"] = {**(parsed.get("payload") or {}), **extra}
        plugin = apprise.Apprise.instantiate(parsed, suppress_exceptions=False)
        if plugin is None:
            raise DeliveryError(f"not a usable Apprise URL: {redact(self.url)}")
        kind = (
            apprise.NotifyType.WARNING
            if payload.get("direction") == "downgrade"
            else (apprise.NotifyType.INFO)
        )
        with apprise.LogCapture(level=logging.WARNING) as logs:
            ok = plugin.notify(
                body=text, title=title, notify_type=kind, body_format=apprise.NotifyFormat.TEXT
            )
        if not ok:
            raise DeliveryError(_last_line(logs.getvalue()) or "refused")


def _last_line(log: str) -> str:
    """The first complaint Apprise logged (its lines read "time - LEVEL - message")."""
    said = [ln.split(" - ", 2)[-1] for ln in log.splitlines() if ln.strip()]
    return said[0] if said else ""


def open_channel(url: str) -> Channel:
    """The channel for a ``notify:`` URL (see the module docstring for the formats)."""
    url = url.strip()
    if url.startswith("console://"):
        return ConsoleChannel()
    if url.startswith("jsonl://"):
        return JsonlChannel(Path(url[len("jsonl://") :]))
    return AppriseChannel(url)


# ------------------------------------------------------------------------------ delivery
class Outbox(Protocol):
    """Delivery rows: ``alert_id, channel_key, status, attempts, next_attempt_at, claimed_at,
    title, message, payload`` (undelivered ones, oldest alert first)."""

    def undelivered(self) -> list[dict[str, Any]]: ...

    def claim(self, row: Mapping[str, Any], now: datetime) -> bool: ...

    def delivered(self, row: Mapping[str, Any], now: datetime) -> None: ...

    def failed(self, row: Mapping[str, Any], retry_at: datetime, error: str) -> None: ...

    def drop(self, row: Mapping[str, Any], reason: str) -> None: ...


@dataclass
class DeliveryReport:
    delivered: list[tuple[str, str]] = field(default_factory=list)  # (alert id, channel key)
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # … and the error
    dropped: int = 0


def deliver_pending(
    outbox: Outbox,
    urls: Mapping[str, str],
    clock: Callable[[], datetime],
    *,
    opener: Callable[[str], Channel] = open_channel,
    on_delivered: Callable[[Mapping[str, Any]], None] | None = None,
) -> DeliveryReport:
    """Send every due alert to its channels, oldest first, and record each outcome.

    ``urls`` maps channel keys to the URLs of the current configuration; a delivery whose
    channel is no longer configured is dropped (its status says so). Per channel, the first
    alert that is not yet due (backing off, or being sent by another process) holds back the
    later ones, which keeps every receiver's alerts in order.
    """
    report = DeliveryReport()
    blocked: set[str] = set()
    channels: dict[str, Channel] = {}
    for row in outbox.undelivered():
        key = row["channel_key"]
        if key in blocked:
            continue
        now = clock()
        if not _due(row, now):
            blocked.add(key)
            continue
        url = urls.get(key)
        if url is None:
            outbox.drop(row, "channel no longer in feeds.yaml")
            report.dropped += 1
            continue
        if not outbox.claim(row, now):
            blocked.add(key)  # another process got there first; it keeps the order
            continue
        try:
            channel = channels.get(key) or opener(url)
            channels[key] = channel
            channel.send(row["alert_id"], row["title"], row["message"], json.loads(row["payload"]))
        except Exception as exc:  # any channel failure is retried, never lost or fatal
            error = str(exc) or type(exc).__name__
            outbox.failed(row, clock() + retry_delay(int(row["attempts"]) + 1), error)
            report.failed.append((row["alert_id"], key, error))
            blocked.add(key)
            continue
        outbox.delivered(row, clock())
        report.delivered.append((row["alert_id"], key))
        if on_delivered is not None:
            on_delivered(row)
    return report


def _due(row: Mapping[str, Any], now: datetime) -> bool:
    status = row["status"]
    if status == "retrying":
        return _when(row["next_attempt_at"]) <= now
    if status == "sending":
        return _when(row["claimed_at"]) + CLAIM_LEASE <= now
    return True


def _when(text: str | None) -> datetime:
    if not text:
        return datetime.min.replace(tzinfo=UTC)
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def channel_urls(rules: Sequence[AlertRule]) -> dict[str, str]:
    """Channel key -> URL for every channel the rules name."""
    return {channel_key(u): u for r in rules for u in r.notify}
