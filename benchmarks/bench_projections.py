"""Benchmark: the briefing projection at a million events, on SQLite and on PostgreSQL.

    python benchmarks/bench_projections.py [--quick]

Stores come from ``gen_store.py`` (the real domain and application, a realistic mix; see
its docstring). For each backend, one run reports (issue 5, Performance):

- **rebuild**: what ``tracker rebuild`` runs (``projections.rebuild.rebuild``: the reset, then
  the projection's partitions in one worker process per CPU) over the big store, beside
  reading and decoding the very same notifications through the recorder alone, in one
  process (``select_notifications`` with the projector's topics + ``mapper.to_domain_event``).
  Target: at most 2x. The same rebuild in one process is reported beside it (``detail``).
- **briefing as of a date**: ``projections.replay.briefing`` for the busiest track at ten
  dates spread over its history, three times each; median and p95 at 10k events and at the
  big size. Target: at most 50 ms at 1M and at most 3x the 10k figure. With the default
  horizon (120 days) the 1M briefing shows more than the 10k one, whose whole history is five
  weeks (``most_engagements_shown``); the same measured with a 14-day horizon at both sizes
  shows as much at each, so that only the length of history differs.
- **peak memory of the rebuild**: the RSS high-water marks of the process that rebuilds and
  of its workers, added up (all it may have held at once), at two sizes. Target: at most
  300 MB, and flat as history grows.

Each measurement runs in a fresh child process (this file with ``--child``), so that one
cannot warm or bloat another. Full run: 10k, 100k and 1M events; ``--quick``: 10k, 40k and
100k (memory compared at 40k and 100k).
The PostgreSQL stores are generated the same way (same seed, same events) in a schema of
database ``test`` that is dropped afterwards; without a server those records say so.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import gen_store  # noqa: E402

REBUILD_RATIO = 2.0
ASOF_MS = 50.0
ASOF_RATIO = 3.0
PEAK_MB = 300.0
PEAK_GROWTH = 1.5  # "independent of history length": 10x the events, at most 1.5x the memory
DATES, REPEATS = 10, 3
#: A horizon shorter than the 10k store's history (five weeks), so that the briefing shows
#: as much at 10k as at 1M and only the length of history differs between the two.
WINDOW_DAYS = 14


# --------------------------------------------------------------------------- child side
def _open(url: str) -> tuple[Any, Any]:
    from tracker.application import TrackerApp
    from tracker.bootstrap import open_read_model
    from tracker.store import parse_store_url

    store = parse_store_url(url)
    env = store.event_store_env()
    return TrackerApp(env=env), open_read_model(store, env)


def _peak_mb() -> float:
    """This process's RSS high-water mark, MiB (``VmHWM``: ``ru_maxrss`` would carry the
    parent's peak over into this child, as Linux keeps it across fork and exec)."""
    from projections.rebuild import peak_rss_mb

    return peak_rss_mb()


def _child_read(url: str) -> dict[str, Any]:
    """Read and decode what the projector reads, nothing more (the baseline)."""
    from projections.projector import TOPICS

    app, _view = _open(url)
    started, position, events = time.perf_counter(), 0, 0
    while notes := app.recorder.select_notifications(
        start=position, limit=5000, topics=TOPICS, inclusive_of_start=False
    ):
        for n in notes:
            app.mapper.to_domain_event(n)
        events += len(notes)
        position = notes[-1].id
    return {"seconds": time.perf_counter() - started, "events": events, "peak_mb": _peak_mb()}


def _child_rebuild(url: str, processes: int | None = None) -> dict[str, Any]:
    """What ``tracker rebuild`` does: drop the projection, project the log again
    (:func:`projections.rebuild.rebuild`: its partitions in one worker process per CPU, or
    in this process with ``processes=1``)."""
    from projections.projector import BriefingProjector
    from projections.rebuild import rebuild

    app, view = _open(url)
    cpu = time.process_time()
    started = time.perf_counter()
    result = rebuild(BriefingProjector(app, view), url, processes=processes)
    seconds = time.perf_counter() - started
    workers = result.peak_rss_mb  # the workers' peaks together, when there were workers
    return {
        "seconds": seconds,
        "events": result.events,
        "batches": result.batches,
        "processes": processes or "one per CPU",
        # All the memory the rebuild held at once: this process and its workers.
        "peak_mb": _peak_mb() + (workers or 0.0),
        "parent_peak_mb": _peak_mb(),
        "workers_peak_mb": workers,
        "parent_cpu_seconds": time.process_time() - cpu,
        "rows": view.counts(),
    }


def _child_rebuild_in_process(url: str) -> dict[str, Any]:
    return _child_rebuild(url, processes=1)


def _child_asof(url: str, window_days: int | None = None) -> dict[str, Any]:
    """Latency of the briefing of the busiest track at dates spread over its history: with
    the default horizon, or with one of ``window_days``."""
    from projections.replay import DEFAULT_HORIZON, briefing

    horizon = DEFAULT_HORIZON if window_days is None else timedelta(days=window_days)

    _app, view = _open(url)
    busiest = view._select(
        "SELECT track, COUNT(*) AS n, MIN(published_at) AS first, MAX(published_at) AS last "
        "FROM tr_citations GROUP BY track ORDER BY n DESC, track LIMIT 1"
    )[0]
    first = datetime.fromisoformat(busiest["first"])
    last = datetime.fromisoformat(busiest["last"])
    # From a fifth into the history (something to show) to its end.
    dates = [first + (last - first) * (0.2 + 0.8 * i / (DATES - 1)) for i in range(DATES)]
    briefing(view, busiest["track"], as_of=dates[0], horizon=horizon)  # warm: not measured
    times, shown = [], 0
    for _ in range(REPEATS):
        for d in dates:
            started = time.perf_counter()
            doc = briefing(view, busiest["track"], as_of=d, horizon=horizon)
            times.append((time.perf_counter() - started) * 1000)
            shown = max(shown, len(doc["engagements"]))
    times.sort()
    return {
        "track": busiest["track"],
        "citations": busiest["n"],
        "median_ms": statistics.median(times),
        "p95_ms": times[max(0, round(0.95 * len(times)) - 1)],
        "most_engagements_shown": shown,
        "horizon_days": horizon.days,
    }


def _child_asof_window(url: str) -> dict[str, Any]:
    return _child_asof(url, WINDOW_DAYS)


CHILDREN = {
    "read": _child_read,
    "rebuild": _child_rebuild,
    "rebuild1": _child_rebuild_in_process,
    "asof": _child_asof,
    "asof_window": _child_asof_window,
}


def _child(what: str, url: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", what, url],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{what} on {url} failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


# --------------------------------------------------------------------------- parent side
def _record(
    name: str,
    value: float,
    unit: str,
    baseline: str,
    base: float,
    target: str,
    meets: bool,
    **detail: Any,
) -> dict[str, Any]:
    return {
        "name": name,
        "value": round(value, 3),
        "unit": unit,
        "baseline": baseline,
        "baseline_value": round(base, 3),
        "ratio": round(value / base, 3) if base else None,
        "target": target,
        "meets_target": meets,
        "detail": detail,
    }


def _progress(message: str) -> None:
    print(f"[projections] {message}", file=sys.stderr, flush=True)


def _stores(backend: str, sizes: list[int], stack: ExitStack) -> dict[int, str]:
    urls = {}
    for n in sizes:
        params = gen_store.Params(events=n)
        started = time.perf_counter()
        if backend == "sqlite":
            urls[n] = f"sqlite:///{gen_store.sqlite_store(params)}"
        else:
            urls[n] = stack.enter_context(gen_store.pg_store(params))
        _progress(f"{backend} store of {n} events ready in {time.perf_counter() - started:.0f} s")
    return urls


def _backend(backend: str, small: int, mid: int, big: int) -> list[dict[str, Any]]:
    label = {1_000_000: "1M", 100_000: "100k", 40_000: "40k", 10_000: "10k"}
    with ExitStack() as stack:
        urls = _stores(backend, sorted({small, mid, big}), stack)
        mix = gen_store.event_mix(urls[big])
        reads = [_child("read", urls[big]) for _ in range(2)]
        read = min(reads, key=lambda r: r["seconds"])
        rebuilt = _child("rebuild", urls[big])
        alone = _child("rebuild1", urls[big])
        _progress(
            f"{backend}: rebuild {rebuilt['seconds']:.1f} s (in one process "
            f"{alone['seconds']:.1f} s), read {read['seconds']:.1f} s"
        )
        smaller = {n: _child("rebuild", urls[n]) for n in {small, mid} - {big}}
        at_small, at_big = _child("asof", urls[small]), _child("asof", urls[big])
        win_small = _child("asof_window", urls[small])
        win_big = _child("asof_window", urls[big])
    rebuilt_mid = smaller.get(mid, rebuilt)
    size, size_mid = label.get(big, str(big)), label.get(mid, str(mid))
    shape = {"events_in_store": sum(mix.values()), "mix": mix}
    return [
        _record(
            f"projections.{backend}.rebuild_seconds_{size}",
            rebuilt["seconds"],
            "s",
            f"select_notifications + mapper.to_domain_event over the same "
            f"{read['events']} notifications (best of 2)",
            read["seconds"],
            f"<= {REBUILD_RATIO}x the baseline",
            rebuilt["seconds"] <= REBUILD_RATIO * read["seconds"],
            projected_events=rebuilt["events"],
            batches=rebuilt["batches"],
            cpus=os.cpu_count(),
            in_one_process_seconds=round(alone["seconds"], 3),
            in_one_process_ratio=round(alone["seconds"] / read["seconds"], 3),
            rows=rebuilt["rows"],
            **shape,
        ),
        *(
            _record(
                f"projections.{backend}.briefing_as_of{tag}_{stat}_ms_{size}",
                big_run[f"{stat}_ms"],
                "ms",
                f"{stat} of the same briefing at {label.get(small, small)} events{how}",
                small_run[f"{stat}_ms"],
                f"<= {ASOF_MS:.0f} ms and <= {ASOF_RATIO}x the baseline",
                big_run[f"{stat}_ms"] <= ASOF_MS
                and big_run[f"{stat}_ms"] <= ASOF_RATIO * small_run[f"{stat}_ms"],
                dates=DATES,
                repeats=REPEATS,
                big=big_run,
                small=small_run,
            )
            for tag, how, big_run, small_run in (
                ("", "", at_big, at_small),
                (
                    f"_{WINDOW_DAYS}d",
                    f" (horizon {WINDOW_DAYS} days at both sizes: as much shown, longer history)",
                    win_big,
                    win_small,
                ),
            )
            for stat in ("median", "p95")
        ),
        _record(
            f"projections.{backend}.rebuild_peak_rss_mb_{size}",
            rebuilt["peak_mb"],
            "MiB",
            f"peak RSS of the same rebuild at {size_mid} events",
            rebuilt_mid["peak_mb"],
            f"<= {PEAK_MB:.0f} MiB and <= {PEAK_GROWTH}x the smaller history",
            rebuilt["peak_mb"] <= PEAK_MB
            and rebuilt["peak_mb"] <= PEAK_GROWTH * rebuilt_mid["peak_mb"],
            reading_alone_peak_mb=round(read["peak_mb"], 1),
            parent_peak_mb=round(rebuilt["parent_peak_mb"], 1),
            workers_peak_mb=rebuilt["workers_peak_mb"],
            in_one_process_peak_mb=round(alone["peak_mb"], 1),
        ),
    ]


def _pg_reachable() -> str | None:
    try:
        import psycopg

        with psycopg.connect(gen_store.PG_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return None
    except Exception as exc:  # any failure means "not here"
        return f"{type(exc).__name__}: {exc}"


def run(quick: bool) -> list[dict[str, Any]]:
    """Benchmark records (DESIGN.md contract) for both backends."""
    # Memory is compared at two sizes where batches are full (a 10k store is one batch).
    small, mid, big = (10_000, 40_000, 100_000) if quick else (10_000, 100_000, 1_000_000)
    records = _backend("sqlite", small, mid, big)
    problem = _pg_reachable()
    if problem is None:
        records += _backend("postgres", small, mid, big)
    else:
        records.append(
            {"name": "projections.postgres.error", "error": problem, "meets_target": False}
        )
    return records


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(CHILDREN[sys.argv[2]](sys.argv[3])))
        sys.exit(0)
    quick = "--quick" in sys.argv[1:]
    machine = {"python": platform.python_version(), "cpus": os.cpu_count()}
    print(json.dumps({"benchmarks": run(quick), "machine": machine}, indent=2))
