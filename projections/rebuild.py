"""Rebuilding the briefing projection from the log: its partitions in parallel processes.

A rebuild is CPU-bound pure Python (decoding and folding; the database waits on it), and one
process cannot use a second core. The projection is kept in partitions that never write the
same row (:mod:`projections.projector`), so :func:`rebuild` resets the read model and runs
each partition in a process of its own, started with ``spawn`` (no connection, lock or
thread of the parent is inherited): every worker opens its own connections from the store
URL, reads the log, decodes and folds only its share, and commits its batches with its own
tracking position. On SQLite two writers take turns for the file lock, each for one batch's
commit, under the store's busy timeout (30 s unless the URL says otherwise); on PostgreSQL
they write different rows and never wait on each other.

The parent follows the workers' tracking positions for the progress bar, and when they are
done summarises across partitions what only the latest event of all makes quiet
(:func:`projections.projector.combine`), as the in-process catch-up does: both ways end with
the same rows.

A worker that fails or dies stops the rebuild (the others are stopped too) with a
:class:`RebuildError`; every batch committed before that stays, and the next catch-up (any
command that reads the briefing) carries each partition on from its own position.
With one CPU there is nothing to gain: the partitions are caught up in-process, one after
the other.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from projections.projector import (
    BATCH,
    BriefingProjector,
    CatchUpResult,
    PartitionProjector,
    combine,
)
from projections.views import PARTITIONS
from tracker.application import TrackerApp
from tracker.errors import TrackerError

#: Seconds between two looks at the workers' positions (the progress bar's refresh).
POLL_S = 0.25


class RebuildError(TrackerError):
    """A rebuild worker failed or died; what it committed is kept and carried on from."""


def available_cpus() -> int:
    """CPUs this process may run on (its affinity, where the platform tells)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def rebuild(
    projector: BriefingProjector,
    store_url: str,
    *,
    processes: int | None = None,
    batch_size: int = BATCH,
    progress: Callable[[int], None] | None = None,
) -> CatchUpResult:
    """Drop the briefing projection and project the whole log again.

    Args:
        projector: the projection, on the store at ``store_url`` (it forgets what it kept
            in memory: the rows it was about are gone).
        store_url: where the store is; each worker opens its own connections to it.
        processes: how many worker processes (default: one per partition, at most one per
            CPU); 1 catches the partitions up in this process, one after the other.
        batch_size: notifications per batch (and per transaction).
        progress: called every ``POLL_S`` or so (after each batch in-process) with how far
            the rebuild got, as a log position: the mean of the partitions' positions.

    Raises:
        RebuildError: a worker failed or died (the others are stopped; committed batches
            stay and the next catch-up carries on from them).
    """

    def reset() -> None:
        projector.view.reset()
        projector.forget()

    return project_partitions(
        projector,
        store_url,
        processes=processes,
        batch_size=batch_size,
        progress=progress,
        first=reset,
    )


def project_partitions(
    projector: BriefingProjector,
    store_url: str,
    *,
    processes: int | None = None,
    batch_size: int = BATCH,
    progress: Callable[[int], None] | None = None,
    first: Callable[[], None] | None = None,
) -> CatchUpResult:
    """Catch every partition up from its own position, in parallel processes when it pays.

    :func:`rebuild` without the reset (see there for the arguments). ``first`` runs before
    any partition is read: in this process while the workers start (a new Python process
    takes a few tenths of a second to import the tracker; the reset takes as long).

    Raises:
        RebuildError: a worker failed or died.
    """
    workers = min(len(projector.partitions), processes or available_cpus())

    def report() -> None:
        if progress is not None:
            positions = projector.positions()
            progress(sum(positions) // len(positions))

    if workers <= 1:
        if first is not None:
            first()
        return projector.catch_up(batch_size=batch_size, progress=lambda _n: report())
    # Worker k projects partitions k, k + workers, ... (one each when there are as many
    # workers as partitions). The workers move the read model: this process's memory of it
    # is stale from here on, whatever happens.
    projector.forget()
    count = len(projector.partitions)
    shares = [list(range(k, count, workers)) for k in range(workers)]
    try:
        done = _run_workers(store_url, count, shares, batch_size, report, first)
    finally:
        projector.forget()
    return combine(projector.view, done)


def _run_workers(
    store_url: str,
    partitions: int,
    shares: list[list[int]],
    batch_size: int,
    report: Callable[[], None],
    first: Callable[[], None] | None = None,
) -> list[CatchUpResult]:
    ctx = multiprocessing.get_context("spawn")
    go = ctx.Event()  # set once ``first`` is done: the workers wait for it before reading
    running: dict[Any, tuple[Any, list[int]]] = {}  # result pipe -> (process, partitions)
    done: list[CatchUpResult] = []
    try:
        for share in shares:
            receive, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(
                target=_worker,
                args=(store_url, partitions, share, batch_size, send, go),
                name=f"tracker-rebuild-{'-'.join(map(str, share))}",
                daemon=True,
            )
            proc.start()
            send.close()  # the worker's end: EOF here once it has exited
            running[receive] = (proc, share)
        if first is not None:
            first()
        go.set()
        while running:
            for ready in wait(list(running), timeout=POLL_S):
                proc, share = running.pop(ready)
                outcome = _receive(ready)  # type: ignore[arg-type]
                proc.join()
                if outcome is None or isinstance(outcome, str):
                    why = outcome or f"exit code {proc.exitcode}"
                    raise RebuildError(
                        f"rebuilding briefing partition(s) {share} failed ({why}); what was "
                        "projected is kept, the next catch-up carries on from there"
                    )
                done.extend(outcome)
            report()
    finally:
        for proc, _share in running.values():
            proc.terminate()
        for proc, _share in running.values():
            proc.join()
    return done


def _receive(pipe: Connection) -> list[CatchUpResult] | str | None:
    """The worker's results, its error message, or None when it died without a word."""
    try:
        return pipe.recv()  # type: ignore[no-any-return]
    except (EOFError, OSError):
        return None
    finally:
        pipe.close()


def _worker(
    store_url: str,
    partitions: int,
    share: list[int],
    batch_size: int,
    send: Connection,
    go: Any,
) -> None:
    """A worker process: catch its partitions up, send back the results (or why not).

    It waits for ``go`` first (the parent resets the read model meanwhile), and gives up if
    the parent dies before saying so.
    """
    while not go.wait(POLL_S):
        if not _parent_alive():
            return
    try:
        results = [
            run_partition(store_url, part, partitions, batch_size=batch_size) for part in share
        ]
    except BaseException as exc:
        send.send(f"{type(exc).__name__}: {exc}")
        send.close()
        raise
    # One high-water mark per process: the workers' are added up for the rebuild's.
    for later in results[1:]:
        later.peak_rss_mb = None
    if results:
        results[0].peak_rss_mb = peak_rss_mb()
    send.send(results)
    send.close()


def _parent_alive() -> bool:
    parent = multiprocessing.parent_process()
    return parent is None or parent.is_alive()


def run_partition(
    store_url: str,
    part: int,
    partitions: int = PARTITIONS,
    *,
    batch_size: int = BATCH,
    until: int | None = None,
) -> CatchUpResult:
    """Catch one partition up in this process, on connections of its own to the store.

    The store must have been opened before (its tables exist); its read model is not
    checked for another layout here (``SqlReadModel.create_table``).
    """
    from tracker.bootstrap import open_read_model
    from tracker.store import parse_store_url

    store = parse_store_url(store_url)
    # The tables are there (whoever started this opened the store): no DDL here. Two
    # workers creating "IF NOT EXISTS" at once collide in PostgreSQL's catalogue.
    env = {**store.event_store_env(), "CREATE_TABLE": "no"}
    app = TrackerApp(env=env)
    view = open_read_model(store, env)
    try:
        projector = PartitionProjector(app, view, part, partitions)
        result = projector.catch_up(batch_size=batch_size, until=until)
    finally:
        app.close()
        for closable in (view, getattr(view, "datastore", None)):
            close = getattr(closable, "close", None)
            if close is not None:
                close()
    result.peak_rss_mb = peak_rss_mb()
    return result


def peak_rss_mb() -> float:
    """This process's RSS high-water mark, MiB (``VmHWM``: of this address space only)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
