"""Checks on the recorded storyline that ``tracker demo`` replays (tracker/demo/).

The demo data are hand-written feed snapshots plus two YAML files: ``storyline.yaml`` (what
to serve at each poll) and ``expected.yaml`` (what a correct tracker concludes, and the
quirks the snapshots contain on purpose). These tests check the files against each other
and against what a real publisher's feed would look like, so that a later edit cannot
quietly break the demo: a pubDate in the future of its poll, a carried-over entry whose
bytes change, a declared quirk that is no longer there.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from calendar import timegm
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from functools import cache
from pathlib import Path
from typing import Any

import feedparser
import pycountry
import pytest
import yaml

import tracker
from tracker.values import ClaimType, DelegationLevel

DEMO = Path(tracker.__file__).parent / "demo"
ATOM = "{http://www.w3.org/2005/Atom}"
ORG_CODES = {"EU", "UN", "NATO", "G7", "G20", "ASEAN"}
STATUSES = {"proposed", "scheduled", "rescheduled", "held", "cancelled", "rumored"}
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")
RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$"
)


@dataclass(frozen=True)
class Item:
    """One entry of one snapshot: its identity, clocks and raw XML text."""

    identity: str
    title: str
    summary: str
    link: str
    guid: str | None
    published: datetime
    updated: datetime | None
    raw: str


@cache
def storyline() -> dict[str, Any]:
    return yaml.safe_load((DEMO / "storyline.yaml").read_text(encoding="utf-8"))


@cache
def expected() -> dict[str, Any]:
    return yaml.safe_load((DEMO / "expected.yaml").read_text(encoding="utf-8"))


def at(step: int) -> datetime:
    return parse_iso(storyline()["steps"][step - 1]["at"])


def parse_iso(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None, f"{text} has no time zone"
    return value.astimezone(UTC)


def feed_format(feed: str) -> str:
    (fmt,) = [f["format"] for f in storyline()["feeds"] if f["name"] == feed]
    return str(fmt)


def malformed_files() -> set[str]:
    return {m["file"] for m in expected()["quirks"]["malformed"]}


def raw_items(text: str, fmt: str) -> list[str]:
    tag = "entry" if fmt == "atom" else "item"
    return re.findall(rf"<{tag}>.*?</{tag}>", text, flags=re.DOTALL)


@cache
def snapshot(relpath: str) -> tuple[Item, ...]:
    """Parse one snapshot file into items (feedparser only for the declared malformed one)."""
    feed = relpath.split("/")[1]
    fmt = feed_format(feed)
    data = (DEMO / relpath).read_bytes()
    raws = raw_items(data.decode("utf-8"), fmt)
    if relpath in malformed_files():
        parsed = feedparser.parse(data)
        assert len(parsed.entries) == len(raws)
        return tuple(
            Item(
                identity=e.get("id") or e.link,
                title=e.title,
                summary=e.summary,
                link=e.link,
                guid=e.get("id"),
                published=datetime.fromtimestamp(timegm(e.published_parsed), UTC),
                updated=None,
                raw=raw,
            )
            for e, raw in zip(parsed.entries, raws, strict=True)
        )
    root = ET.fromstring(data)
    if fmt == "atom":
        nodes = root.findall(f"{ATOM}entry")
        items = [
            Item(
                identity=_text(n, f"{ATOM}id"),
                title=_text(n, f"{ATOM}title"),
                summary=_text(n, f"{ATOM}summary"),
                link=n.find(f"{ATOM}link[@rel='alternate']").get("href", ""),  # type: ignore[union-attr]
                guid=None,
                published=parse_iso(_text(n, f"{ATOM}published")),
                updated=parse_iso(_text(n, f"{ATOM}updated")),
                raw=raw,
            )
            for n, raw in zip(nodes, raws, strict=True)
        ]
    else:
        nodes = root.findall("./channel/item")
        items = []
        for n, raw in zip(nodes, raws, strict=True):
            guid = n.findtext("guid")
            items.append(
                Item(
                    identity=guid or _text(n, "link"),
                    title=_text(n, "title"),
                    summary=_text(n, "description"),
                    link=_text(n, "link"),
                    guid=guid,
                    published=parsedate_to_datetime(_text(n, "pubDate")).astimezone(UTC),
                    updated=None,
                    raw=raw,
                )
            )
    return tuple(items)


def _text(node: ET.Element, tag: str) -> str:
    found = node.findtext(tag)
    assert found is not None, f"<{tag}> missing"
    return found


def all_snapshot_files() -> list[str]:
    return sorted(str(p.relative_to(DEMO)) for p in (DEMO / "feeds").glob("*/*.xml"))


def served_in_order(feed: str) -> list[tuple[int, str]]:
    """(step, file) each time a step names a snapshot for ``feed``, in step order."""
    return [
        (i, step["serve"][feed])
        for i, step in enumerate(storyline()["steps"], start=1)
        if feed in step["serve"]
    ]


def feed_names() -> list[str]:
    return [f["name"] for f in storyline()["feeds"]]


def new_files_in_order(feed: str) -> list[tuple[int, str]]:
    """The first step at which each distinct snapshot file of ``feed`` is served."""
    seen: set[str] = set()
    out = []
    for step, path in served_in_order(feed):
        if path not in seen:
            seen.add(path)
            out.append((step, path))
    return out


def all_items() -> dict[tuple[str, str], list[tuple[int, Item]]]:
    """(feed, identity) -> [(step first serving the file, item), ...] over all new files."""
    out: dict[tuple[str, str], list[tuple[int, Item]]] = {}
    for feed in feed_names():
        for step, path in new_files_in_order(feed):
            for item in snapshot(path):
                out.setdefault((feed, item.identity), []).append((step, item))
    return out


# --- storyline.yaml -------------------------------------------------------------------------


def test_storyline_declares_four_feeds_with_distinct_names_paths_and_styles() -> None:
    s = storyline()
    assert s["title"] and s["track"] == "russia-ukraine"
    feeds = s["feeds"]
    assert [f["name"] for f in feeds] == [
        "wire-east",
        "capital-desk",
        "harbour-post",
        "global-brief",
    ]
    assert len({f["path"] for f in feeds}) == len(feeds)
    for f in feeds:
        assert set(f) >= {"name", "path", "format"}
        assert f["path"].startswith("/")
        assert f["format"] in {"rss", "atom"}
    assert feed_format("capital-desk") == "atom"


def test_every_step_has_a_label_and_serves_only_declared_feeds_from_existing_files() -> None:
    steps = storyline()["steps"]
    assert 10 <= len(steps) <= 14
    for step in steps:
        assert set(step) == {"at", "label", "serve"}
        assert step["label"].strip()
        assert step["serve"], "a step must serve at least one feed"
        for feed, path in step["serve"].items():
            assert feed in feed_names(), f"{feed} is not declared under feeds:"
            assert path == f"feeds/{feed}/{Path(path).name}"
            assert (DEMO / path).is_file(), path
    assert set(storyline()["steps"][0]["serve"]) == set(feed_names()), "step 1 serves every feed"


def test_step_times_are_utc_strictly_increasing_and_within_the_storyline() -> None:
    times = [parse_iso(s["at"]) for s in storyline()["steps"]]
    assert all(s["at"].endswith("Z") for s in storyline()["steps"])
    assert times == sorted(set(times))
    assert times[0].date() == date(2025, 5, 11)
    assert times[-1].date() == date(2025, 8, 16)


def test_every_snapshot_file_is_served_by_some_step() -> None:
    served = {p for s in storyline()["steps"] for p in s["serve"].values()}
    assert set(all_snapshot_files()) == served


def test_a_new_snapshot_file_is_named_after_the_step_that_first_serves_it() -> None:
    for feed in feed_names():
        for step, path in new_files_in_order(feed):
            assert Path(path).name == f"{step:02d}.xml"


# --- the snapshots as feed documents ------------------------------------------------------------


@pytest.mark.parametrize("relpath", all_snapshot_files())
def test_every_snapshot_is_well_formed_xml_unless_declared_malformed(relpath: str) -> None:
    data = (DEMO / relpath).read_bytes()
    if relpath in malformed_files():
        with pytest.raises(ET.ParseError):
            ET.fromstring(data)
    else:
        ET.fromstring(data)
        assert not feedparser.parse(data).bozo


@pytest.mark.parametrize("relpath", all_snapshot_files())
def test_feedparser_recovers_every_entry_of_every_snapshot(relpath: str) -> None:
    data = (DEMO / relpath).read_bytes()
    parsed = feedparser.parse(data)
    feed = relpath.split("/")[1]
    assert len(parsed.entries) == len(raw_items(data.decode("utf-8"), feed_format(feed))) > 0
    assert [e.title for e in parsed.entries] == [i.title for i in snapshot(relpath)]


def test_the_malformed_snapshot_sets_bozo_and_keeps_the_broken_headline() -> None:
    (quirk,) = expected()["quirks"]["malformed"]
    data = (DEMO / quirk["file"]).read_bytes()
    parsed = feedparser.parse(data)
    assert parsed.bozo
    assert len(parsed.entries) == quirk["entries"]
    assert any("&" in e.title for e in parsed.entries)
    assert storyline()["steps"][quirk["step"] - 1]["serve"][quirk["feed"]] == quirk["file"]


def test_each_feed_keeps_its_declared_style() -> None:
    for feed in feed_names():
        for _, path in new_files_in_order(feed):
            text = (DEMO / path).read_text(encoding="utf-8")
            items = snapshot(path)
            if feed == "wire-east":
                assert text.count('<guid isPermaLink="false">') == len(items)
                assert all(i.guid and i.guid.startswith("wire-east:") for i in items)
            elif feed == "harbour-post":
                assert "<guid" not in text
                assert all(i.identity == i.link for i in items)
            elif feed == "global-brief":
                assert all(i.guid and i.guid != i.link for i in items)
            else:
                assert text.count("<published>") == text.count("<updated>") - 1 == len(items)
                assert all(i.identity.startswith("tag:capital-desk.example,") for i in items)
                assert all(i.updated is not None and i.updated >= i.published for i in items)


def test_rss_dates_are_rfc822_with_the_right_weekday_and_atom_dates_are_rfc3339() -> None:
    for path in all_snapshot_files():
        text = (DEMO / path).read_text(encoding="utf-8")
        for value in re.findall(r"<(?:pubDate|lastBuildDate)>(.*?)</", text):
            assert RFC822.match(value), value
            parsed = parsedate_to_datetime(value)
            assert parsed.strftime("%a") == value[:3], f"{value}: wrong weekday"
        for value in re.findall(r"<(?:published|updated)>(.*?)</", text):
            assert RFC3339.match(value), value


def test_no_entry_is_dated_after_any_poll_that_serves_it() -> None:
    for i, step in enumerate(storyline()["steps"], start=1):
        for path in step["serve"].values():
            for item in snapshot(path):
                assert item.published <= at(i), f"{path}: {item.title} is from the future"
                assert item.updated is None or item.updated <= at(i)


def test_snapshots_list_newest_first_in_a_rolling_window() -> None:
    for path in all_snapshot_files():
        items = snapshot(path)
        assert 6 <= len(items) <= 15, path
        keys = [i.updated or i.published for i in items]
        assert keys == sorted(keys, reverse=True), f"{path} is not newest-first"
        assert len({i.identity for i in items}) == len(items)
    for feed in feed_names():
        firsts = {i.identity for i in snapshot(new_files_in_order(feed)[0][1])}
        lasts = {i.identity for i in snapshot(new_files_in_order(feed)[-1][1])}
        assert not firsts & lasts, f"{feed}: old entries never drop off"


def test_links_use_reserved_example_domains() -> None:
    for path in all_snapshot_files():
        feed = path.split("/")[1]
        for item in snapshot(path):
            assert item.link.startswith(f"https://{feed}.example/"), item.link


def test_storyline_stays_under_250_distinct_entries() -> None:
    assert len(all_items()) <= 250


# --- re-serving, carried-over entries and the declared quirks ------------------------------


def test_two_different_snapshot_files_of_a_feed_never_have_the_same_bytes() -> None:
    # "unchanged" is expressed by serving the same file again (or omitting the feed), so the
    # demo's conditional GET and content hashing see exactly the same bytes.
    for feed in feed_names():
        contents = [(DEMO / p).read_bytes() for _, p in new_files_in_order(feed)]
        assert len(set(contents)) == len(contents), feed


def test_reserved_and_omitted_steps_are_the_declared_ones() -> None:
    quirks = expected()["quirks"]
    reserved, omitted = set(), set()
    for feed in feed_names():
        previous = None
        served = dict(served_in_order(feed))
        for i in range(1, len(storyline()["steps"]) + 1):
            if i not in served:
                omitted.add((feed, i))
            elif served[i] == previous:
                reserved.add((feed, i, served[i]))
            previous = served.get(i, previous)
    assert reserved == {(q["feed"], q["step"], q["file"]) for q in quirks["reserved"]}
    assert omitted == {(q["feed"], q["step"]) for q in quirks["omitted"]}
    assert reserved and omitted


def test_an_entry_carried_between_snapshots_keeps_its_bytes_unless_declared_revised() -> None:
    revision = expected()["quirks"]["revision"]
    for (feed, identity), seen in all_items().items():
        versions = [
            (step, item.raw) for step, item in seen if item.raw and _well_formed(feed, step)
        ]
        distinct = list(dict.fromkeys(raw for _, raw in versions))
        if (feed, identity) == (revision["feed"], revision["guid"]):
            assert len(distinct) == 2
            changed_at = next(step for step, raw in versions if raw == distinct[1])
            assert changed_at == revision["after"]["step"]
        else:
            assert len(distinct) == 1, f"{feed} {identity} changed between snapshots"


def _well_formed(feed: str, step: int) -> bool:
    return storyline()["steps"][step - 1]["serve"][feed] not in malformed_files()


def test_the_reslugged_story_keeps_its_headline_under_a_new_link() -> None:
    q = expected()["quirks"]["reslug"]
    old_step, new_step = q["old"]["steps"][-1], q["new"]["from_step"]
    before = snapshot(storyline()["steps"][old_step - 1]["serve"][q["feed"]])
    after = snapshot(storyline()["steps"][new_step - 1]["serve"][q["feed"]])
    (old,) = [i for i in before if i.link == q["old"]["link"]]
    (new,) = [i for i in after if i.link == q["new"]["link"]]
    assert old.title == new.title == q["title"]
    assert old.summary != new.summary and new.published > old.published
    assert old.link not in {i.link for i in after}, "the old slug should be gone"
    assert q["new"]["link"] not in {i.link for i in before}
    assert old.guid is None and new.guid is None


def test_the_revised_entry_keeps_its_guid_and_date_and_corrects_its_text() -> None:
    q = expected()["quirks"]["revision"]
    before = snapshot(storyline()["steps"][q["before"]["step"] - 1]["serve"][q["feed"]])
    after = snapshot(storyline()["steps"][q["after"]["step"] - 1]["serve"][q["feed"]])
    (old,) = [i for i in before if i.guid == q["guid"]]
    (new,) = [i for i in after if i.guid == q["guid"]]
    assert (old.title, new.title) == (q["before"]["title"], q["after"]["title"])
    assert old.published == new.published == parse_iso(q["published_at"])
    assert old.link == new.link
    assert "Correction" in new.summary and "Correction" not in old.summary


def test_declared_backfills_are_the_entries_older_than_the_feed_already_showed() -> None:
    found = set()
    for feed in feed_names():
        seen: set[str] = set()
        newest: datetime | None = None
        for step, path in new_files_in_order(feed):
            items = snapshot(path)
            for item in items:
                if item.identity not in seen and newest is not None and item.published < newest:
                    found.add((feed, item.identity, step))
            seen |= {i.identity for i in items}
            latest = max(i.published for i in items)
            newest = latest if newest is None else max(newest, latest)
    declared = {(b["feed"], b["id"], b["first_step"]) for b in expected()["quirks"]["backfills"]}
    assert found == declared
    for b in expected()["quirks"]["backfills"]:
        # it was already published when an earlier poll of the same feed did not show it
        earlier = [s for s, _ in served_in_order(b["feed"]) if s < b["first_step"]]
        assert parse_iso(b["published_at"]) < at(earlier[-1])


# --- expected.yaml --------------------------------------------------------------------------


def test_every_entry_is_labelled_once_and_noise_is_roughly_forty_percent() -> None:
    rows = expected()["entries"]
    labelled = {(r["feed"], r["id"]) for r in rows}
    assert len(labelled) == len(rows), "an entry is labelled twice"
    assert labelled == set(all_items())
    assert {r["label"] for r in rows} == {"story", "context", "noise"}
    share = sum(r["label"] == "noise" for r in rows) / len(rows)
    assert 0.30 <= share <= 0.45, f"noise share {share:.2f}"


def test_entry_labels_match_the_snapshots_and_use_design_claim_types() -> None:
    items = all_items()
    for r in expected()["entries"]:
        seen = items[(r["feed"], r["id"])]
        assert seen[0][0] == r["first_step"]
        assert seen[0][1].published == parse_iso(r["published_at"])
        for claim in r["claims"]:
            ClaimType(claim)
        if r["label"] == "story":
            assert r["claims"], f"story entry {r['id']} has no claim"
        if r["label"] == "context":
            assert not r["claims"]


def test_expected_feed_counts_match_the_snapshots() -> None:
    e = expected()
    for feed in feed_names():
        rows = [r for r in e["entries"] if r["feed"] == feed]
        counts = e["feeds"][feed]
        assert counts["entries"] == len({i for f, i in all_items() if f == feed}) == len(rows)
        for label in ("story", "context", "noise"):
            assert counts[label] == sum(r["label"] == label for r in rows)
    assert e["totals"]["entries"] == len(e["entries"])


def _engagement_blocks() -> list[tuple[int, dict[str, Any]]]:
    e = expected()
    out = [(c["after_step"], g) for c in e["checkpoints"] for g in c.get("engagements", [])]
    out += [(e["final"]["after_step"], g) for g in e["final"]["engagements"]]
    return out


def _valid_party(code: str) -> bool:
    return code in ORG_CODES or pycountry.countries.get(alpha_2=code) is not None


def test_expected_checkpoints_point_at_real_steps_and_use_design_vocabulary() -> None:
    e = expected()
    assert e["track"] == storyline()["track"] and e["clock"] in {"published", "recorded"}
    checkpoints = [*e["checkpoints"], e["final"]]
    steps = [c["after_step"] for c in checkpoints]
    assert steps == sorted(set(steps)) and steps[-1] == len(storyline()["steps"])
    for c in checkpoints:
        assert parse_iso(c["as_of"]) == at(c["after_step"])
    kinds: dict[str, str] = {}
    for _, g in _engagement_blocks():
        assert g["kind"] in {"talks", "summit"}
        assert g["status"] in STATUSES
        assert kinds.setdefault(g["key"], g["kind"]) == g["kind"], g["key"]
        assert all(_valid_party(p) for p in g.get("parties", []))
        if "date" in g:
            date.fromisoformat(g["date"])
        assert g.get("date_precision", "day") in {"day", "month", "unknown"}
        for d in g.get("delegations", []):
            assert _valid_party(d["party"]) and d["head"] and d["head_title"]
            DelegationLevel(d["level"])
    for r in [r for c in checkpoints for r in c.get("rumours", [])]:
        assert r["kind"] == "summit" and r["speaker"] and r["status"] == "open"
        assert all(_valid_party(p) for p in r["parties"])


def test_expected_delegation_levels_agree_with_the_people_table() -> None:
    people = expected()["people"]
    for step, g in _engagement_blocks():
        for d in g.get("delegations", []):
            roles = people[d["head"]]
            roles = roles if isinstance(roles, list) else [roles]
            when = at(step).date().isoformat()
            (role,) = [r for r in roles if r.get("from", "0000") <= when <= r.get("until", "9999")]
            assert d["level"] == role["level"], d
            assert set(d["head_title"]) <= set(role["titles"]), d


def test_expected_alerts_are_downgrades_dated_by_the_first_entry_naming_the_new_head() -> None:
    alerts = expected()["alerts"]
    assert [a["party"] for a in alerts] == ["RU", "UA"]
    items = all_items()
    for a in alerts:
        assert a["rule"] == "delegation_level_changed" and a["direction"] == "downgrade"
        assert DelegationLevel(a["old"]["level"]).rank > DelegationLevel(a["new"]["level"]).rank
        surname = a["new"]["head"].split()[-1]
        naming = [
            r
            for r in expected()["entries"]
            if "delegation_announced" in r["claims"]
            and surname in _text_of(items[(r["feed"], r["id"])][0][1])
        ]
        first = min(naming, key=lambda r: r["published_at"])
        assert first["published_at"] == a["published_at"]
        assert first["first_step"] == a["first_step"]


def _text_of(item: Item) -> str:
    return f"{item.title} {item.summary}"


def test_absent_engagements_are_about_entries_labelled_noise() -> None:
    noise_text = " ".join(
        item.title + " " + item.summary
        for (feed, identity), seen in all_items().items()
        for _, item in seen[:1]
        if any(r["id"] == identity and r["label"] == "noise" for r in expected()["entries"])
    )
    for absent in expected()["absent"]:
        assert all(_valid_party(p) for p in absent.get("parties", []))
        if "venue" in absent:
            assert absent["venue"] in noise_text
