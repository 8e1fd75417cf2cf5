"""Golden test: the extractor over every entry of the recorded demo storyline (tracker/demo/).

The demo is text the team wrote, so it is not part of the F1 evaluation on real entries; it is
a golden file: ``expected.yaml`` lists the claim types of every entry, and the extractor must
keep finding them. Entries are parsed from the feed snapshots with feedparser (the newest
version of each entry wins, as a re-poll would), with their published times from the feeds.
"""

from __future__ import annotations

from calendar import timegm
from collections import Counter
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

import feedparser
import pytest
import yaml

import tracker
from tracker.extract import extract
from tracker.values import Claim, ClaimType, DelegationLevel, EntryText

DEMO = Path(tracker.__file__).parent / "demo"
# Measured when the rules last changed (extractor 1.13: micro-F1 0.798 over 207 expected claim
# types, 172 found, 52 extra). Raise it when the extractor improves; never lower it to make a
# change pass.
MICRO_F1_FLOOR = 0.79


@cache
def demo_entries() -> dict[tuple[str, str], EntryText]:
    """(feed, identity) -> the entry's newest version across the feed's snapshots."""
    found: dict[tuple[str, str], EntryText] = {}
    for feed_dir in sorted((DEMO / "feeds").iterdir()):
        for snapshot in sorted(feed_dir.glob("*.xml")):
            for e in feedparser.parse(snapshot.read_bytes()).entries:
                # harbour-post has no guid: its identity is the link (expected.yaml agrees)
                ident = e.get("link") if feed_dir.name == "harbour-post" else e.get("id")
                when = e.get("published_parsed") or e.get("updated_parsed")
                found[(feed_dir.name, ident)] = EntryText(
                    title=e.get("title", ""),
                    summary=e.get("summary", ""),
                    published_at=datetime.fromtimestamp(timegm(when), UTC),
                    link=e.get("link"),
                    source=feed_dir.name,
                    id=ident,
                )
    return found


@cache
def expected_entries() -> list[dict]:
    return yaml.safe_load((DEMO / "expected.yaml").read_text(encoding="utf-8"))["entries"]


def claims_of(feed: str, ident: str) -> list[Claim]:
    return extract(demo_entries()[(feed, ident)])


def one(found: list[Claim], kind: ClaimType) -> Claim:
    matching = [c for c in found if c.type is kind]
    assert len(matching) == 1, f"expected one {kind}, got {[c.to_json() for c in found]}"
    return matching[0]


def score() -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) of claim types, entry by entry."""
    tp = fp = fn = 0
    for row in expected_entries():
        got = Counter(c.type.value for c in claims_of(row["feed"], row["id"]))
        want = Counter(row["claims"])
        hit = sum((got & want).values())
        tp, fp, fn = tp + hit, fp + sum(got.values()) - hit, fn + sum(want.values()) - hit
    return tp, fp, fn


def test_every_expected_entry_is_in_the_feed_snapshots():
    missing = [
        (row["feed"], row["id"])
        for row in expected_entries()
        if (row["feed"], row["id"]) not in demo_entries()
    ]
    assert missing == [] and len(expected_entries()) == 248


def test_claim_types_over_the_whole_storyline_stay_above_the_floor():
    tp, fp, fn = score()
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    f1 = 2 * precision * recall / (precision + recall)
    assert f1 >= MICRO_F1_FLOOR, (tp, fp, fn, round(f1, 3))


def test_medinsky_is_announced_as_a_presidential_aide_at_senior_official_level():
    d = one(claims_of("wire-east", "wire-east:20250514:026"), ClaimType.DELEGATION_ANNOUNCED)
    assert (d.party, d.head, d.head_title, d.level) == (
        "RU",
        "Vladimir Medinsky",
        "presidential aide",
        DelegationLevel.SENIOR_OFFICIAL,
    )


def test_putin_not_attending_is_declined_attendance_not_a_delegation():
    found = claims_of("wire-east", "wire-east:20250514:026")
    a = one(found, ClaimType.ATTENDANCE_DECLINED)
    assert (a.party, a.person) == ("RU", "Vladimir Putin")
    heads = {c.head for c in found if c.type is ClaimType.DELEGATION_ANNOUNCED}
    assert "Vladimir Putin" not in heads


def test_umerov_leads_as_defence_minister_in_may_and_as_nsdc_secretary_in_july():
    may = one(
        claims_of(
            "capital-desk",
            "tag:capital-desk.example,2025-05-15:/diplomacy/umerov-to-head-ukrainian-delegation",
        ),
        ClaimType.DELEGATION_ANNOUNCED,
    )
    assert (may.party, may.head, may.head_title, may.level) == (
        "UA",
        "Rustem Umerov",
        "defence minister",
        DelegationLevel.MINISTER,
    )
    july = one(
        claims_of(
            "capital-desk",
            "tag:capital-desk.example,2025-07-21:/diplomacy/umerov-security-chief-heads-delegation",
        ),
        ClaimType.DELEGATION_ANNOUNCED,
    )
    assert (july.party, july.head, july.level) == ("UA", "Rustem Umerov", DelegationLevel.MINISTER)
    assert july.head_title is not None and "secretary" in july.head_title.lower()


def test_witkoff_meeting_putin_is_held_talks_with_witkoff_and_no_putin_delegation():
    found = claims_of(
        "harbour-post", "https://harbour-post.example/news/2025/08/06/witkoff-meets-putin"
    )
    held = one(found, ClaimType.TALKS_HELD)
    assert set(held.parties) == {"RU", "US"}
    delegations = {c.party: c for c in found if c.type is ClaimType.DELEGATION_ANNOUNCED}
    assert "RU" not in delegations
    assert delegations["US"].head == "Steve Witkoff"
    assert delegations["US"].level is DelegationLevel.SENIOR_OFFICIAL
    assert not [c for c in found if c.type.value.startswith("summit_")]


def test_talks_pushed_back_to_friday_are_rescheduled_to_the_sixteenth():
    c = one(
        claims_of(
            "capital-desk",
            "tag:capital-desk.example,2025-05-15:/diplomacy/talks-pushed-back-to-friday",
        ),
        ClaimType.TALKS_RESCHEDULED,
    )
    assert set(c.parties) >= {"RU", "UA"} and c.date == date(2025, 5, 16)


def test_a_leaders_meeting_that_trump_floats_is_a_hedged_rumour_he_speaks_for():
    c = one(
        claims_of(
            "capital-desk",
            "tag:capital-desk.example,2025-05-12:/diplomacy/trump-may-go-to-istanbul",
        ),
        ClaimType.SUMMIT_RUMORED,
    )
    assert c.hedged and c.speaker == "Donald Trump" and "US" in c.parties


@pytest.mark.parametrize(
    ("feed", "ident", "kind"),
    [
        ("wire-east", "wire-east:20250514:023", ClaimType.TALKS_SCHEDULED),
        ("wire-east", "wire-east:20250516:032", ClaimType.TALKS_HELD),
        (
            "capital-desk",
            "tag:capital-desk.example,2025-07-22:/diplomacy/kremlin-medinsky-heads-again",
            ClaimType.TALKS_SCHEDULED,
        ),
        (
            "harbour-post",
            "https://harbour-post.example/news/2025/07/23/third-round-ciragan-40-minutes",
            ClaimType.TALKS_HELD,
        ),
    ],
)
def test_talks_are_scheduled_or_held_by_the_tense_of_the_report(feed, ident, kind):
    found = claims_of(feed, ident)
    other = ClaimType.TALKS_HELD if kind is ClaimType.TALKS_SCHEDULED else ClaimType.TALKS_SCHEDULED
    assert one(found, kind) and not [c for c in found if c.type is other]


@pytest.mark.parametrize(
    "ident",
    ["wire-east:20250523:041", "wire-east:20250525:044", "wire-east:20250723:068"],
)
def test_each_stage_of_the_prisoner_swaps_is_a_prisoner_exchange(ident):
    assert one(claims_of("wire-east", ident), ClaimType.PRISONER_EXCHANGE)


def test_the_alaska_summit_is_scheduled_with_its_date_and_venue():
    c = one(claims_of("wire-east", "wire-east:20250809:078"), ClaimType.SUMMIT_SCHEDULED)
    assert set(c.parties) >= {"RU", "US"} and c.date == date(2025, 8, 15)
    assert c.venue in ("Alaska", "Anchorage")


def test_the_kremlin_decree_names_medinsky_as_head_not_the_deputy_ministers_beside_him():
    d = one(
        claims_of(
            "capital-desk",
            "tag:capital-desk.example,2025-05-15:/diplomacy/medinsky-not-putin-kremlin-line-up",
        ),
        ClaimType.DELEGATION_ANNOUNCED,
    )
    assert (d.party, d.head, d.head_title, d.level) == (
        "RU",
        "Vladimir Medinsky",
        "presidential aide",
        DelegationLevel.SENIOR_OFFICIAL,
    )


def test_a_summit_set_for_aug_15_is_scheduled_in_alaska():
    c = one(
        claims_of("global-brief", "https://global-brief.example/a/48443"),
        ClaimType.SUMMIT_SCHEDULED,
    )
    assert (c.venue, c.date) == ("Alaska", date(2025, 8, 15))


def test_proposing_talks_rather_than_a_ceasefire_is_a_proposal_not_a_rescheduling():
    found = claims_of(
        "capital-desk",
        "tag:capital-desk.example,2025-05-11:/diplomacy/analysis-kremlin-istanbul-gambit",
    )
    assert not [c for c in found if c.type is ClaimType.TALKS_RESCHEDULED]
    assert one(found, ClaimType.TALKS_PROPOSED).proposer == "RU"


def test_istanbul_hosting_the_2022_talks_is_dated_background():
    held = one(claims_of("wire-east", "wire-east:20250511:011"), ClaimType.TALKS_HELD)
    assert (held.date, held.venue) == (date(2022, 3, 1), "Istanbul")
