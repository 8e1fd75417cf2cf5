"""``tracker rebuild``: the briefing's partitions projected again by parallel worker processes.

The demo storyline (four feeds, retractions, late reports, a dozen engagements) is polled into
a real store on each backend; the projection the polls kept up incrementally is then dropped
and rebuilt, by spawned workers and in one process, and every row of every table must come
back the same. The partitions must split the log the way Python's ``partition_of`` says
(each database computes it from the stored ids), a worker that fails must stop the rebuild
with a clear error and lose nothing, and a read model made by the unpartitioned version is
dropped and rebuilt when opened.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from eventsourcing.persistence import Tracking

from projections.projector import TOPICS, BriefingProjector
from projections.rebuild import RebuildError, rebuild
from projections.replay import briefing
from projections.views import BRIEFING, PARTITIONS, Batch, partition_of, tracking_name
from tracker.bootstrap import make_tracker

from demo_check import replay
from support import at, config
from test_cli import tracker as cli

#: Every projected table (tr_meta holds the layout; tracking positions are compared apart).
TABLES = (
    "tr_heads",
    "tr_versions",
    "tr_changes",
    "tr_citations",
    "tr_tracks",
    "tr_items",
    "tr_summaries",
    "tr_feeds",
)


@pytest.fixture
def demo(store_url: str) -> Any:
    run = replay(store_url)
    yield run
    run.close()


def _rows(view: Any) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    for table in TABLES:
        rows = [tuple(map(str, r.values())) for r in view._select(f"SELECT * FROM {table}")]
        out[table] = sorted(rows)
    return out


def _rebuilt(t: Any, store_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of a rebuild in this process. (The incremental catch-ups may leave some
    evidence summaries marked stale that a rebuild has summarised: a cache, read through
    to the citations, so the briefings agree; the rows need not.)"""
    rebuild(t.projector, store_url, processes=1)
    return _rows(t.view)


def _briefings(view: Any) -> list[dict[str, Any]]:
    return [
        briefing(view, "russia-ukraine", as_of=at(when), horizon=None)
        for when in ("2025-05-12", "2025-05-17", "2025-06-03", "2025-08-16")
    ]


def test_a_parallel_rebuild_gives_the_rows_of_a_rebuild_in_one_process(demo, store_url):
    t = demo.tracker
    assert _rows(t.view)["tr_citations"]  # the demo projected something
    briefings = _briefings(t.view)

    alone = rebuild(t.projector, store_url, processes=1)
    in_one_process = _rows(t.view)
    assert alone.peak_rss_mb is None  # no workers

    parallel = rebuild(t.projector, store_url, processes=2)
    assert _rows(t.view) == in_one_process
    assert parallel.events == alone.events > 0
    assert parallel.position == alone.position == t.app.max_notification_id()
    assert parallel.peak_rss_mb is not None and parallel.peak_rss_mb > 0
    # What the polls kept up, batch by batch, is what a rebuild makes of the whole log.
    assert _briefings(t.view) == briefings
    assert t.projector.positions() == [t.app.max_notification_id()] * PARTITIONS


def test_each_partition_reads_the_share_python_assigns_and_together_the_whole_log(demo):
    t = demo.tracker
    table = t.app.recorder.events_table_name
    end = t.app.max_notification_id()
    every = t.view.notifications(table, 0, end, 10**6, TOPICS)
    assert len(every) > 100
    shares = [
        t.view.notifications(table, 0, end, 10**6, TOPICS, part, PARTITIONS)
        for part in range(PARTITIONS)
    ]
    for part, share in enumerate(shares):
        assert share, f"partition {part} got nothing: the split is not spread"
        assert {partition_of(n.originator_id) for n in share} == {part}
    together = sorted(n.id for share in shares for n in share)
    assert together == [n.id for n in every]
    # The recorder's own listing agrees (same ids, same states).
    listed = t.app.recorder.select_notifications(start=0, limit=10**6, topics=TOPICS)
    assert [(n.id, n.state) for n in listed] == [(n.id, bytes(n.state)) for n in every]


def test_partition_of_takes_a_uuid_or_its_text_and_is_stable():
    import uuid

    ids = [uuid.uuid5(uuid.NAMESPACE_URL, f"https://example.org/{i}") for i in range(400)]
    parts = [partition_of(i, 2) for i in ids]
    assert parts == [partition_of(str(i), 2) for i in ids]
    assert parts == [i.int % 2 for i in ids]
    assert 150 < sum(parts) < 250  # spread
    assert {partition_of(i, 1) for i in ids} == {0}


def test_a_failing_worker_stops_the_rebuild_clearly_and_the_next_catch_up_finishes(
    demo, store_url, tmp_path
):
    t = demo.tracker
    before = _rebuilt(t, store_url)
    # The workers open the store from its URL: one they cannot open makes both fail.
    broken = f"sqlite:///{tmp_path}/no-such-dir/store.db"
    with pytest.raises(RebuildError, match=r"partition\(s\) \[\d\] failed"):
        rebuild(t.projector, broken, processes=2)
    assert t.projector.position() == 0  # dropped, nothing projected yet
    result = t.projector.catch_up()
    assert result.position == t.app.max_notification_id()
    assert _rows(t.view) == before


def test_a_rebuild_with_one_partition_caught_up_halfway_carries_both_to_the_end(demo, store_url):
    """A partition ahead of the other (a rebuild stopped halfway) is caught up from where
    it is: each from its own position, never twice over the same events.

    Which quiet engagements have their evidence summarised may differ (each catch-up
    summarises against the latest event it folded): a cache the briefing reads through, so
    the rows are compared without it, and the briefings in full."""
    t = demo.tracker
    before = _rebuilt(t, store_url)
    briefings = _briefings(t.view)
    t.view.reset()
    t.projector.forget()
    half = t.app.max_notification_id() // 2
    first = t.projector.partitions[0].catch_up(until=half)
    assert first.position == half
    assert t.projector.positions() == [half, 0]
    rest = t.projector.catch_up()
    assert t.projector.positions() == [t.app.max_notification_id()] * PARTITIONS
    assert first.events + rest.events == t.projector.catch_up().events + len(
        t.view.notifications(t.app.recorder.events_table_name, 0, 10**9, 10**6, TOPICS)
    )
    after = _rows(t.view)
    del after["tr_summaries"], before["tr_summaries"]
    assert after == before
    assert _briefings(t.view) == briefings


def test_a_read_model_of_the_unpartitioned_layout_is_dropped_and_rebuilt(demo, store_url, caplog):
    t = demo.tracker
    before = _rebuilt(t, store_url)
    # What the previous version left: layout schema 2, one tracking row for the briefing.
    with t.view._txn(commit=True) as c:
        t.view._exec(c, "DELETE FROM tr_meta")
        t.view._exec(c, "INSERT INTO tr_meta VALUES ('schema', '2')")
    t.view.write(Batch(), Tracking(BRIEFING, t.app.max_notification_id()))
    t.close()
    with caplog.at_level(logging.WARNING, logger="projections"):
        again = make_tracker(config(), store_url)
    try:
        assert "schema 2 with 1 briefing partition(s)" in caplog.text
        assert again.view.max_tracking_id(BRIEFING) is None
        assert again.projector.positions() == [0] * PARTITIONS
        again.catch_up()
        assert _rows(again.view) == before
        assert again.view.max_tracking_id(tracking_name(0)) == again.app.max_notification_id()
    finally:
        again.close()


def test_the_projector_refuses_a_partition_outside_its_range(demo):
    from projections.projector import PartitionProjector

    with pytest.raises(ValueError, match="partition 2 of 2"):
        PartitionProjector(demo.tracker.app, demo.tracker.view, 2, 2)
    assert len(BriefingProjector(demo.tracker.app, demo.tracker.view, 3).partitions) == 3


@pytest.mark.parametrize("processes", [[], ["-j", "1"], ["--processes", "2"]])
def test_the_rebuild_command_gives_back_the_same_briefing(tmp_path, processes):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert cli("demo", "--store", url, cwd=tmp_path).returncode == 0
    show = ["--store", url, "briefing", "--as-of", "2025-06-03", "--format", "json"]
    before = cli(*show, cwd=tmp_path)
    assert before.returncode == 0, before.stderr

    done = cli("--store", url, "rebuild", *processes, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"Rebuilt from \d+ events \(position \d+\)\.\n", done.stdout)
    assert int(done.stdout.split()[2]) > 100
    after = cli(*show, cwd=tmp_path)
    assert json.loads(after.stdout) == json.loads(before.stdout)


def test_the_rebuild_command_refuses_zero_processes(tmp_path):
    done = cli("--store", f"sqlite:///{tmp_path / 'x.db'}", "rebuild", "-j", "0", cwd=tmp_path)
    assert done.returncode == 2
    assert "--processes" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.postgres
def test_postgres_bulk_inserts_into_one_table_twice_in_a_transaction_write_each_row_once(
    pg_store_url,
):
    """Big inserts go through a stage table that the commit empties; a second one for the
    same table in the same transaction must not carry the first one's rows again."""
    t = make_tracker(config(), pg_store_url)
    try:
        view = t.view
        sql = "INSERT INTO tr_changes VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"

        def rows(first: int) -> list[tuple[Any, ...]]:
            at_ = "2025-05-12T00:00:00.000000Z"
            return [
                ("e", n, "t", "status", "null", "null", None, at_, at_, None, None, "news")
                for n in range(first, first + 60)  # above COPY_FROM: through the stage
            ]

        with view._batch_txn() as c:
            view._many(c, sql, rows(0))
            view._many(c, sql, rows(60))  # a duplicate key would fail here
        with view._batch_txn() as c:  # a new transaction: the commit emptied the stage
            view._many(c, sql, rows(120))
        found = view._select("SELECT n FROM tr_changes WHERE engagement_id = 'e' ORDER BY n")
        assert [r["n"] for r in found] == list(range(180))
    finally:
        t.close()


@pytest.mark.postgres
def test_postgres_read_model_transactions_run_without_the_jit_compiler(pg_store_url):
    """The planner prices a batch's read of the log above ``jit_above_cost`` (it cannot tell
    that the partition test keeps half the rows) and compiling costs more than the query:
    every read-model transaction turns the JIT off, and only for itself."""
    t = make_tracker(config(), pg_store_url)
    try:
        view = t.view
        with view.reading():
            assert view._select("SHOW jit") == [{"jit": "off"}]
        with view._batch_txn() as c:
            c.execute("SHOW jit")
            assert c.fetchall() == [{"jit": "off"}]
        with view.datastore.transaction(commit=False) as c:  # SET LOCAL: gone after commit
            c.execute(
                "SELECT current_setting('jit') AS now, reset_val FROM pg_settings "
                "WHERE name = 'jit'"
            )
            row = c.fetchall()[0]
            assert row["now"] == row["reset_val"]
    finally:
        t.close()
