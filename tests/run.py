"""The whole test suite in one command: lint, format check, type check, then pytest.

Usage: ``python tests/run.py [extra pytest args]``. Exits non-zero when any step fails, and
treats "no tests collected" (pytest exit code 5) as a failure, never as a pass.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def step(name: str, cmd: list[str]) -> int:
    print(f"\n=== {name}: {' '.join(cmd)}", flush=True)
    code = subprocess.call(cmd, cwd=ROOT)
    if code == 5 and name == "pytest":
        print("pytest collected no tests: that is a failure here", flush=True)
        return 1
    return code


def main() -> int:
    checks = [
        (
            "ruff check",
            [PY, "-m", "ruff", "check", "tracker", "projections", "tests", "benchmarks"],
        ),
        ("ruff format", [PY, "-m", "ruff", "format", "--check", "tracker", "projections"]),
        ("mypy", [PY, "-m", "mypy"]),
        ("pytest", [PY, "-m", "pytest", "-p", "no:cacheprovider", *sys.argv[1:]]),
    ]
    failed = [name for name, cmd in checks if step(name, cmd) != 0]
    if failed:
        print(f"\nFAILED: {', '.join(failed)}", flush=True)
        return 1
    print("\nAll checks passed.", flush=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    sys.exit(main())
