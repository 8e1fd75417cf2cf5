"""The layering STYLE.md asks for, checked: pure modules load no network or database code,
and projections never import the CLI, the scheduler, the fetcher or the web app."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NETWORK_OR_DB = {
    "httpx",
    "httpcore",
    "h11",
    "anyio",
    "requests",
    "urllib3",
    "aiohttp",
    "psycopg",
    "psycopg_pool",
    "sqlite3",
    "apprise",
    "uvicorn",
    "fastapi",
}


@pytest.mark.parametrize(
    "module",
    [
        "tracker.values",
        "tracker.domain",
        "tracker.feed",
        "tracker.entry",
        "tracker.track",
        "tracker.engagement",
        "tracker.engagement_rules",
        "tracker.matching",
        "tracker.extract",
        "tracker.parse",
        "tracker.fetch_result",
        "tracker.backoff",
        "projections.briefing",
    ],
)
def test_a_pure_module_loads_no_network_or_database_library(module):
    code = (
        f"import sys, json, {module}; "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    loaded = set(json.loads(out.stdout))
    assert not loaded & NETWORK_OR_DB, sorted(loaded & NETWORK_OR_DB)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_projections_never_import_the_cli_scheduler_fetcher_or_web():
    forbidden = {
        "tracker.cli",
        "tracker.cli_common",
        "tracker.cli_ops",
        "tracker.cli_read",
        "tracker.scheduler",
        "tracker.fetch",
        "tracker.fetch_body",
        "tracker.web",
        "tracker.ingest",
        "tracker.pipeline",
        "tracker.recorder",
    }
    for path in sorted((ROOT / "projections").rglob("*.py")):
        bad = {m for m in _imports(path) if any(m == f or m.startswith(f + ".") for f in forbidden)}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_the_domain_imports_only_the_standard_library_and_eventsourcing():
    for name in (
        "domain.py",
        "feed.py",
        "entry.py",
        "track.py",
        "engagement.py",
        "engagement_rules.py",
        "values.py",
        "errors.py",
    ):
        roots = {m.split(".")[0] for m in _imports(ROOT / "tracker" / name)}
        allowed = set(sys.stdlib_module_names) | {"eventsourcing", "tracker", "__future__"}
        assert roots <= allowed, (name, sorted(roots - allowed))
        internal = {m for m in _imports(ROOT / "tracker" / name) if m.startswith("tracker.")}
        allowed_internal = {
            "tracker.domain",
            "tracker.engagement_rules",
            "tracker.values",
            "tracker.errors",
        }
        assert internal <= allowed_internal, internal
