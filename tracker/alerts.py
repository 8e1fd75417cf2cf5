"""Alerts on delegation-level changes: what is worth telling, and to whom.

Pure: this module decides. :func:`classify` says whether a ``DelegationChanged`` event is an
alert (a move between two *known* levels, or a correction of an earlier alert; a
re-extraction that no longer reads the report behind an alert withdraws it); :class:`Alert`
composes its title, plain-text message and JSON payload; :func:`route` applies the feeds.yaml
``alerts:`` rules (tracks, parties, direction, ``min_step``, ``max_age``) and says which
channels get it. With no rule configured every alert still goes to the ``console://`` channel
(:data:`DEFAULT_RULE`), so nothing is ever raised silently; a rule with ``notify: []`` raises
and lists its alerts but sends them nowhere. Rules apply when an alert is raised: editing
feeds.yaml later re-routes nothing already raised (a channel removed from it is ``dropped``).

Telling them (channels, the outbox, retries with backoff) is :mod:`tracker.alert_delivery`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from tracker.alert_delivery import channel_key, redact
from tracker.config import AlertRule, Config
from tracker.values import DelegationLevel, iso, utc

#: The rule used when feeds.yaml has no ``alerts:``: every alert, on the console.
DEFAULT_RULE = AlertRule(name="default", notify=["console://"])
#: Where the basis of a change came from, in words.
_BASIS = {
    "announced": "as announced earlier for this meeting",
    "expected": "who was expected to lead it",
    "previous_round": "at the party's previous round",
}


#: The direction of an alert that takes back an earlier one (its report is no longer read so).
WITHDRAWN = "withdrawn"


# ------------------------------------------------------------------------------ detection
def alert_id(engagement_id: str, event_version: int, party: str | None = None) -> str:
    """Deterministic id: one engagement event is one alert, however often it is re-detected.

    A withdrawal names its party too: one retraction can take back two parties' alerts.
    """
    tail = f"/{party}" if party is not None else ""
    return str(uuid5(NAMESPACE_URL, f"/tracker/alerts/{engagement_id}/{event_version}{tail}"))


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
    direction: str  # upgrade | downgrade | none (a correction at the same level) | withdrawn
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
        if self.direction == WITHDRAWN:
            return f"Withdrawn: {self.party} delegation {_label(self.old_level)} ({short})"
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
        if self.direction == WITHDRAWN:
            return self._withdrawal_text()
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

    def _withdrawal_text(self) -> str:
        version = f" (extractor {self.extractor_version})" if self.extractor_version else ""
        now = (
            _who(self.head, self.head_title, self.level)
            if self.head or self.level
            else "no head known"
        )
        ev = self.evidence
        lines = [
            f"Alert {self.supersedes} is withdrawn: the report it was raised on is no longer "
            f"read as naming {self.party}'s delegation{version}.",
            "",
            f"It said:   {_who(self.old_head, None, self.old_level)}",
            f"Now:       {now}",
            f"Meeting:   {self.meeting()} (status: {self.engagement.get('status', 'unknown')})",
            f"Track:     {self.track_title}",
            f"Re-read:   {_human(self.recorded_at)}",
            f'Source:    {ev.get("source") or "unknown"}: "{ev.get("title") or ""}"',
        ]
        if ev.get("link"):
            lines.append(f"           {ev['link']}")
        lines.append(f"Alert id:  {self.id}")
        return "\n".join(lines)

    def payload(self) -> dict[str, Any]:
        """The JSON document of this alert (stable snake_case keys)."""
        return {
            "id": self.id,
            "type": (
                "delegation_alert_withdrawn"
                if self.direction == WITHDRAWN
                else "delegation_level_changed"
            ),
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

    A correction or a withdrawal goes wherever the alert it corrects went, even when its own
    direction or step would not qualify: whoever was told "downgrade" must hear that it was
    taken back; it goes nowhere else.
    """
    if rule.tracks is not None and alert.track not in rule.tracks:
        return False
    if rule.parties is not None and alert.party not in rule.parties:
        return False
    if alert.supersedes and rule.name in set(superseded_rules):
        return True
    if alert.direction in ("none", WITHDRAWN):
        return False
    return rule.direction in ("any", alert.direction) and alert.step >= rule.min_step


def route(
    alert: Alert,
    rules: Sequence[AlertRule],
    now: datetime,
    superseded_rules: Iterable[str] = (),
) -> tuple[list[str], list[Route]]:
    """The names of the matching rules and one :class:`Route` per distinct channel.

    ``max_age`` compares the change's ``published_at`` (a withdrawal's ``recorded_at``)
    with ``now`` (the tracker clock): a
    backfill of old news is recorded as ``suppressed`` ("too old"), never silently dropped.
    A channel named by several rules is sent to once, if any of them finds it fresh enough.
    """
    superseded = list(superseded_rules)
    matched = [r for r in rules if matches(r, alert, superseded)]
    # A withdrawal is news when it is made (a re-extraction today of a report of last year):
    # whoever was told must hear it, however old the report.
    age = now - (alert.recorded_at if alert.direction == WITHDRAWN else alert.published_at)
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
