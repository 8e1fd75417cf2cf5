"""Run every benchmark and print one JSON object (DESIGN.md's benchmarks contract).

    python benchmarks/run.py [--quick] [--only NAME ...]

Each module in this folder named ``bench_*.py`` exposes ``run(quick: bool) -> list[dict]``;
every record puts a figure beside the baseline it was measured against in the same run:
``{"name", "value", "unit", "baseline", "baseline_value", "ratio", "target", "meets_target"}``.
A benchmark that crashes is reported as a record with ``"error"``, and the others still run.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ORDER = ["parse", "extract", "poll", "projections", "alerts"]


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
    }
    try:
        import psutil

        info["memory_gib"] = round(psutil.virtual_memory().total / 2**30, 1)
    except ImportError:
        pass
    try:
        import eventsourcing
        import feedparser

        info["feedparser"] = feedparser.__version__
        info["eventsourcing"] = getattr(eventsourcing, "__version__", "9.5")
    except ImportError:
        pass
    return info


def load(name: str) -> Any:
    path = HERE / f"bench_{name}.py"
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a few minutes")
    parser.add_argument("--only", nargs="*", help=f"subset of {ORDER}")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    names = [n for n in ORDER if (HERE / f"bench_{n}.py").exists()]
    names += sorted(
        p.stem.removeprefix("bench_")
        for p in HERE.glob("bench_*.py")
        if p.stem.removeprefix("bench_") not in names
    )
    if args.only:
        names = [n for n in names if n in args.only]
    records: list[dict[str, Any]] = []
    for name in names:
        started = time.perf_counter()
        print(f"[benchmarks] {name} …", file=sys.stderr, flush=True)
        try:
            got = load(name).run(args.quick)
        except Exception as exc:  # report and go on: one broken benchmark hides nothing else
            traceback.print_exc(file=sys.stderr)
            got = [
                {
                    "name": f"{name}.error",
                    "error": f"{type(exc).__name__}: {exc}",
                    "meets_target": False,
                }
            ]
        for rec in got:
            rec.setdefault("suite", name)
        records.extend(got)
        print(
            f"[benchmarks] {name} done in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
            flush=True,
        )
    json.dump(
        {"benchmarks": records, "machine": machine(), "quick": args.quick}, sys.stdout, indent=2
    )
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
