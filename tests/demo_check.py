"""Replay the recorded demo storyline and compare the tracker's conclusions with expected.yaml.

``python tests/demo_check.py`` prints every mismatch (a development aid); tests/test_demo.py
asserts on them. expected.yaml was written by the team from the public facts, independently
of the extractor and the engagement rules, with its own comparison rules (see its header).
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from projections.replay import briefing
from tracker.bootstrap import Tracker, make_tracker
from tracker.demo import DEMO_DIR, _DemoClock, _Server, demo_config, load_storyline


@dataclass
class DemoRun:
    tracker: Tracker
    step_times: list[datetime]
    alerts_after_step: list[int] = field(default_factory=list)
    new_after_step: list[int] = field(default_factory=list)
    server: Any = None

    def close(self) -> None:
        if self.server is not None:
            self.server.__exit__(None, None, None)
        self.tracker.close()


def replay(store_url: str) -> DemoRun:
    """Poll every step of the storyline into ``store_url``; returns the open tracker."""
    story = load_storyline()
    clock = _DemoClock(story.steps[0].at)
    server = _Server(story).__enter__()
    tracker = make_tracker(demo_config(story, server.base), store_url, clock=clock)
    tracker.recording_clock = clock
    run = DemoRun(tracker, [s.at for s in story.steps], server=server)
    try:
        raised = 0
        for step in story.steps:
            clock.now = step.at
            server.serve(story, step)
            report = tracker.poll()
            tracker.catch_up()
            raised += tracker.process_alerts(deliver=False)
            run.alerts_after_step.append(raised)
            run.new_after_step.append(report.new)
    except BaseException:
        run.close()
        raise
    return run


def expected() -> dict[str, Any]:
    return yaml.safe_load((DEMO_DIR / "expected.yaml").read_text(encoding="utf-8"))


def _venue_ok(venue: str | None, accepted: list[str]) -> bool:
    return venue is not None and venue.lower() in {a.lower() for a in accepted}


def _find(doc: dict[str, Any], want: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """The engagement of ``doc`` that best matches ``want`` (kind, parties, date, venue)."""
    best, best_score = None, -1
    for e in doc["engagements"] + [
        {**r, "status": "rumored", "delegations": [], "expected": []}
        for r in doc["rumours"]
        if r["engagement_status"] == "rumored"
    ]:
        if e["kind"] != want["kind"] or not set(want["parties"]) <= set(e["parties"]):
            continue
        score = 1
        score += 4 if want.get("date") and e.get("date") == want["date"] else 0
        score += 2 if want.get("venue") and _venue_ok(e.get("venue"), want["venue"]) else 0
        score += 1 if e.get("status") == want.get("status") else 0
        if score > best_score:
            best, best_score = e, score
    return best, "" if best else f"no {want['kind']} among {sorted(want['parties'])}"


def check_engagement(got: dict[str, Any] | None, want: dict[str, Any]) -> list[str]:
    if got is None:
        return ["missing"]
    out = []
    for k in ("status", "date", "date_precision"):
        if k in want and got.get(k) != want[k]:
            out.append(f"{k}: {got.get(k)!r} != {want[k]!r}")
    if "venue" in want and not _venue_ok(got.get("venue"), want["venue"]):
        out.append(f"venue: {got.get('venue')!r} not in {want['venue']}")
    heads = {d["party"]: d for d in got.get("delegations", [])}
    expected_heads = {x["party"]: x for x in got.get("expected", []) if not x["sent"]}
    for d in want.get("delegations", []):
        if d.get("expected"):
            x = expected_heads.get(d["party"]) or heads.get(d["party"])
            if x is None or x["level"] != d["level"]:
                out.append(f"expected {d['party']} {d['head']} ({d['level']}) not shown")
            continue
        h = heads.get(d["party"])
        if h is None:
            out.append(f"delegation {d['party']} missing (want {d['head']})")
            continue
        if h["head"] != d["head"] or h["level"] != d["level"]:
            out.append(
                f"delegation {d['party']}: {h['head']}/{h['level']} != {d['head']}/{d['level']}"
            )
        elif d.get("head_title") and (h["head_title"] or "").lower() not in d["head_title"]:
            out.append(f"delegation {d['party']} title {h['head_title']!r}")
    for c in want.get("conflicts", []) or []:
        values = {v for x in got.get("conflicts", []) for v in [y["value"] for y in x["values"]]}
        if not set(c["values"]) <= values:
            out.append(f"conflict {c['values']} not shown")
    if want.get("conflicts") == [] and got.get("conflicts"):
        out.append(f"unexpected conflicts {got['conflicts']}")
    return out


def check(run: DemoRun) -> list[str]:
    """Every mismatch between the run and expected.yaml, as readable lines."""
    exp = expected()
    problems: list[str] = []
    # Later checkpoints may name an engagement by key only: inherit what earlier ones said.
    known: dict[str, dict[str, Any]] = {}
    for cp in [*exp["checkpoints"], exp["final"]]:
        for want in cp.get("engagements", []):
            base = known.get(want["key"], {})
            merged = {k: v for k, v in base.items() if k in ("kind", "parties", "venue")}
            merged.update(want)
            known[want["key"]] = merged
            want.update(merged)
    t = run.tracker
    for cp in [*exp["checkpoints"], exp["final"]]:
        step = cp["after_step"]
        when = run.step_times[step - 1]
        doc = briefing(t.view, exp["track"], as_of=when, now=when)
        for want in cp.get("engagements", []):
            got, why = _find(doc, want)
            for p in [why] if why else check_engagement(got, want):
                problems.append(f"step {step} {want['key']}: {p}")
        for r in cp.get("rumours", []):
            match = [
                x
                for x in doc["rumours"]
                if set(r["parties"]) <= set(x["parties"]) and x["status"] == r["status"]
            ]
            if not match:
                problems.append(
                    f"step {step} rumour {r['parties']} {r['status']} missing "
                    f"(have {[(x['parties'], x['status']) for x in doc['rumours']]})"
                )
        if "alerts_so_far" in cp and run.alerts_after_step[step - 1] != cp["alerts_so_far"]:
            problems.append(
                f"step {step}: {run.alerts_after_step[step - 1]} alert(s), "
                f"want {cp['alerts_so_far']}"
            )
    final = briefing(t.view, exp["track"], as_of=run.step_times[-1], now=run.step_times[-1])
    for absent in exp.get("absent", []):
        parties = set(absent.get("parties", []))
        if any(parties and parties <= set(e["parties"]) for e in final["engagements"]):
            problems.append(f"absent diplomacy present: {absent}")
    return problems


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        result = replay(f"sqlite:///{Path(tmp) / 'demo.db'}")
        found = check(result)
        print("\n".join(found) or "all checkpoints hold")
        print(f"{len(found)} problem(s)", file=sys.stderr)
        result.close()
