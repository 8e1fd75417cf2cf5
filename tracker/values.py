"""Value objects shared by every layer: levels, claim types, parsed entries and claims.

Standard library only. These are the contracts between the pure parts of the tracker:
``parse`` produces :class:`ParsedEntry`, ``extract`` turns an :class:`EntryText` into
:class:`Claim` objects, and the aggregates record both inside events (see
``tracker.application``, which registers transcodings for every type defined here).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime, time
from enum import Enum
from typing import Any

from tracker.errors import InputError


class DelegationLevel(Enum):
    """Rank of whoever leads a delegation, highest first (DESIGN.md)."""

    LEADER = "leader"
    MINISTER = "minister"
    DEPUTY_MINISTER = "deputy_minister"
    SENIOR_OFFICIAL = "senior_official"
    WORKING_LEVEL = "working_level"

    @property
    def rank(self) -> int:
        """Higher is more senior: leader=5 ... working_level=1."""
        return _LEVEL_RANK[self]

    @classmethod
    def parse(cls, value: str | DelegationLevel | None) -> DelegationLevel | None:
        if value is None or value == "":
            return None
        if isinstance(value, DelegationLevel):
            return value
        return cls(str(value).strip().lower().replace(" ", "_").replace("-", "_"))

    def __str__(self) -> str:  # so f-strings print "minister", not "DelegationLevel.MINISTER"
        return self.value


_LEVEL_RANK = {
    DelegationLevel.LEADER: 5,
    DelegationLevel.MINISTER: 4,
    DelegationLevel.DEPUTY_MINISTER: 3,
    DelegationLevel.SENIOR_OFFICIAL: 2,
    DelegationLevel.WORKING_LEVEL: 1,
}


class ClaimType(Enum):
    """What one entry says happened (DESIGN.md event vocabulary; names are a contract)."""

    TALKS_PROPOSED = "talks_proposed"
    TALKS_SCHEDULED = "talks_scheduled"
    TALKS_RESCHEDULED = "talks_rescheduled"
    TALKS_CANCELLED = "talks_cancelled"
    TALKS_HELD = "talks_held"
    DELEGATION_ANNOUNCED = "delegation_announced"
    ATTENDANCE_DECLINED = "attendance_declined"
    SUMMIT_RUMORED = "summit_rumored"
    SUMMIT_SCHEDULED = "summit_scheduled"
    SUMMIT_HELD = "summit_held"
    SUMMIT_CANCELLED = "summit_cancelled"
    CEASEFIRE_PROPOSED = "ceasefire_proposed"
    CEASEFIRE_AGREED = "ceasefire_agreed"
    PRISONER_EXCHANGE = "prisoner_exchange"
    POSITION_STATED = "position_stated"

    def __str__(self) -> str:
        return self.value


class DatePrecision(Enum):
    DAY = "day"
    MONTH = "month"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


def utc(dt: datetime) -> datetime:
    """Return ``dt`` as an aware UTC datetime (naive input is taken to be UTC)."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def content_hash(*parts: str | None) -> str:
    """Stable SHA-256 over the given text parts (None and "" are distinct from each other)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(b"\x00" if part is None else b"\x01" + part.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    """One feed entry as parsed from bytes (``tracker.parse``), before it is recorded.

    ``identity`` is what makes two polls' entries "the same entry": the guid, else the link,
    else a hash of title + published. ``content_hash`` changes when what a reader sees changes.
    """

    identity: str
    title: str
    summary: str
    link: str | None = None
    guid: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    author: str | None = None
    content_hash: str = ""
    problems: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.content_hash:
            object.__setattr__(
                self,
                "content_hash",
                content_hash(self.title, self.summary, self.link, _iso(self.published_at)),
            )


@dataclass(frozen=True, slots=True)
class EntryText:
    """What the extractor reads: an entry's text plus the clocks needed to resolve dates."""

    title: str
    summary: str = ""
    published_at: datetime | None = None
    link: str | None = None
    source: str | None = None
    id: str | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """What one entry asserts (one row of the ``tracker extract`` contract).

    Fields that do not apply to a claim type stay ``None`` / empty. ``evidence`` is the span
    of text the claim was read from; ``evidence_field`` says whether it came from the title or
    the summary. ``hedged`` marks reported/unconfirmed statements; ``confidence`` ranks claims
    (0..1) so the engagement layer can prefer better-supported readings.
    """

    type: ClaimType
    parties: tuple[str, ...] = ()
    venue: str | None = None
    date: date | None = None
    date_precision: DatePrecision = DatePrecision.UNKNOWN
    party: str | None = None
    head: str | None = None
    head_title: str | None = None
    level: DelegationLevel | None = None
    person: str | None = None
    proposer: str | None = None
    speaker: str | None = None
    stance: str | None = None
    hedged: bool = False
    negated: bool = False
    evidence: str = ""
    evidence_field: str = "title"
    confidence: float = 1.0

    def to_json(self) -> dict[str, Any]:
        """The JSON shape of the ``tracker extract`` contract (DESIGN.md), stable keys."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Enum):
                value = value.value
            elif isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Claim:
        kw = {k: v for k, v in data.items() if k in _CLAIM_FIELDS}
        kw["type"] = ClaimType(kw["type"])
        kw["parties"] = tuple(kw.get("parties") or ())
        if kw.get("date"):
            kw["date"] = date.fromisoformat(kw["date"])
        kw["date_precision"] = DatePrecision(kw.get("date_precision") or "unknown")
        kw["level"] = DelegationLevel.parse(kw.get("level"))
        return cls(**kw)


#: Claim's field names, looked up once (decoding a stored claim is on every replay's path).
_CLAIM_FIELDS = frozenset(f.name for f in fields(Claim))


@dataclass(frozen=True, slots=True)
class Evidence:
    """A pointer from a briefing field to the entry behind it."""

    entry_id: str
    title: str
    link: str | None
    source: str
    published_at: datetime
    extractor_version: str = ""
    span: str = ""

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["published_at"] = _iso(self.published_at)
        return d


@dataclass(frozen=True, slots=True)
class PollOutcome:
    """What one poll of one feed came to (kept for health; logged only when it matters)."""

    feed: str
    status: str  # ok | not_modified | unchanged | failed
    polled_at: datetime
    http_status: int | None = None
    new_entries: int = 0
    revised_entries: int = 0
    error: str | None = None
    error_kind: str | None = None
    duration_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def _iso(dt: datetime | None) -> str | None:
    return None if dt is None else utc(dt).isoformat().replace("+00:00", "Z")


def iso(dt: datetime | None) -> str | None:
    """ISO-8601 with a ``Z`` suffix, the format every JSON output of the tracker uses."""
    return _iso(dt)


def parse_when(value: str, *, end_of_day: bool = True) -> datetime:
    """``2025-05-16`` (end of that day, UTC) or an ISO date-time (``…Z`` or with offset).

    Raises:
        InputError: not a date or date-time.
    """
    text = value.strip()
    try:
        if len(text) == 10:
            d = datetime.strptime(text, "%Y-%m-%d").date()
            t = time(23, 59, 59, 999999) if end_of_day else time(0, 0)
            return datetime.combine(d, t, tzinfo=UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{value!r} is not a date (YYYY-MM-DD) or ISO date-time") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
