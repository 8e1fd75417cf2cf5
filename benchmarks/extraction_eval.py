"""Score the extractor against the hand-labelled real entries in tests/data/extraction/.

    python benchmarks/extraction_eval.py            # JSON: dev and heldout figures
    python benchmarks/extraction_eval.py --errors   # also list dev mistakes on stderr
    python benchmarks/extraction_eval.py --agreement FILE  # a second reader against ours

Matching (tests/data/extraction/GUIDE.md): per entry, predicted and gold claims of the same type
and negation are paired greedily by slot agreement; a pair is a true positive, an unpaired
prediction a false positive, an unpaired gold claim a false negative. Slot accuracy is over
paired claims whose gold slot is filled. ``--errors`` never prints held-out entries: rules are
tuned on dev only.

Each split's micro-F1 comes with a 95 % interval (``f1_ci95``): a percentile bootstrap over
the split's entries (1,000 resamples, fixed seed, so a rerun prints the same). The
held-out split has few gold claims; the interval says how far its figure can be trusted.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from tracker.extract import EXTRACTOR_VERSION, extract
from tracker.values import ClaimType, EntryText, utc

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "extraction"
SLOTS = ("parties", "venue", "date", "party", "party_level")


def load(data_dir: Path = DATA) -> list[dict[str, Any]]:
    """Pool entries joined with their labels (every pool entry has a label line)."""
    labels = {}
    for line in (data_dir / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        labels[row["id"]] = row["claims"]
    rows = []
    for line in (data_dir / "pool.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        row["gold"] = labels[row["id"]]
        rows.append(row)
    return rows


def entry_of(row: dict[str, Any]) -> EntryText:
    published = utc(datetime.fromisoformat(row["published"].replace("Z", "+00:00")))
    return EntryText(
        row["title"], row["summary"], published, row.get("link"), row["source"], row["id"]
    )


def _venue_ok(gold: str, pred: str | None) -> bool:
    if not pred:
        return False
    g, p = gold.lower().strip(), pred.lower().strip()
    return g == p or g in p or p in g


def _affinity(gold: dict[str, Any], pred: dict[str, Any]) -> float:
    score = 0.0
    gp, pp = set(gold.get("parties") or []), set(pred.get("parties") or [])
    if gp or pp:
        score += len(gp & pp) / max(len(gp | pp), 1)
    if gold.get("party") and gold.get("party") == pred.get("party"):
        score += 1
    if gold.get("venue") and _venue_ok(gold["venue"], pred.get("venue")):
        score += 0.5
    return score


def pair(
    gold: list[dict[str, Any]], pred: list[dict[str, Any]]
) -> tuple[list[tuple[dict, dict]], list[dict], list[dict]]:
    """Greedy pairing of same-type, same-negation claims: (pairs, unpaired gold, unpaired pred)."""
    candidates = []
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            if g["type"] == p["type"] and bool(g.get("negated")) == bool(p.get("negated")):
                candidates.append((_affinity(g, p), i, j))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_g, used_p, pairs = set(), set(), []
    for _, i, j in candidates:
        if i in used_g or j in used_p:
            continue
        used_g.add(i)
        used_p.add(j)
        pairs.append((gold[i], pred[j]))
    return (
        pairs,
        [g for i, g in enumerate(gold) if i not in used_g],
        [p for j, p in enumerate(pred) if j not in used_p],
    )


def _slot_checks(g: dict[str, Any], p: dict[str, Any]) -> Iterable[tuple[str, bool]]:
    if g.get("parties"):
        yield "parties", set(g["parties"]) == set(p.get("parties") or [])
    if g.get("venue"):
        yield "venue", _venue_ok(g["venue"], p.get("venue"))
    if g.get("date"):
        yield (
            "date",
            g["date"] == p.get("date") and g.get("date_precision") == p.get("date_precision"),
        )
    if g.get("party"):
        yield "party", g["party"] == p.get("party")
    if g["type"] == "delegation_announced" and g.get("level"):
        yield "party_level", g.get("party") == p.get("party") and g["level"] == p.get("level")


def _f1(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(f1, 3),
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def micro_f1_interval(
    per_entry: Sequence[tuple[int, int, int]], resamples: int = 1000, seed: int = 20261125
) -> list[float]:
    """95 % percentile-bootstrap interval of micro-F1 from each entry's (tp, fp, fn)."""
    if not per_entry:
        return [0.0, 0.0]
    rng = random.Random(seed)
    n = len(per_entry)
    scores = []
    for _ in range(resamples):
        tp = fp = fn = 0
        for a, b, c in rng.choices(per_entry, k=n):
            tp, fp, fn = tp + a, fp + b, fn + c
        scores.append(float(_f1(tp, fp, fn)["f1"]))
    scores.sort()
    return [scores[int(0.025 * resamples)], scores[int(0.975 * resamples) - 1]]


def extracted(row: dict[str, Any]) -> list[dict[str, Any]]:
    """The extractor's claims for a labelled row, as label-shaped JSON."""
    return [c.to_json() for c in extract(entry_of(row))]


def evaluate(
    rows: list[dict[str, Any]],
    errors: list[str] | None = None,
    predict: Callable[[dict[str, Any]], list[dict[str, Any]]] = extracted,
) -> dict[str, Any]:
    """Score ``predict`` (default: the extractor) against each row's ``gold`` claims."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    slots: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_entry: list[tuple[int, int, int]] = []
    for row in rows:
        pred = predict(row)
        pairs, missed, spurious = pair(row["gold"], pred)
        per_entry.append((len(pairs), len(spurious), len(missed)))
        for g, p in pairs:
            counts[g["type"]][0] += 1
            for slot, ok in _slot_checks(g, p):
                slots[slot][0] += int(ok)
                slots[slot][1] += 1
                if not ok and errors is not None:
                    errors.append(f"SLOT {slot} {row['id']}: gold={g} pred={_short(p)}")
        for p in spurious:
            counts[p["type"]][1] += 1
            if errors is not None:
                errors.append(
                    f"FP {row['id']}: {_short(p)} | {row['title'][:90]} || {row['summary'][:160]}"
                )
        for g in missed:
            counts[g["type"]][2] += 1
            if errors is not None:
                errors.append(
                    f"FN {row['id']}: {g} | {row['title'][:90]} || {row['summary'][:160]}"
                )
    per_type = {t.value: _f1(*counts[t.value]) for t in ClaimType if any(counts[t.value])}
    total = [sum(c[k] for c in counts.values()) for k in range(3)]
    with_gold = [v for t, v in per_type.items() if counts[t][0] + counts[t][2]]
    return {
        "entries": len(rows),
        "entries_with_events": sum(1 for r in rows if r["gold"]),
        "gold_claims": sum(len(r["gold"]) for r in rows),
        "micro": {**_f1(*total), "f1_ci95": micro_f1_interval(per_entry)},
        "macro_f1": round(sum(v["f1"] for v in with_gold) / len(with_gold), 3)
        if with_gold
        else 0.0,
        "per_type": per_type,
        "slot_accuracy": {
            s: {
                "accuracy": round(slots[s][0] / slots[s][1], 3) if slots[s][1] else None,
                "n": slots[s][1],
            }
            for s in SLOTS
        },
    }


def _short(c: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v
        for k, v in c.items()
        if v not in (None, [], False, "unknown")
        and k not in ("evidence", "stance", "evidence_field", "confidence")
    }


def run(show_errors: bool = False) -> dict[str, Any]:
    rows = load()
    errors: list[str] | None = [] if show_errors else None
    dev = evaluate([r for r in rows if r["split"] == "dev"], errors)
    heldout = evaluate([r for r in rows if r["split"] == "heldout"])
    if errors:
        print("\n".join(errors), file=sys.stderr)
    by_source: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        by_source[r["source"]][r["split"]] += 1
    return {
        "extractor_version": EXTRACTOR_VERSION,
        "labelled_entries": {s: dict(v) for s, v in by_source.items()},
        "dev": dev,
        "heldout": heldout,
    }


def agreement(second: Path) -> dict[str, Any]:
    """How far a second reader's labels of some pool entries agree with ``labels.jsonl``.

    Per split, over the entries the second reader labelled: the second reader scored
    against the first exactly as the extractor is (micro-F1 is symmetric in the two), and
    the extractor scored against each reader on the same entries.
    """
    theirs: dict[str, list[dict[str, Any]]] = {}
    for line in second.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        theirs[row["id"]] = row["claims"]
    out: dict[str, Any] = {"second_reader": str(second)}
    for split in ("dev", "heldout"):
        rows = [r for r in load() if r["split"] == split and r["id"] in theirs]
        if not rows:
            continue
        as_second = [{**r, "gold": theirs[r["id"]]} for r in rows]
        out[split] = {
            "entries": len(rows),
            "second_vs_first": _headline(evaluate(rows, predict=lambda r: theirs[r["id"]])),
            "extractor_vs_first": _headline(evaluate(rows)),
            "extractor_vs_second": _headline(evaluate(as_second)),
        }
    return out


def _headline(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "gold_claims": result["gold_claims"],
        "micro": result["micro"],
        "per_type_f1": {t: v["f1"] for t, v in result["per_type"].items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list dev mistakes on stderr")
    parser.add_argument(
        "--agreement",
        type=Path,
        metavar="LABELS",
        help="instead, compare a second reader's labels (labels.jsonl shape) with ours",
    )
    args = parser.parse_args(argv)
    print(json.dumps(agreement(args.agreement) if args.agreement else run(args.errors), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
