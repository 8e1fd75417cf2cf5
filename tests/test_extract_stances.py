"""Stated positions: who states a stance on talks, and what is no stance at all.

Sentences we wrote ourselves in the style of wire copy, several phrasings per rule.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from tracker.extract import extract
from tracker.values import Claim, ClaimType, EntryText


def claims(summary: str, title: str = "", day: str = "2022-03-21") -> list[Claim]:
    published = datetime.fromisoformat(f"{day}T10:00:00+00:00")
    return extract(EntryText(title=title, summary=summary, published_at=published))


def positions(found: list[Claim]) -> set[str | None]:
    return {c.party for c in found if c.type is ClaimType.POSITION_STATED}


@pytest.mark.parametrize(
    "text",
    [
        "US and NATO officials believe Russian President Vladimir Putin has not backed off his "
        "original demands in talks with Ukraine.",
        "Western diplomats doubt that Putin is serious about the peace talks with Ukraine.",
        "European officials fear the Kremlin is using the negotiations to buy time.",
    ],
)
def test_what_onlookers_believe_about_a_party_is_not_that_partys_stated_position(text):
    assert "RU" not in positions(claims(text))


@pytest.mark.parametrize(
    "text",
    [
        "The Sudanese government has accused Darfur rebels of violating a month-old ceasefire.",
        "Ukraine accused Russia of breaching the truce around the city overnight.",
    ],
)
def test_a_charge_of_violating_a_ceasefire_is_not_a_stance_on_the_ceasefire(text):
    found = claims(text)
    assert not positions(found), [c.to_json() for c in found]


@pytest.mark.parametrize(
    "text",
    [
        "The Kremlin said Tuesday that there had been a mix-up over its reply to the United "
        "States, as diplomatic efforts to deter an invasion continued.",
        "Russia says its troops are leaving Belarus, amid peace talks elsewhere in the region.",
    ],
)
def test_a_background_clause_about_diplomacy_does_not_make_a_statement_a_stance(text):
    found = claims(text)
    assert "RU" not in positions(found), [c.to_json() for c in found]


def test_the_country_of_a_war_is_not_the_speaker_of_appeals_the_war_prompted():
    found = claims(
        "The war in Ukraine has prompted renewed appeals for China to get involved, with "
        "commentators discussing how it is well placed to negotiate an end to the fighting."
    )
    assert "UA" not in positions(found)


@pytest.mark.parametrize(
    ("text", "asker"),
    [
        (
            "Egyptian President Hosni Mubarak said the US must be ready to mediate between "
            "Israelis and Palestinians.",
            "EG",
        ),
        ("Egypt urged the United States to mediate between Israel and the Palestinians.", "EG"),
        ("Ukraine asked China to help mediate talks with Russia.", "UA"),
    ],
)
def test_asking_a_third_party_to_mediate_is_a_position_of_the_asker_and_no_proposal(text, asker):
    found = claims(text)
    assert not [c for c in found if c.type is ClaimType.TALKS_PROPOSED], [
        c.to_json() for c in found
    ]
    assert asker in positions(found)


def test_a_mediator_offering_its_own_good_offices_still_proposes_talks():
    found = claims("Turkey is ready to mediate between Russia and Ukraine, Erdogan said.")
    offer = next(c for c in found if c.type is ClaimType.TALKS_PROPOSED)
    assert offer.proposer == "TR"


@pytest.mark.parametrize(
    ("text", "speaker", "party"),
    [
        (
            "Defence Minister Rustem Umerov will lead Ukraine's team in Istanbul, Zelensky said, "
            "calling the Russian line-up a decorative delegation.",
            "Volodymyr Zelensky",
            "UA",
        ),
        (
            "There will be no ceasefire talks without a full withdrawal, Zelensky said, "
            "accusing Russia of stalling the negotiations.",
            "Volodymyr Zelensky",
            "UA",
        ),
    ],
)
def test_a_speaker_set_off_by_commas_is_the_one_who_states_the_stance(text, speaker, party):
    """ ", X said, calling/accusing …": the clause after the verb goes on with the speaker's
    words; the first party named in it is not the speaker."""
    stated = [c for c in claims(text) if c.type is ClaimType.POSITION_STATED]
    assert [(c.party, c.person) for c in stated] == [(party, speaker)]


@pytest.mark.parametrize(
    "text",
    [
        "Macron, Merz and Starmer called on Russia to accept a full and unconditional 30-day "
        "ceasefire starting on 12 May.",
        "The leaders urged Moscow to accept an immediate and unconditional 30-day ceasefire.",
    ],
)
def test_a_call_to_accept_a_long_named_truce_is_a_proposal_not_an_agreement(text):
    """The demand ("called on Russia to accept") can sit further from the truce word than
    the adjectives in between; it is read back from the verb."""
    kinds = {c.type for c in claims(text)}
    assert ClaimType.CEASEFIRE_PROPOSED in kinds
    assert ClaimType.CEASEFIRE_AGREED not in kinds
