"""Shared pytest fixtures.

Corpora: tests that read the shared real-world corpora use the ``corpora`` fixture. It points
at ``$TRACKER_CORPORA`` (default /work/shared/corpora). When the folder is absent the test is
skipped with the reason, except under ``CI=true`` where a missing corpus is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CORPORA = Path(os.environ.get("TRACKER_CORPORA", "/work/shared/corpora"))
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def corpora() -> Path:
    """The shared corpora folder (skip locally, fail in CI, when it is missing)."""
    if not CORPORA.is_dir():
        if IN_CI:
            pytest.fail(f"corpora folder {CORPORA} is missing (set TRACKER_CORPORA)")
        pytest.skip(f"corpora folder {CORPORA} not found; set TRACKER_CORPORA to run this test")
    return CORPORA


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """tests/data: small files copied into the repository (see tests/data/SOURCES.md)."""
    return DATA


# --------------------------------------------------------------------------------------
# Event store backends: every domain/application test runs on a SQLite file and on the
# PostgreSQL server. PostgreSQL must be reachable in CI; on a laptop without it those
# parametrisations skip, saying why.
# --------------------------------------------------------------------------------------

import uuid  # noqa: E402

PG_URL = os.environ.get("TRACKER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_available() -> str | None:
    try:
        import psycopg

        with psycopg.connect(
            PG_URL.replace("postgresql://", "postgresql://", 1), connect_timeout=3
        ) as conn:
            conn.execute("SELECT 1")
        return None
    except Exception as exc:  # any failure means "not here"
        return f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"


_PG_PROBLEM: list[str | None] = []


def pg_problem() -> str | None:
    if not _PG_PROBLEM:
        _PG_PROBLEM.append(_pg_available())
    return _PG_PROBLEM[0]


@pytest.fixture
def pg_store_url() -> Iterator[str]:
    """A PostgreSQL store URL in a fresh schema, dropped afterwards."""
    problem = pg_problem()
    if problem is not None:
        if IN_CI:
            pytest.fail(f"PostgreSQL at {PG_URL} is unreachable in CI: {problem}")
        pytest.skip(f"PostgreSQL at {PG_URL} unreachable ({problem}); skipping")
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    yield f"{PG_URL}?schema={schema}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def sqlite_store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tracker.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs twice: on a SQLite file and on the PostgreSQL server."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_store_url"))
    return str(request.getfixturevalue("pg_store_url"))
