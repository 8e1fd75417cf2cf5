"""The dictionary lookups the engagement layer uses: who is mentioned, where a venue lies,
who leads a party on a given day (``Dictionaries.mentions``/``venue_country``/``leader_of``)."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.config import ActorConfig
from tracker.extract import load_dictionaries


@pytest.fixture(scope="module")
def d():
    return load_dictionaries()


def test_mentions_finds_countries_demonyms_capitals_metonyms_orgs_groups_and_people(d):
    text = (
        "The Kremlin said Zelensky would meet Erdogan; Washington and NATO officials, "
        "Hamas negotiators and French diplomats were in Doha. Beijing stayed silent."
    )
    assert d.mentions(text) == {"RU", "UA", "TR", "US", "NATO", "HAMAS", "FR", "QA", "CN"}


def test_mentions_of_plain_text_and_non_strings_are_empty(d):
    assert d.mentions("The weather was fine and the match ended in a draw.") == set()
    assert d.mentions("") == set()
    assert d.mentions(None) == set()  # type: ignore[arg-type]


def test_a_non_capital_city_is_not_a_mention_of_its_country(d):
    # "Istanbul" is a venue, not a statement about Turkey's part in the story.
    assert d.mentions("Delegations arrived in Istanbul") == set()
    assert d.mentions("Delegations arrived in Ankara") == {"TR"}


@pytest.mark.parametrize(
    ("venue", "country"),
    [
        ("Istanbul", "TR"),
        ("Anchorage", "US"),
        ("Alaska", "US"),
        ("Riyadh", "SA"),
        ("Geneva", "CH"),
        ("Turkey", "TR"),
        ("Saudi Arabia", "SA"),
        ("TR", "TR"),
        ("the Kremlin", "RU"),
        ("Belarus border", "BY"),
        ("Dolmabahce Palace, Istanbul", "TR"),
        ("istanbul", "TR"),
    ],
)
def test_venue_country_maps_cities_regions_and_countries_to_iso_codes(d, venue, country):
    assert d.venue_country(venue) == country


@pytest.mark.parametrize("venue", ["Dolmabahce Palace", "NATO", "", "   ", "here"])
def test_venue_country_is_none_for_unknown_places_and_organisations(d, venue):
    assert d.venue_country(venue) is None


@pytest.mark.parametrize(
    ("party", "day", "leader"),
    [
        ("RU", "2025-05-11", "Vladimir Putin"),
        ("RU", "2010-01-01", "Dmitry Medvedev"),
        ("UA", "2025-05-11", "Volodymyr Zelensky"),
        ("US", "2025-05-11", "Donald Trump"),
        ("US", "2022-03-01", "Joe Biden"),
        ("TR", "2025-05-11", "Recep Tayyip Erdogan"),
        ("GB", "2022-03-01", "Boris Johnson"),
        ("GB", "2025-05-11", "Keir Starmer"),
        ("DE", "2025-08-01", "Friedrich Merz"),
    ],
)
def test_leader_of_follows_the_dated_offices(d, party, day, leader):
    assert d.leader_of(party, date.fromisoformat(day)) == leader


def test_leader_of_prefers_the_president_over_a_leader_level_prime_minister(d):
    # Ukraine's prime minister is leader level too, but the president leads its diplomacy.
    assert d.leader_of("UA", date(2024, 1, 1)) == "Volodymyr Zelensky"


def test_leader_of_an_unknown_party_or_an_uncovered_day_is_none(d):
    assert d.leader_of("XX", date(2025, 1, 1)) is None
    assert d.leader_of("US", date(1990, 1, 1)) is None


def test_leader_of_uses_feeds_yaml_overrides():
    override = ActorConfig.model_validate(
        {
            "name": "Alar Karis",
            "party": "EE",
            "offices": [{"title": "president", "level": "leader", "from": "2021-10-11"}],
        }
    )
    d = load_dictionaries([override])
    assert d.leader_of("EE", date(2025, 5, 1)) == "Alar Karis"
    assert d.mentions("Karis spoke in Tallinn; Alar Karis said") == {"EE"}
