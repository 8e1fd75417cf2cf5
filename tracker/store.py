"""Store URLs -> eventsourcing environments; the one place that knows backends exist.

``sqlite:///tracker.db`` (relative path), ``sqlite:////var/lib/tracker.db`` (absolute) or
``postgresql://user[:password]@host[:port]/database[?schema=name]``. The library's in-memory
default is never used: every environment built here names its ``PERSISTENCE_MODULE``.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from tracker.errors import StoreError


@dataclass(frozen=True)
class StoreConfig:
    """A parsed store URL."""

    url: str
    backend: str  # "sqlite" | "postgres"
    path: Path | None = None
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    password: str = ""
    dbname: str = ""
    schema: str = "public"
    options: dict[str, str] = field(default_factory=dict)

    @property
    def display(self) -> str:
        """The URL without its password, for messages."""
        if self.backend == "sqlite":
            return f"sqlite:///{self.path}"
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}" + (
            f"?schema={self.schema}" if self.schema != "public" else ""
        )

    def event_store_env(self) -> dict[str, str]:
        """Environment for the eventsourcing Application (explicit backend, never POPO)."""
        if self.backend == "sqlite":
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.path),
                "SQLITE_LOCK_TIMEOUT": self.options.get("lock_timeout", "30"),
            }
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_SCHEMA": self.schema,
            "POSTGRES_CONNECT_TIMEOUT": self.options.get("connect_timeout", "5"),
            "POSTGRES_POOL_SIZE": self.options.get("pool_size", "4"),
            "POSTGRES_MAX_OVERFLOW": self.options.get("max_overflow", "4"),
            # Long projection batches hold a transaction open while folding.
            "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "0",
            "POSTGRES_LOCK_TIMEOUT": self.options.get("lock_timeout", "30"),
        }
        return env

    def psycopg_conninfo(self) -> str:
        parts = [
            f"host={self.host}",
            f"port={self.port}",
            f"dbname={self.dbname}",
            f"user={self.user}",
            f"connect_timeout={self.options.get('connect_timeout', '5')}",
        ]
        if self.password:
            parts.append(f"password={self.password}")
        return " ".join(parts)


def parse_store_url(url: str) -> StoreConfig:
    """Parse a store URL.

    Raises:
        StoreError: the URL is not a sqlite:/// or postgresql:// URL.
    """
    raw = url.strip()
    parts = urlsplit(raw)
    scheme = parts.scheme.lower()
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if scheme == "sqlite":
        if not raw.lower().startswith("sqlite:///"):
            raise StoreError(
                f"store URL {raw!r}: use sqlite:///relative/path.db or sqlite:////absolute/path.db"
            )
        path = unquote(raw[len("sqlite:///") :].split("?", 1)[0])
        if not path or path == ":memory:":
            raise StoreError(
                f"store URL {raw!r}: a file path is required (an in-memory store would lose "
                "everything when the command exits)"
            )
        return StoreConfig(url=raw, backend="sqlite", path=Path(path), options=options)
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        dbname = unquote(parts.path.lstrip("/")) or "postgres"
        return StoreConfig(
            url=raw,
            backend="postgres",
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=unquote(parts.username or os.environ.get("PGUSER", "postgres")),
            password=unquote(parts.password or ""),
            dbname=dbname,
            schema=options.pop("schema", "public"),
            options=options,
        )
    raise StoreError(
        f"store URL {raw!r}: unsupported scheme {scheme or '(none)'!r} "
        "(use sqlite:///path.db or postgresql://user@host/db)"
    )


def check_reachable(cfg: StoreConfig) -> None:
    """Fail fast, with one clear line, when the store cannot be opened.

    Raises:
        StoreError: the SQLite file cannot be created/opened, or PostgreSQL does not answer.
    """
    if cfg.backend == "sqlite":
        assert cfg.path is not None
        parent = cfg.path.parent if str(cfg.path.parent) else Path(".")
        if not parent.exists():
            raise StoreError(f"cannot open {cfg.display}: directory {parent} does not exist")
        try:
            lite = sqlite3.connect(str(cfg.path), timeout=5)
            try:
                lite.execute("PRAGMA schema_version").fetchone()
            finally:
                lite.close()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {cfg.display}: {exc}") from None
        return
    import psycopg

    try:
        with psycopg.connect(cfg.psycopg_conninfo()) as conn:
            conn.execute("SELECT 1")
            if cfg.schema != "public":
                conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{cfg.schema}"')
    except psycopg.Error as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise StoreError(f"cannot reach {cfg.display}: {reason}") from None
