"""Alerts on delegation-level changes: what is worth telling, to whom, and telling them.

The pure half decides. :func:`classify` says whether a ``DelegationChanged`` event is an
alert (a move between two *known* levels, or a correction of an earlier alert); :class:`Alert`
composes its title, plain-text message and JSON payload; :func:`route` applies the feeds.yaml
``alerts:`` rules (tracks, parties, direction, ``min_step``, ``max_age``) and says which
channels get it. With no rule configured every alert still goes to the ``console://`` channel
(:data:`DEFAULT_RULE`), so nothing is ever raised silently; a rule with ``notify: []`` raises
and lists its alerts but sends them nowhere. Rules apply when an alert is raised: editing
feeds.yaml later re-routes nothing already raised (a channel removed from it is ``dropped``).

The I/O half delivers. :func:`deliver_pending` walks an :class:`Outbox` (the rows the alerts
projection wrote in the same transaction as its tracking position) and hands each alert to its
channel, oldest first. A failed send is retried with exponential backoff, for ever, and a
channel that fails holds back its later alerts, so a receiver that comes back gets them all,
in order. Delivery is at-least-once: every send carries the alert's stable id (payload field
``alert_id``, header ``X-Tracker-Alert-Id``) so a receiver can drop a repeat.

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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, TextIO
from uuid import NAMESPACE_URL, uuid5

from tracker.backoff import backoff_delay
from tracker.config import AlertRule, Config
from tracker.values import DelegationLevel, iso, utc

#: The rule used when feeds.yaml has no ``alerts:``: every alert, on the console.
DEFAULT_RULE = AlertRule(name="default", notify=["console://"])
#: Header carrying the alert id on channels that take headers (webhooks, email).
ID_HEADER = "X-Tracker-Alert-Id"
#: First retry after this long; each further failure doubles it, up to RETRY_CEILING.
RETRY_FIRST = timedelta(seconds=30)
RETRY_CEILING = timedelta(hours=1)
#: A send claimed by a process that then died is taken over after this long.
CLAIM_LEASE = timedelta(minutes=10)
#: Where the basis of a change came from, in words.
_BASIS = {
    "announced": "as announced earlier for this meeting",
    "expected": "who was expected to lead it",
    "previous_round": "at the party's previous round",
}


# ------------------------------------------------------------------------------ detection
def alert_id(engagement_id: str, event_version: int) -> str:
    """Deterministic id: one engagement event is one alert, however often it is re-detected."""
    return str(uuid5(NAMESPACE_URL, f"/tracker/alerts/{engagement_id}/{event_version}"))


def classify(
    basis: str,
    old_level: DelegationLevel | str | None,
    level: DelegationLevel | str | None,
    *,
    corrects: bool,
) -> tuple[str, int] | None:
    """``(direction, step)`` of a delegation change worth an alert, else None.

    A move between two known levels is an ``upgrade`` or ``downgrade`` of ``step`` levels,
    whether the old level was announced, expected or fielded at the previous round. A change
    of head at the same level is an alert only when it corrects an earlier alert
    (``corrects``): ``("none", 0)``. An unknown level on either side is no change.
    """
    new = DelegationLevel.parse(level)
    old = DelegationLevel.parse(old_level) if basis in _BASIS else None
    if new is None:
        return None
    if old is not None and old != new:
        step = new.rank - old.rank
        return ("upgrade" if step > 0 else "downgrade", abs(step))
    return ("none", 0) if corrects else None


# ------------------------------------------------------------------------------ the message
def _label(level: str | None) -> str:
    return level.replace("_", " ") if level else "unknown level"


def _who(head: str | None, title: str | None, level: str | None) -> str:
    parts = [p for p in (head, title) if p]
    return ", ".join([*(parts or ["unnamed head"]), _label(level)])


@dataclass(frozen=True)
class Alert:
    """One raised alert: a party's delegation moved (or an earlier alert was corrected)."""

    id: str
    position: int  # notification id of the DelegationChanged event
    event_version: int  # its version in the engagement's stream
    engagement: dict[str, Any]  # id, kind, parties, venue, date, status
    track: str
    track_title: str
    party: str
    direction: str  # upgrade | downgrade | none (a correction at the same level)
    step: int
    basis: str
    old_head: str | None
    old_level: str | None
    head: str | None
    head_title: str | None
    level: str | None
    published_at: datetime
    recorded_at: datetime
    evidence: dict[str, Any]  # title, link, source, published_at
    extractor_version: str = ""
    supersedes: str | None = None
    previous_round: dict[str, Any] | None = None  # id, venue, date of the earlier round

    def meeting(self) -> str:
        e = self.engagement
        parties = list(e.get("parties") or [])
        who = " and ".join([", ".join(parties[:-1]), parties[-1]] if len(parties) > 1 else parties)
        where = f" in {e['venue']}" if e.get("venue") else ""
        when = f" on {e['date']}" if e.get("date") else " (date not yet known)"
        return f"{e.get('kind', 'talks')} between {who or 'the parties'}{where}{when}"

    def title(self) -> str:
        e = self.engagement
        short = ", ".join(
            x
            for x in (
                "–".join(e.get("parties") or []) + f" {e.get('kind', 'talks')}",
                e.get("venue"),
                e.get("date"),
            )
            if x
        )
        if self.direction == "none":
            head = self.head or self.head_title or "someone else"
            return f"Correction: {self.party} delegation now led by {head} ({short})"
        return (
            f"{self.direction.capitalize()}: {self.party} delegation "
            f"{_label(self.old_level)} → {_label(self.level)} ({short})"
        )

    def text(self) -> str:
        """Plain text that reads well in an email and in a chat message."""
        basis = _BASIS.get(self.basis, "")
        if self.basis == "previous_round" and self.previous_round:
            p = self.previous_round
            at = ", ".join(x for x in (p.get("venue"), p.get("date")) if x)
            basis += f" ({at})" if at else ""
        if self.direction == "none":
            lead = (
                f"{self.party} has changed who leads its delegation; the level stays "
                f"{_label(self.level)}."
            )
        else:
            levels = "level" if self.step == 1 else "levels"
            verb = "upgraded" if self.direction == "upgrade" else "downgraded"
            lead = (
                f"{self.party} has {verb} its delegation by {self.step} {levels}, from "
                f"{_label(self.old_level)} to {_label(self.level)}."
            )
        ev = self.evidence
        lines = [
            lead,
            "",
            f"Before:    {_who(self.old_head, None, self.old_level)}"
            + (f", {basis}" if basis else ""),
            f"Now:       {_who(self.head, self.head_title, self.level)}",
            f"Meeting:   {self.meeting()} (status: {self.engagement.get('status', 'unknown')})",
            f"Track:     {self.track_title}",
            f"Published: {_human(self.published_at)} (recorded {_human(self.recorded_at)})",
            f'Source:    {ev.get("source") or "unknown"}: "{ev.get("title") or ""}"',
        ]
        if ev.get("link"):
            lines.append(f"           {ev['link']}")
        if self.supersedes:
            lines.append(f"This corrects alert {self.supersedes}.")
        lines.append(f"Alert id:  {self.id}")
        return "\n".join(lines)

    def payload(self) -> dict[str, Any]:
        """The JSON document of this alert (stable snake_case keys)."""
        return {
            "id": self.id,
            "type": "delegation_level_changed",
            "title": self.title(),
            "message": self.text(),
            "link": self.evidence.get("link"),
            "published_at": iso(self.published_at),
            "recorded_at": iso(self.recorded_at),
            "track": self.track,
            "track_title": self.track_title,
            "party": self.party,
            "direction": self.direction,
            "step": self.step,
            "basis": self.basis,
            "old": {"head": self.old_head, "level": self.old_level},
            "new": {"head": self.head, "head_title": self.head_title, "level": self.level},
            "engagement": dict(self.engagement),
            "previous_round": self.previous_round,
            "supersedes": self.supersedes,
            "evidence": dict(self.evidence),
            "extractor_version": self.extractor_version,
            "position": self.position,
            "event_version": self.event_version,
        }


def _human(dt: datetime) -> str:
    return utc(dt).strftime("%Y-%m-%d %H:%M UTC")


# ------------------------------------------------------------------------------ rules
def effective_rules(config: Config) -> list[AlertRule]:
    """The configured rules, or :data:`DEFAULT_RULE` when feeds.yaml names none."""
    return list(config.alerts) or [DEFAULT_RULE]


@dataclass(frozen=True)
class Route:
    """Where one alert goes: a channel, the rules that sent it there, and whether to send."""

    channel_key: str
    channel: str  # the URL with secrets masked, for display
    rules: tuple[str, ...]
    status: str  # pending | suppressed
    reason: str | None = None


def matches(rule: AlertRule, alert: Alert, superseded_rules: Iterable[str] = ()) -> bool:
    """True when ``rule`` selects ``alert``.

    A correction goes wherever the alert it corrects went, even when its own direction or
    step would not qualify: whoever was told "downgrade" must hear that it was taken back.
    """
    if rule.tracks is not None and alert.track not in rule.tracks:
        return False
    if rule.parties is not None and alert.party not in rule.parties:
        return False
    if alert.supersedes and rule.name in set(superseded_rules):
        return True
    if alert.direction == "none":
        return False
    return rule.direction in ("any", alert.direction) and alert.step >= rule.min_step


def route(
    alert: Alert,
    rules: Sequence[AlertRule],
    now: datetime,
    superseded_rules: Iterable[str] = (),
) -> tuple[list[str], list[Route]]:
    """The names of the matching rules and one :class:`Route` per distinct channel.

    ``max_age`` compares the change's ``published_at`` with ``now`` (the tracker clock): a
    backfill of old news is recorded as ``suppressed`` ("too old"), never silently dropped.
    A channel named by several rules is sent to once, if any of them finds it fresh enough.
    """
    superseded = list(superseded_rules)
    matched = [r for r in rules if matches(r, alert, superseded)]
    age = now - alert.published_at
    by_key: dict[str, dict[str, Any]] = {}
    for rule in matched:
        fresh = age <= rule.max_age
        for url in rule.notify:
            slot = by_key.setdefault(channel_key(url), {"url": url, "rules": [], "fresh": False})
            slot["rules"].append(rule.name)
            slot["fresh"] = slot["fresh"] or fresh
            slot.setdefault("max_age", rule.max_age)
    routes = []
    for key, slot in by_key.items():
        reason = None
        if not slot["fresh"]:
            reason = (
                f"too old: published {_span(age)} before it was raised "
                f"(max_age {_span(slot['max_age'])})"
            )
        routes.append(
            Route(
                key,
                redact(slot["url"]),
                tuple(slot["rules"]),
                "pending" if slot["fresh"] else "suppressed",
                reason,
            )
        )
    return [r.name for r in matched], routes


def _span(d: timedelta) -> str:
    secs = int(d.total_seconds())
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if abs(secs) >= size:
            return f"{secs // size}{unit}"
    return f"{secs}s"


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
