"""feeds.yaml -> pydantic models; the only module that reads configuration files or env vars.

A bad file never produces a traceback: :func:`load_config` raises :class:`ConfigError` with
one line naming the file, the line, the key path and the problem, e.g.::

    feeds.yaml:7: feeds[1].interval: invalid duration '15x' (use 30s, 15m, 2h or 1d)
"""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from tracker.errors import ConfigError
from tracker.values import DelegationLevel

DEFAULT_CONFIG = "feeds.yaml"
DEFAULT_STORE = "sqlite:///tracker.db"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d|w)?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: Any) -> timedelta:
    """Parse ``30s``/``15m``/``2h``/``1d``/``1w`` (or a number of seconds) into a timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError(f"invalid duration {value!r} (use 30s, 15m, 2h or 1d)")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        m = _DURATION.match(str(value))
        if not m:
            raise ValueError(f"invalid duration {value!r} (use 30s, 15m, 2h or 1d)")
        seconds = float(m.group(1)) * _UNIT_SECONDS[(m.group(2) or "s").lower()]
    if seconds <= 0:
        raise ValueError(f"duration must be positive, got {value!r}")
    return timedelta(seconds=seconds)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]

_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_PARTY = re.compile(r"^[A-Z][A-Z0-9_-]{1,15}$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeedConfig(_Model):
    """One feed to poll. ``url`` may be http(s)://, file:// or a local path."""

    name: str
    url: str
    interval: Duration = timedelta(minutes=15)
    enabled: bool = True
    tracks: list[str] | None = None  # restrict this feed's entries to these tracks
    max_bytes: int | None = Field(default=None, gt=0)

    @field_validator("name")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not _SLUG.match(v):
            raise ValueError(
                f"feed name {v!r} must be a slug (lower-case letters, digits, '.', '_', '-')"
            )
        return v

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("url must not be empty")
        if "://" in v and v.split("://", 1)[0].lower() not in {"http", "https", "file"}:
            raise ValueError(f"unsupported URL scheme in {v!r} (use http, https or file)")
        return v


class TrackConfig(_Model):
    """A situation followed over time, e.g. the Russia–Ukraine peace talks."""

    slug: str
    title: str = ""
    parties: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)

    @field_validator("slug")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not _SLUG.match(v):
            raise ValueError(f"track slug {v!r} must be lower-case letters, digits, '.', '_', '-'")
        return v

    @field_validator("parties")
    @classmethod
    def _parties(cls, v: list[str]) -> list[str]:
        out = []
        for p in v:
            p = str(p).strip().upper()
            if not _PARTY.match(p):
                raise ValueError(
                    f"party {p!r} must be an ISO 3166 alpha-2 code (RU), an org code (EU) "
                    "or a short upper-case name (HAMAS)"
                )
            out.append(p)
        return out


class OfficeConfig(_Model):
    """A time-bounded office: the level a person's title carried between two dates."""

    title: str
    level: DelegationLevel
    since: date | None = Field(default=None, alias="from")
    until: date | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("level", mode="before")
    @classmethod
    def _level(cls, v: Any) -> Any:
        try:
            return DelegationLevel.parse(v)
        except ValueError:
            names = ", ".join(level.value for level in DelegationLevel)
            raise ValueError(f"unknown level {v!r} (one of: {names})") from None


class ActorConfig(_Model):
    """A user override or addition to the bundled actor dictionary."""

    name: str
    party: str
    aliases: list[str] = Field(default_factory=list)
    offices: list[OfficeConfig] = Field(default_factory=list)
    level: DelegationLevel | None = None  # shorthand for one open-ended office

    @field_validator("party")
    @classmethod
    def _party(cls, v: str) -> str:
        return TrackConfig._parties([v])[0]


class AlertRule(_Model):
    """When to raise an alert and where to deliver it (Apprise-style URLs)."""

    name: str
    on: Literal["delegation_level_changed"] = "delegation_level_changed"
    tracks: list[str] | None = None  # None: every track
    parties: list[str] | None = None  # None: every party
    direction: Literal["any", "upgrade", "downgrade"] = "any"
    min_step: int = Field(default=1, ge=1, le=4)
    notify: list[str] = Field(default_factory=list)
    max_age: Duration = timedelta(days=2)


class Settings(_Model):
    """Fetching and scheduling knobs; every one has a sensible default."""

    user_agent: str | None = None
    max_body_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    connect_timeout: Duration = timedelta(seconds=10)
    read_timeout: Duration = timedelta(seconds=30)
    total_timeout: Duration = timedelta(seconds=60)
    max_redirects: int = Field(default=5, ge=0, le=20)
    concurrency: int = Field(default=16, ge=1, le=512)
    per_host: int = Field(default=2, ge=1, le=64)
    backoff_max: Duration = timedelta(hours=24)
    stale_rumour_after: Duration = timedelta(days=30)
    briefing_horizon: Duration = timedelta(days=120)


class Config(_Model):
    """The whole of feeds.yaml."""

    feeds: list[FeedConfig] = Field(default_factory=list)
    tracks: list[TrackConfig] = Field(default_factory=list)
    actors: list[ActorConfig] = Field(default_factory=list)
    alerts: list[AlertRule] = Field(default_factory=list)
    settings: Settings = Field(default_factory=Settings)
    source: str | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _cross_checks(self) -> Config:
        names = [f.name for f in self.feeds]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"duplicate feed name(s): {', '.join(dup)}")
        slugs = [t.slug for t in self.tracks]
        dup = sorted({s for s in slugs if slugs.count(s) > 1})
        if dup:
            raise ValueError(f"duplicate track slug(s): {', '.join(dup)}")
        known = set(slugs)
        for rule in self.alerts:
            for t in rule.tracks or []:
                if t not in known:
                    raise ValueError(f"alert {rule.name!r} names unknown track {t!r}")
        for feed in self.feeds:
            for t in feed.tracks or []:
                if t not in known:
                    raise ValueError(f"feed {feed.name!r} names unknown track {t!r}")
        return self

    def feed(self, name: str) -> FeedConfig:
        for f in self.feeds:
            if f.name == name:
                return f
        raise KeyError(name)

    def track(self, slug: str | None) -> TrackConfig | None:
        if slug is None:
            return self.tracks[0] if self.tracks else None
        for t in self.tracks:
            if t.slug == slug:
                return t
        return None


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false. PyYAML's 1.1 rules turn the key ``on:`` (used by
    ``alerts:`` rules) and values like ``no`` or ``off`` into booleans behind users' backs."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _line_index(node: yaml.Node, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], int]:
    """Map every key path in a composed YAML document to its 1-based line number."""
    lines = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[(*path, key)] = key_node.start_mark.line + 1
            for sub, line in _line_index(value_node, (*path, key)).items():
                lines.setdefault(sub, line)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.update(_line_index(item, (*path, i)))
    return lines


def _format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def parse_config(text: str, source: str = DEFAULT_CONFIG) -> Config:
    """Validate YAML text as a :class:`Config`.

    Raises:
        ConfigError: with ``source:line: key.path: problem`` for the first problem found.
    """
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{where}: not valid YAML: {problem}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}:1: the top level must be a mapping with feeds/tracks/alerts")
    lines = _line_index(node) if node is not None else {}
    try:
        cfg = Config.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(p for p in err["loc"] if p not in ("function-after[_cross_checks(), Config]",))
        line = None
        probe = loc
        while probe and line is None:
            line = lines.get(probe)
            probe = probe[:-1]
        where = f"{source}:{line}" if line else source
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling; see the feeds.yaml section of README.md)"
        elif err["type"] == "missing":
            msg = "required key is missing"
        extra = f" (and {len(exc.errors()) - 1} more problem(s))" if len(exc.errors()) > 1 else ""
        raise ConfigError(f"{where}: {_format_loc(loc)}: {msg}{extra}") from None
    return cfg.model_copy(update={"source": source})


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read and validate feeds.yaml (``path``, else ``$TRACKER_CONFIG``, else ./feeds.yaml).

    Raises:
        ConfigError: the file is missing, unreadable or invalid (one line, names file and line).
    """
    p = Path(path or os.environ.get("TRACKER_CONFIG") or DEFAULT_CONFIG)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{p}: config file not found (pass --config PATH)") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read: {exc.strerror}") from None
    return parse_config(text, str(p))


def store_url(explicit: str | None = None) -> str:
    """The event store URL: ``--store``, else ``$TRACKER_STORE``, else ``sqlite:///tracker.db``."""
    return explicit or os.environ.get("TRACKER_STORE") or DEFAULT_STORE
