"""Ordinary news phrasings the development entries never showed, one family per test.

Every sentence here was written by us in the style of wire copy and headlines, to check that
the rules generalise (issue 4): places and peoples of any country, the common verbs of each
event type, venues and dates as reporters write them. Entries are dated Wednesday 2025-05-14.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from tracker.extract import extract
from tracker.values import Claim, ClaimType, EntryText

PUBLISHED = datetime.fromisoformat("2025-05-14T10:00:00+00:00")  # a Wednesday


def claims(title: str, summary: str = "") -> list[Claim]:
    return extract(EntryText(title=title, summary=summary, published_at=PUBLISHED))


def one(found: list[Claim], kind: ClaimType) -> Claim:
    matching = [c for c in found if c.type is kind]
    assert len(matching) == 1, [c.to_json() for c in found]
    return matching[0]


@pytest.mark.parametrize(
    ("title", "parties", "venue"),
    [
        (
            "Kenyan and Tanzanian foreign ministers held talks in Nairobi on border trade",
            {"KE", "TZ"},
            "Nairobi",
        ),
        ("Iran and the United States held indirect talks in Muscat", {"IR", "US"}, "Muscat"),
        (
            "Serbian and Kosovar negotiators met in Brussels under EU mediation",
            {"RS", "XK", "EU"},
            "Brussels",
        ),
        (
            "Ethiopia and Egypt resumed talks on the Nile dam in Addis Ababa",
            {"ET", "EG"},
            "Addis Ababa",
        ),
    ],
)
def test_peoples_and_capitals_of_any_country_are_recognised(title, parties, venue):
    held = one(claims(title), ClaimType.TALKS_HELD)
    assert set(held.parties) == parties
    if venue:
        assert held.venue == venue


def test_a_leader_heading_to_a_city_that_seats_international_bodies_visits_no_host_country():
    found = claims("Biden heads to Brussels for a NATO summit on Thursday")
    assert all("BE" not in c.parties for c in found), [c.to_json() for c in found]


@pytest.mark.parametrize(
    ("title", "parties"),
    [
        ("President Ramaphosa hosted Nigerian President Bola Tinubu in Pretoria", {"ZA", "NG"}),
        ("Lula and Milei met in Buenos Aires", {"BR", "AR"}),
        ("Sheinbaum meets Carney in Mexico City", {"MX", "CA"}),
    ],
)
def test_leaders_named_without_their_country_are_known_leaders(title, parties):
    held = one(claims(title), ClaimType.SUMMIT_HELD)
    assert set(held.parties) == parties


def test_a_title_written_before_a_known_name_wins_when_the_dictionary_has_no_office_that_day():
    entry = EntryText(
        title="",
        summary="Palestinian Prime Minister Ismail Haniyeh rejected the peace plan.",
        published_at=datetime.fromisoformat("2006-04-01T10:00:00+00:00"),
    )
    stance = one(extract(entry), ClaimType.POSITION_STATED)
    assert stance.party == "PS"
