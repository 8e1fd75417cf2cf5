"""Shared pytest fixtures.

Corpora: tests that read the shared real-world corpora use the ``corpora`` fixture. It points
at ``$TRACKER_CORPORA`` (default /work/shared/corpora). When the folder is absent the test is
skipped with the reason, except under ``CI=true`` where a missing corpus is a failure.
"""

from __future__ import annotations

import os
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
