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


@pytest.mark.parametrize(
    ("title", "kind", "parties"),
    [
        (
            "Chinese President Xi Jinping hosts Brazilian President Lula in Beijing",
            ClaimType.SUMMIT_HELD,
            {"CN", "BR"},
        ),
        (
            "The Brazilian president was given a red-carpet welcome in Luanda by Angolan "
            "President Joao Lourenco",
            ClaimType.SUMMIT_HELD,
            {"BR", "AO"},
        ),
        (
            "Trump to host Japanese Prime Minister Shigeru Ishiba at the White House on June 10",
            ClaimType.SUMMIT_SCHEDULED,
            {"US", "JP"},
        ),
        (
            "Turkish President Erdogan is due in Baghdad on Monday for talks with Iraqi Prime "
            "Minister Mohammed Shia al-Sudani",
            ClaimType.SUMMIT_SCHEDULED,
            {"TR", "IQ"},
        ),
    ],
)
def test_hosting_welcoming_and_being_due_somewhere_are_leaders_meetings(title, kind, parties):
    summit = one(claims(title), kind)
    assert set(summit.parties) == parties


def test_being_due_in_a_capital_on_a_weekday_dates_the_visit_ahead():
    summit = one(
        claims("Turkish President Erdogan is due in Baghdad on Monday for talks"),
        ClaimType.SUMMIT_SCHEDULED,
    )
    assert (summit.venue, str(summit.date)) == ("Baghdad", "2025-05-19")


def test_an_offer_to_host_a_meeting_between_others_is_no_summit():
    found = claims(
        "King Hassan of Morocco said he would be ready to host a meeting between Israeli "
        "officials and the PLO."
    )
    assert not [c for c in found if c.type.value.startswith("summit_")]


@pytest.mark.parametrize(
    ("title", "parties"),
    [
        ("A ceasefire between India and Pakistan took effect on Saturday", {"IN", "PK"}),
        ("Truce between Thailand and Cambodia holds after border clashes", {"TH", "KH"}),
        ("Israel-Hezbollah ceasefire comes into effect", {"IL", "HEZBOLLAH"}),
        ("Kyrgyzstan and Tajikistan agree ceasefire after deadly border clashes", {"KG", "TJ"}),
        ("Sudan's army and the RSF announced a 72-hour ceasefire", {"SD", "RSF"}),
    ],
)
def test_a_truce_that_takes_effect_holds_or_is_agreed_is_an_agreed_ceasefire(title, parties):
    agreed = one(claims(title), ClaimType.CEASEFIRE_AGREED)
    assert set(agreed.parties) == parties


@pytest.mark.parametrize(
    "title",
    ["Ceasefire violations reported along the line of contact", "Hopes for a truce fade"],
)
def test_a_truce_mentioned_without_its_agreement_is_no_agreed_ceasefire(title):
    assert not [c for c in claims(title) if c.type is ClaimType.CEASEFIRE_AGREED]


@pytest.mark.parametrize(
    ("title", "party"),
    [
        ("Brazil's President Lula pulls out of BRICS summit after head injury", "BR"),
        ("Mexican President Lopez Obrador boycotts the Summit of the Americas", "MX"),
        ("Putin will not attend the G20 summit in Rio, the Kremlin said", "RU"),
        ("Chinese President Xi Jinping to skip G20 summit in India", "CN"),
        ("Hungarian Prime Minister Viktor Orban will stay away from the EU summit", "HU"),
    ],
)
def test_a_leader_who_skips_boycotts_or_pulls_out_of_a_summit_declines_to_attend(title, party):
    found = claims(title)
    declined = one(found, ClaimType.ATTENDANCE_DECLINED)
    assert declined.party == party
    assert not [c for c in found if c.type is ClaimType.SUMMIT_CANCELLED]


def test_a_side_that_pulls_out_of_talks_cancels_them():
    found = claims("Russia pulls out of talks with Ukraine")
    assert one(found, ClaimType.TALKS_CANCELLED).parties


@pytest.mark.parametrize(
    ("title", "parties", "venue"),
    [
        (
            "Russian and Ukrainian negotiators met in the Turkish city of Gaziantep",
            {"RU", "UA"},
            "Gaziantep",
        ),
        ("US and Russian officials held talks in the Saudi city of Jeddah", {"US", "RU"}, "Jeddah"),
        ("Israeli and Hamas negotiators met in the Qatari capital Doha", {"IL", "HAMAS"}, "Doha"),
        (
            "US and Chinese trade negotiators met in the Malaysian capital, Kuala Lumpur",
            {"US", "CN"},
            "Kuala Lumpur",
        ),
        ("Iranian and US negotiators are meeting in Oman's capital Muscat", {"IR", "US"}, "Muscat"),
        (
            "Israeli and Hamas negotiators met in the Egyptian capital on Monday",
            {"IL", "HAMAS"},
            "Cairo",
        ),
        (
            "Russian and Ukrainian delegations met on the border with Belarus",
            {"RU", "UA"},
            "Belarus border",
        ),
    ],
)
def test_a_place_described_by_its_kind_is_the_venue_and_its_country_no_side(title, parties, venue):
    held = one(claims(title), ClaimType.TALKS_HELD)
    assert (set(held.parties), held.venue) == (parties, venue)


def test_a_resort_described_by_its_sea_is_the_venue_of_a_leaders_meeting():
    held = one(
        claims("Erdogan hosted Putin in the Black Sea resort of Sochi"), ClaimType.SUMMIT_HELD
    )
    assert (set(held.parties), held.venue) == ({"TR", "RU"}, "Sochi")


def test_a_leader_landing_in_a_described_capital_visits_its_country():
    held = one(
        claims("Zelensky landed in the Turkish capital on Tuesday for talks with Erdogan"),
        ClaimType.SUMMIT_HELD,
    )
    assert (set(held.parties), held.venue) == ({"UA", "TR"}, "Ankara")


def test_a_leader_arriving_for_a_visit_is_visiting_now_not_later():
    found = claims("Indian Prime Minister Narendra Modi arrives in Japan for a two-day visit")
    held = one(found, ClaimType.SUMMIT_HELD)
    assert (set(held.parties), held.venue) == ({"IN", "JP"}, "Japan")


@pytest.mark.parametrize(
    ("title", "day", "precision"),
    [
        (
            "Russian and Ukrainian negotiators will meet in Istanbul on 16-17 May",
            "2025-05-16",
            "day",
        ),
        (
            "Russian and Ukrainian negotiators will meet in Istanbul on May 16-17",
            "2025-05-16",
            "day",
        ),
        (
            "Russian and Ukrainian negotiators will meet in Istanbul in mid-June",
            "2025-06-01",
            "month",
        ),
        (
            "Russian and Ukrainian negotiators will meet in Istanbul on Friday, May 23",
            "2025-05-23",
            "day",
        ),
        (
            "Russian and Ukrainian negotiators will meet in Istanbul next week",
            "2025-05-19",
            "unknown",
        ),
    ],
)
def test_dates_as_reporters_write_them_resolve_to_the_first_day_meant(title, day, precision):
    planned = one(claims(title), ClaimType.TALKS_SCHEDULED)
    assert (str(planned.date), planned.date_precision.value) == (day, precision)


def test_a_visitor_to_two_capitals_has_one_meeting_in_each():
    found = claims("Merz to visit Kyiv and Moscow next week")
    planned = [c for c in found if c.type is ClaimType.SUMMIT_SCHEDULED]
    assert {(frozenset(c.parties), c.venue) for c in planned} == {
        (frozenset({"DE", "UA"}), "Kyiv"),
        (frozenset({"DE", "RU"}), "Moscow"),
    }, [c.to_json() for c in found]


def test_a_surprise_visit_made_to_meet_someone_is_under_way():
    held = one(
        claims("Israeli PM Benjamin Netanyahu makes surprise visit to Moscow to meet Putin"),
        ClaimType.SUMMIT_HELD,
    )
    assert (set(held.parties), held.venue) == ({"IL", "RU"}, "Moscow")


def test_the_head_of_an_international_organisation_meeting_a_leader_holds_talks():
    found = claims("UN chief Guterres meets Putin in Moscow")
    held = one(found, ClaimType.TALKS_HELD)
    assert set(held.parties) == {"UN", "RU"}
    assert not [c for c in found if c.type.value.startswith("summit_")]


def test_a_minister_travelling_to_a_foreign_capital_visits_its_government():
    planned = one(claims("Rubio will travel to Kyiv next week"), ClaimType.TALKS_SCHEDULED)
    assert (set(planned.parties), planned.venue) == ({"US", "UA"}, "Kyiv")


def test_a_leaders_relative_does_not_stand_for_the_leader():
    found = claims("Zelensky's wife meets Jill Biden")
    assert not [c for c in found if c.type.value.startswith(("talks_", "summit_", "delegation"))]


def test_a_welcome_to_a_named_palace_is_a_leaders_meeting():
    held = one(claims("Macron welcomes Zelensky to the Elysee Palace"), ClaimType.SUMMIT_HELD)
    assert set(held.parties) == {"FR", "UA"}


def test_a_leader_who_hosted_the_meeting_of_others_does_not_make_it_a_summit():
    found = claims(
        "Thailand and Cambodia agree a ceasefire at talks in Malaysia",
        "Prime Minister Anwar Ibrahim hosted the meeting in Putrajaya.",
    )
    assert not [c for c in found if c.type.value.startswith("summit_")], [
        c.to_json() for c in found
    ]


def test_talks_between_leaders_only_announce_no_delegation():
    found = claims("Ursula von der Leyen met Trump at his golf resort in Scotland")
    assert one(found, ClaimType.TALKS_HELD).parties
    assert not [c for c in found if c.type is ClaimType.DELEGATION_ANNOUNCED]


def test_sides_that_agreed_to_resume_negotiations_have_scheduled_talks():
    planned = one(
        claims(
            "The Palestinian Authority and Israel agreed to resume peace negotiations next week"
        ),
        ClaimType.TALKS_SCHEDULED,
    )
    assert (set(planned.parties), str(planned.date)) == ({"PS", "IL"}, "2025-05-19")


def test_a_resort_spelled_as_wikipedia_spells_it_is_the_venue_not_a_side():
    held = one(
        claims("Israel and Hamas begin indirect negotiations in Sharm El Sheikh, Egypt."),
        ClaimType.TALKS_HELD,
    )
    assert (set(held.parties), held.venue) == ({"IL", "HAMAS"}, "Sharm El Sheikh")


@pytest.mark.parametrize(
    ("title", "level"),
    [
        ("China's top diplomat Wang Yi held talks with Indian officials in New Delhi", "minister"),
        (
            "Australia's defence chief Richard Marles held talks with Chinese officials in Beijing",
            "minister",
        ),
    ],
)
def test_newsroom_titles_give_a_level(title, level):
    heads = [c for c in claims(title) if c.type is ClaimType.DELEGATION_ANNOUNCED]
    assert heads and heads[0].level is not None and heads[0].level.value == level, [
        c.to_json() for c in claims(title)
    ]
