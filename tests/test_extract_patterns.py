"""Golden tests for general failure patterns seen in the recorded demo (round 2).

Each pattern is phrased several ways in sentences we wrote ourselves, so a rule that only
memorised the demo's wording fails here. Text we wrote: golden tests, not part of the F1
evaluation on real entries.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tracker.extract import extract
from tracker.extract.text import sentences
from tracker.values import Claim, ClaimType, DatePrecision, DelegationLevel, EntryText


def claims(title: str, day: str, summary: str = "") -> list[Claim]:
    published = datetime.fromisoformat(f"{day}T10:00:00+00:00")
    return extract(EntryText(title=title, summary=summary, published_at=published))


def of(found: list[Claim], kind: ClaimType) -> list[Claim]:
    return [c for c in found if c.type is kind]


def one(found: list[Claim], kind: ClaimType) -> Claim:
    matching = of(found, kind)
    assert len(matching) == 1, f"expected one {kind}, got {[c.to_json() for c in found]}"
    return matching[0]


# --- 1. a verb of proposing is not a reschedule ----------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "By proposing talks rather than answering the ceasefire call, Moscow puts the onus "
        "back on Kyiv",
        "Russia offers negotiations with Ukraine instead of accepting the truce",
        "Rather than agreeing to a ceasefire, the Kremlin proposed talks with Ukraine",
    ],
)
def test_proposing_talks_rather_than_doing_something_else_is_no_rescheduling(text):
    found = claims(text, "2025-05-11")
    assert not of(found, ClaimType.TALKS_RESCHEDULED), [c.to_json() for c in found]
    for c in of(found, ClaimType.TALKS_PROPOSED):
        assert c.proposer == "RU"


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Russia-Ukraine talks will be held on Friday rather than Thursday", date(2025, 5, 16)),
        ("Talks between Russia and Ukraine now on Friday instead of Thursday", date(2025, 5, 16)),
    ],
)
def test_a_new_day_instead_of_the_old_one_is_still_a_rescheduling(text, day):
    c = one(claims(text, "2025-05-15"), ClaimType.TALKS_RESCHEDULED)
    assert set(c.parties) == {"RU", "UA"} and c.date == day


# --- 2. background with a past date carries that date ----------------------------------------


@pytest.mark.parametrize(
    ("text", "when", "precision"),
    [
        (
            "Istanbul hosted the last direct Russian–Ukrainian negotiations, in March 2022.",
            date(2022, 3, 1),
            DatePrecision.MONTH,
        ),
        (
            "Russian and Ukrainian negotiators last met in Istanbul in 2022.",
            date(2022, 1, 1),
            DatePrecision.UNKNOWN,
        ),
        (
            "Russia and Ukraine held talks in Belarus last year.",
            date(2024, 1, 1),
            DatePrecision.UNKNOWN,
        ),
        (
            "Vladimir Putin and Volodymyr Zelensky met in Paris in December 2019.",
            date(2019, 12, 1),
            DatePrecision.MONTH,
        ),
    ],
)
def test_a_meeting_in_the_past_is_dated_by_its_year_or_month(text, when, precision):
    found = claims(
        "Erdogan offers to host talks", "2025-05-11", f"The president spoke on Sunday. {text}"
    )
    held = of(found, ClaimType.TALKS_HELD) + of(found, ClaimType.SUMMIT_HELD)
    assert held, [c.to_json() for c in found]
    assert all(c.date is not None for c in held)
    assert any((c.date, c.date_precision) == (when, precision) for c in held)


def test_a_meeting_the_first_since_a_past_year_is_not_dated_by_that_year():
    c = one(
        claims("Russian and Ukrainian negotiators meet for first time since 2022", "2025-05-16"),
        ClaimType.TALKS_HELD,
    )
    assert c.date is None or c.date.year == 2025


def test_a_day_named_beside_a_past_month_wins():
    c = one(
        claims(
            "Russia and Ukraine, who last met in March 2022, will hold talks in Istanbul on Friday",
            "2025-05-14",
        ),
        ClaimType.TALKS_SCHEDULED,
    )
    assert (c.date, c.date_precision) == (date(2025, 5, 16), DatePrecision.DAY)


# --- 3. sending someone to talks is a plan ---------------------------------------------------


@pytest.mark.parametrize(
    ("title", "party", "head", "title_written", "level"),
    [
        (
            "Ukraine sends Defence Minister Umerov to talks",
            "UA",
            "Rustem Umerov",
            "defence minister",
            DelegationLevel.MINISTER,
        ),
        (
            "Zelensky sends Umerov to negotiations with Russia in Istanbul",
            "UA",
            "Rustem Umerov",
            "defence minister",
            DelegationLevel.MINISTER,
        ),
        (
            "Russia is sending presidential aide Medinsky to the talks with Ukraine",
            "RU",
            "Vladimir Medinsky",
            "presidential aide",
            DelegationLevel.SENIOR_OFFICIAL,
        ),
    ],
)
def test_sending_someone_to_talks_announces_the_delegation_and_no_talks_held(
    title, party, head, title_written, level
):
    found = claims(title, "2025-05-15")
    d = one(found, ClaimType.DELEGATION_ANNOUNCED)
    assert (d.party, d.head, d.head_title, d.level) == (party, head, title_written, level)
    assert not of(found, ClaimType.TALKS_HELD), [c.to_json() for c in found]


# --- 4. the head is the one named as head -----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "A decree signed by Putin names his aide Vladimir Medinsky as head of the delegation, "
        "alongside deputy ministers Mikhail Galuzin and Alexander Fomin and military "
        "intelligence chief Igor Kostyukov.",
        "Putin names Medinsky as leader of the Russian delegation, with Galuzin and Fomin as "
        "members",
        "Russian delegation led by Vladimir Medinsky, with deputy foreign minister Mikhail Galuzin",
        "Deputy foreign minister Mikhail Galuzin joins the Russian team headed by Medinsky",
        "Medinsky will lead Russia's delegation; Galuzin and Fomin will also attend",
        "Russia's team, with Medinsky at the helm, includes deputy defence minister Fomin",
        "Galuzin and Fomin join Russian delegation with Medinsky at its head",
    ],
)
def test_the_head_of_a_delegation_is_the_person_named_as_its_head(text):
    found = claims(text, "2025-05-14")
    heads = {c.head for c in of(found, ClaimType.DELEGATION_ANNOUNCED)}
    assert heads == {"Vladimir Medinsky"}, [c.to_json() for c in found]
    d = one(found, ClaimType.DELEGATION_ANNOUNCED)
    assert (d.party, d.head_title, d.level) == (
        "RU",
        "presidential aide",
        DelegationLevel.SENIOR_OFFICIAL,
    )


def test_the_sender_of_a_delegation_is_not_its_head():
    d = one(
        claims("Zelensky sends Umerov to Istanbul talks with Russia", "2025-05-15"),
        ClaimType.DELEGATION_ANNOUNCED,
    )
    assert d.head == "Rustem Umerov"


# --- 5. proposals name their proposer, metonyms included --------------------------------------


@pytest.mark.parametrize(
    ("title", "when"),
    [
        ("Russia proposes second round of talks in Istanbul on June 3", date(2025, 6, 3)),
        ("Moscow proposes second round of Istanbul talks on 2 June", date(2025, 6, 2)),
        (
            "The Kremlin offers a new round of direct negotiations in Istanbul on June 2",
            date(2025, 6, 2),
        ),
    ],
)
def test_a_proposed_round_is_a_dated_proposal_by_russia(title, when):
    c = one(claims(title, "2025-05-28"), ClaimType.TALKS_PROPOSED)
    assert c.proposer == "RU" and "RU" in c.parties
    assert (c.venue, c.date) == ("Istanbul", when)


def test_a_proposal_takes_its_other_side_from_the_summary_but_not_its_proposer():
    c = one(
        claims(
            "Moscow proposes second round of Istanbul talks on 2 June",
            "2025-05-28",
            "Lavrov said the delegation would present its memorandum to the Ukrainian side.",
        ),
        ClaimType.TALKS_PROPOSED,
    )
    assert set(c.parties) == {"RU", "UA"} and c.proposer == "RU"


# --- 6. abbreviations do not end sentences ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("Trump–Putin summit set for Alaska on Aug. 15", date(2025, 8, 15)),
        ("Putin and Trump to meet in Alaska on Aug. 15, White House says", date(2025, 8, 15)),
        ("Trump and Putin summit scheduled for Sept. 3 in Alaska", date(2025, 9, 3)),
    ],
)
def test_a_summit_set_for_an_abbreviated_date_is_scheduled_with_that_date(text, when):
    c = one(claims(text, "2025-08-09"), ClaimType.SUMMIT_SCHEDULED)
    assert set(c.parties) == {"US", "RU"}
    assert (c.venue, c.date, c.date_precision) == ("Alaska", when, DatePrecision.DAY)


@pytest.mark.parametrize(
    "text",
    [
        "Talks are set for Jan. 10 in Geneva.",
        "The U.S. envoy met Mr. Putin in St. Petersburg.",
        "Dr. Smith and Gen. Jones arrive on Feb. 3.",
        "The meeting of Sept. 12 was cancelled.",
    ],
)
def test_abbreviations_do_not_split_a_sentence(text):
    assert sentences(text) == [text]


def test_a_full_stop_after_a_word_still_ends_the_sentence():
    assert sentences("Talks ended. Russia left.") == ["Talks ended.", "Russia left."]


# --- 7. a leader waiting for another is a rumour, and he is only expected ---------------------


@pytest.mark.parametrize(
    "title",
    [
        "Zelensky: I will wait for Putin in Turkey on Thursday, personally",
        "Zelensky says he will personally wait for Putin in Turkey on Thursday",
        "Zelensky takes up the challenge: he will wait for Putin in Turkey on Thursday himself",
    ],
)
def test_a_leader_waiting_for_another_floats_a_summit_and_is_only_expected(title):
    found = claims(title, "2025-05-11")
    r = one(found, ClaimType.SUMMIT_RUMORED)
    assert set(r.parties) == {"UA", "RU"} and r.venue == "Turkey"
    assert r.date == date(2025, 5, 15) and r.speaker == "Volodymyr Zelensky"
    for d in of(found, ClaimType.DELEGATION_ANNOUNCED):
        assert d.hedged and d.head == "Volodymyr Zelensky", d.to_json()


# --- 8. hosting offers are proposed talks -----------------------------------------------------


@pytest.mark.parametrize(
    ("title", "parties"),
    [
        ("Erdogan tells Putin Turkey is ready to host negotiations", {"RU", "TR"}),
        ("Erdogan offers to host Russia-Ukraine talks in call with Putin", {"RU", "TR", "UA"}),
        (
            "Erdogan tells Putin and Zelensky Turkey stands ready to host peace negotiations",
            {"RU", "TR", "UA"},
        ),
        (
            "In a phone call with Putin, Erdogan said Turkey was ready to host talks aimed at a "
            "lasting peace",
            {"RU", "TR"},
        ),
    ],
)
def test_an_offer_to_host_negotiations_is_proposed_talks_not_a_summit(title, parties):
    found = claims(title, "2025-05-11")
    c = one(found, ClaimType.TALKS_PROPOSED)
    assert c.proposer == "TR" and set(c.parties) == parties
    assert not [k for k in found if k.type.value.startswith("summit_")]


def test_an_offer_to_host_a_summit_stays_a_rumoured_summit():
    c = one(
        claims("Erdogan offers to host a Putin-Zelensky summit", "2025-05-11"),
        ClaimType.SUMMIT_RUMORED,
    )
    assert c.proposer == "TR" and {"RU", "UA"} <= set(c.parties)


# --- 9. summary asides are not meetings -------------------------------------------------------


def test_promising_to_ask_a_leader_for_help_is_no_summit():
    found = claims(
        "Putin offers to restart direct talks with Kyiv in Istanbul",
        "2025-05-11",
        "Putin said talks could start on Thursday, 15 May, in Istanbul, proposing them without "
        "preconditions and promising to ask President Erdogan for help.",
    )
    assert not [c for c in found if c.type.value.startswith("summit_")], [
        c.to_json() for c in found
    ]
    assert one(found, ClaimType.TALKS_PROPOSED).proposer == "RU"


@pytest.mark.parametrize(
    "summary",
    [
        "The envoy's visit came days before Trump's deadline for Russia.",
        "The US envoy's trip comes as Trump's deadline nears.",
        "The president welcomed the meeting on social media.",
    ],
)
def test_a_summary_remark_about_the_visit_adds_no_summit(summary):
    found = claims("Witkoff and Putin meet in Moscow", "2025-08-06", summary)
    held = one(found, ClaimType.TALKS_HELD)
    assert set(held.parties) == {"US", "RU"} and held.venue == "Moscow"
    assert not [c for c in found if c.type.value.startswith("summit_")], [
        c.to_json() for c in found
    ]


# --- generalisation on real text (round 2, second half) -----------------------------------


def test_talks_between_two_sides_leave_out_the_onlookers():
    c = one(
        claims(
            "US and NATO struggle to read the negotiations between Russia and Ukraine", "2022-03-21"
        ),
        ClaimType.TALKS_HELD,
    )
    assert set(c.parties) == {"RU", "UA"}


def test_a_host_named_beside_the_two_sides_of_talks_between_them_stays_a_party():
    c = one(
        claims("Turkey to host talks between Russia and Ukraine in Istanbul", "2025-05-11"),
        ClaimType.TALKS_SCHEDULED,
    )
    assert set(c.parties) == {"TR", "RU", "UA"} and c.venue == "Istanbul"


def test_onlookers_who_believe_something_about_talks_are_not_their_sides():
    found = claims(
        "",
        "2022-03-21",
        "US and NATO officials believe Russian and Ukrainian negotiators will meet again next "
        "week.",
    )
    planned = one(found, ClaimType.TALKS_SCHEDULED)
    assert set(planned.parties) == {"RU", "UA"}


@pytest.mark.parametrize(
    ("text", "when", "precision"),
    [
        (
            "Russian and Ukrainian foreign ministers met in Turkey just 19 days ago",
            date(2022, 3, 10),
            DatePrecision.DAY,
        ),
        (
            "Russian and Ukrainian envoys met in Minsk two weeks ago",
            date(2022, 3, 14),
            DatePrecision.UNKNOWN,
        ),
    ],
)
def test_days_and_weeks_ago_are_dated_back_from_publication(text, when, precision):
    held = one(claims(text, "2022-03-29"), ClaimType.TALKS_HELD)
    assert (held.date, held.date_precision) == (when, precision)


def test_a_city_and_its_country_in_apposition_are_one_venue_not_a_party():
    c = one(
        claims(
            "Biden is set to gather with world leaders in Warsaw, Poland, on Thursday for "
            "emergency summits",
            "2022-03-21",
        ),
        ClaimType.SUMMIT_SCHEDULED,
    )
    assert c.venue == "Warsaw" and "PL" not in c.parties


def test_visiting_a_city_that_seats_international_bodies_names_no_host_party():
    for title in ("Zelensky visits Geneva", "Blinken meets Kuleba in Geneva"):
        for c in claims(title, "2022-03-04"):
            assert "CH" not in c.parties, c.to_json()


def test_a_country_massing_troops_is_not_a_side_of_the_talks_in_the_same_sentence():
    found = claims(
        "Johnson visits Ukraine for talks",
        "2022-02-01",
        "The UK PM will hold talks designed to avert war, while Russia masses troops.",
    )
    assert not [c for c in found if "RU" in c.parties], [c.to_json() for c in found]
    assert one(found, ClaimType.SUMMIT_HELD).parties == ("GB", "UA")


def test_meeting_conditions_or_criticism_is_no_meeting():
    for text in (
        "Russia ready to halt operations if Kyiv meets a list of conditions",
        "Hamas says fighting will go on until its demands are met",
        "The Israeli plan was met with protests from the Palestinians",
    ):
        found = claims(text, "2022-03-07")
        assert not [c for c in found if c.type.value.startswith("talks_")], text


def test_talks_that_offer_a_roadmap_are_talks_not_a_ceasefire_proposal():
    found = claims("Russia-Ukraine talks offer roadmap to a truce", "2022-03-29")
    assert not of(found, ClaimType.CEASEFIRE_PROPOSED)


def test_two_leaders_signing_a_treaty_together_met():
    c = one(
        claims(
            "",
            "2000-01-01",
            "Libyan leader Muammar Gaddafi and Bulgarian President Todor Zhivkov today signed a "
            "treaty of friendship and cooperation.",
        ),
        ClaimType.SUMMIT_HELD,
    )
    assert set(c.parties) == {"LY", "BG"}


def test_two_countries_signing_an_accord_is_not_by_itself_a_meeting():
    found = claims("Russia and Ukraine signed an accord on grain exports", "2022-07-22")
    assert not [c for c in found if c.type.value.startswith(("talks_", "summit_"))]


def test_a_mediator_ending_its_mediation_cancels_talks_with_it_as_the_one_side():
    c = one(
        claims("", "2000-01-01", "Syrian officers ended mediation efforts between rival militias."),
        ClaimType.TALKS_CANCELLED,
    )
    assert c.parties == ("SY",)


def test_an_organisation_name_is_not_read_as_sport():
    c = one(
        claims(
            "",
            "2000-01-01",
            "Arab League envoy undertook a mediation mission between Syria and the Palestinians.",
        ),
        ClaimType.TALKS_HELD,
    )
    assert {"ARAB_LEAGUE", "SY", "PS"} <= set(c.parties)


def test_an_organisations_summit_does_not_borrow_a_leader_named_elsewhere():
    found = claims("Biden will visit Poland following NATO summit", "2022-03-21")
    nato = [c for c in found if "NATO" in c.parties]
    assert nato and all(c.parties == ("NATO",) for c in nato), [c.to_json() for c in found]


def test_a_truce_named_in_the_title_and_summary_with_different_sides_is_one_truce():
    found = claims(
        "Ethiopia's Tigray region committed to observing humanitarian ceasefire",
        "2022-03-25",
        "Rebellious Tigrayan forces said they will respect a ceasefire proposed by the government "
        "of Ethiopia.",
    )
    assert len(of(found, ClaimType.CEASEFIRE_AGREED)) == 1


def test_a_summary_sentence_about_the_headline_meeting_takes_its_sides():
    found = claims(
        "Face to face at Dolmabahce: first Russia–Ukraine talks in three years",
        "2025-05-16",
        "Turkish Foreign Minister Hakan Fidan opened the meeting between the two delegations in "
        "Istanbul.",
    )
    held = one(found, ClaimType.TALKS_HELD)
    assert {"RU", "UA"} <= set(held.parties) and held.venue == "Istanbul"


def test_related_story_links_in_a_summary_are_not_read():
    summary = (
        "<p>Refugees keep fleeing the war.</p><ul><li><a href='x'>Kyiv-Moscow talks begin in "
        "Belarus</a></li></ul>"
    )
    assert claims("Moments of defiance - video", "2022-02-28", summary) == []


# --- tense and travel ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Trump and Putin end Alaska talks without a deal", ClaimType.SUMMIT_HELD),
        ("Istanbul talks between Russia and Ukraine wrap up after two hours", ClaimType.TALKS_HELD),
        ("Russia-Ukraine talks yield deal on prisoner swap", ClaimType.TALKS_HELD),
    ],
)
def test_talks_that_end_or_yield_something_took_place(title, kind):
    assert one(claims(title, "2025-08-16"), kind)


def test_a_floated_next_meeting_does_not_hide_the_one_that_just_ended():
    found = claims(
        "Trump and Putin end Alaska talks without a deal",
        "2025-08-16",
        "Putin suggested their next meeting could be in Moscow.",
    )
    assert one(found, ClaimType.SUMMIT_HELD).venue == "Alaska"
    assert one(found, ClaimType.SUMMIT_RUMORED).venue == "Moscow"


def test_a_present_tense_meeting_on_a_coming_weekday_is_scheduled():
    c = one(
        claims("Putin meets Trump in Alaska on Friday", "2025-08-13"), ClaimType.SUMMIT_SCHEDULED
    )
    assert c.date == date(2025, 8, 15)


def test_a_meeting_that_took_place_is_not_dated_by_a_later_truce_start():
    c = one(
        claims(
            "Macron, Merz and Starmer travelled to Kyiv and met Zelensky, calling for a 30-day "
            "truce starting on 12 May",
            "2025-05-10",
        ),
        ClaimType.SUMMIT_HELD,
    )
    assert c.date is None or c.date <= date(2025, 5, 10)


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        ("Zelensky heads to Washington on Monday", "He will meet Trump at the White House."),
        ("Zelensky says he will be in Washington on Monday", "He will meet Trump on 18 August."),
    ],
)
def test_a_leader_travelling_to_meet_another_schedules_a_summit(title, summary):
    c = one(claims(title, "2025-08-16", summary), ClaimType.SUMMIT_SCHEDULED)
    assert set(c.parties) == {"UA", "US"} and c.date == date(2025, 8, 18)


def test_a_delegation_travelling_to_a_venue_does_not_make_the_host_a_side():
    found = claims("Russia's delegation will travel to Istanbul for the third round", "2025-07-22")
    assert all("TR" not in c.parties for c in found), [c.to_json() for c in found]


def test_skipping_college_is_not_declining_a_meeting():
    assert not of(
        claims("Billionaire backs plan to help kids skip college", "2022-02-01"),
        ClaimType.ATTENDANCE_DECLINED,
    )
    d = one(
        claims("Putin skips Istanbul, sends aide Medinsky", "2025-05-14"),
        ClaimType.ATTENDANCE_DECLINED,
    )
    assert d.person == "Vladimir Putin"


def test_a_tennis_round_is_not_a_round_of_talks():
    assert claims("Raducanu into Indian Wells third round with win over Garcia", "2022-03-12") == []


@pytest.mark.parametrize(
    "title",
    [
        "'Next time in Moscow', Putin tells Trump as summit ends without a deal",
        "Putin suggests next meeting with Trump could be in Moscow",
    ],
)
def test_the_next_meetings_venue_floated_by_a_leader_is_a_rumoured_summit(title):
    r = one(claims(title, "2025-08-16"), ClaimType.SUMMIT_RUMORED)
    assert r.venue == "Moscow" and r.proposer == "RU" and r.speaker == "Vladimir Putin"
