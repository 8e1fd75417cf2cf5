"""Golden tests for the extractor: one sentence per claim type, the May–August 2025 storyline
phrased as typical headlines (text we wrote, so golden tests, not part of the F1 evaluation),
dated offices, user overrides, dates, venues and the ``tracker extract`` JSON-lines contract."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime

import pytest

from tracker.config import ActorConfig
from tracker.errors import InputError
from tracker.extract import EXTRACTOR_VERSION, LineError, extract, extract_jsonl, load_dictionaries
from tracker.extract.dates import resolve
from tracker.values import Claim, ClaimType, DatePrecision, DelegationLevel, EntryText


def claims(title: str, day: str, summary: str = "") -> list[Claim]:
    published = datetime.fromisoformat(f"{day}T10:00:00+00:00")
    return extract(EntryText(title=title, summary=summary, published_at=published))


def one(found: list[Claim], kind: ClaimType) -> Claim:
    matching = [c for c in found if c.type is kind]
    assert len(matching) == 1, f"expected one {kind}, got {found}"
    return matching[0]


# --- the storyline of May–August 2025 -------------------------------------------------------


def test_putins_proposal_of_direct_talks_in_istanbul_is_a_dated_proposal_by_russia():
    c = one(
        claims("Putin proposes direct talks with Ukraine in Istanbul on May 15", "2025-05-11"),
        ClaimType.TALKS_PROPOSED,
    )
    assert set(c.parties) == {"RU", "UA"} and c.proposer == "RU"
    assert (c.venue, c.date, c.date_precision) == ("Istanbul", date(2025, 5, 15), DatePrecision.DAY)


def test_zelensky_waiting_for_putin_in_turkey_is_a_rumoured_summit_he_floated():
    c = one(
        claims("Zelensky says he will wait for Putin in Turkey on Thursday", "2025-05-12"),
        ClaimType.SUMMIT_RUMORED,
    )
    assert set(c.parties) == {"UA", "RU"} and c.venue == "Turkey"
    assert c.speaker == "Volodymyr Zelensky" and c.proposer == "UA"
    assert c.date == date(2025, 5, 15)


def test_kremlin_names_an_aide_to_lead_and_putin_will_not_attend():
    found = claims(
        "Kremlin names presidential aide Vladimir Medinsky to lead delegation to Istanbul talks; "
        "Putin will not attend",
        "2025-05-14",
    )
    d = one(found, ClaimType.DELEGATION_ANNOUNCED)
    assert (d.party, d.head, d.level) == (
        "RU",
        "Vladimir Medinsky",
        DelegationLevel.SENIOR_OFFICIAL,
    )
    a = one(found, ClaimType.ATTENDANCE_DECLINED)
    assert (a.party, a.person) == ("RU", "Vladimir Putin")
    assert not [c for c in found if c.type.value.startswith("summit_")]


def test_ukraines_delegation_led_by_the_defence_minister_is_minister_level():
    d = one(
        claims("Ukraine's delegation to be led by defence minister Rustem Umerov", "2025-05-15"),
        ClaimType.DELEGATION_ANNOUNCED,
    )
    assert (d.party, d.head, d.level) == ("UA", "Rustem Umerov", DelegationLevel.MINISTER)


def test_talks_postponed_to_friday_are_rescheduled_to_the_sixteenth():
    c = one(
        claims("Russia-Ukraine talks in Istanbul postponed to Friday", "2025-05-15"),
        ClaimType.TALKS_RESCHEDULED,
    )
    assert set(c.parties) == {"RU", "UA"} and c.date == date(2025, 5, 16)


def test_talks_held_in_istanbul_with_turkey_mediating_count_turkey_as_a_party():
    c = one(
        claims(
            "Russia and Ukraine hold first direct talks in Istanbul with Turkey mediating",
            "2025-05-16",
        ),
        ClaimType.TALKS_HELD,
    )
    assert set(c.parties) == {"RU", "UA", "TR"} and c.venue == "Istanbul"


def test_a_thousand_for_a_thousand_swap_is_a_prisoner_exchange():
    c = one(
        claims("Russia and Ukraine agree to 1,000-for-1,000 prisoner exchange", "2025-05-16"),
        ClaimType.PRISONER_EXCHANGE,
    )
    assert set(c.parties) == {"RU", "UA"}


def test_the_second_round_in_istanbul_is_held_talks():
    c = one(
        claims("Second round of Russia-Ukraine talks held in Istanbul", "2025-06-02"),
        ClaimType.TALKS_HELD,
    )
    assert set(c.parties) == {"RU", "UA"} and c.venue == "Istanbul"


def test_umerov_in_july_leads_as_nsdc_secretary_still_minister_level():
    found = claims(
        "Umerov leads Ukraine's delegation at new round of talks with Russia in Istanbul",
        "2025-07-23",
    )
    d = one(found, ClaimType.DELEGATION_ANNOUNCED)
    assert (d.head, d.head_title, d.level) == (
        "Rustem Umerov",
        "NSDC secretary",
        DelegationLevel.MINISTER,
    )
    assert set(one(found, ClaimType.TALKS_HELD).parties) == {"UA", "RU"}


def test_the_alaska_summit_is_scheduled_then_held():
    s = one(
        claims("Trump says he will meet Putin in Alaska on August 15", "2025-08-08"),
        ClaimType.SUMMIT_SCHEDULED,
    )
    assert set(s.parties) == {"US", "RU"} and (s.venue, s.date) == ("Alaska", date(2025, 8, 15))
    h = one(
        claims("Trump and Putin meet in Anchorage for Alaska summit", "2025-08-15"),
        ClaimType.SUMMIT_HELD,
    )
    assert set(h.parties) == {"US", "RU"} and h.venue == "Anchorage"


# --- one or two sentences per type ------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "day", "kind", "parties"),
    [
        (
            "US and Iran to hold talks in Oman on Saturday",
            "2025-04-09",
            ClaimType.TALKS_SCHEDULED,
            {"US", "IR"},
        ),
        (
            "Russia calls off talks with Ukraine",
            "2025-05-20",
            ClaimType.TALKS_CANCELLED,
            {"RU", "UA"},
        ),
        (
            "Planned Trump-Putin summit in Budapest called off",
            "2025-10-22",
            ClaimType.SUMMIT_CANCELLED,
            {"US", "RU"},
        ),
        (
            "Israel and Hamas agree ceasefire deal",
            "2025-01-15",
            ClaimType.CEASEFIRE_AGREED,
            {"IL", "HAMAS"},
        ),
        (
            "Ukraine backs US proposal for a 30-day ceasefire",
            "2025-03-11",
            ClaimType.CEASEFIRE_PROPOSED,
            {"UA", "US"},
        ),
    ],
)
def test_headline_yields_its_claim_type_and_parties(title, day, kind, parties):
    assert set(one(claims(title, day), kind).parties) == parties


def test_a_denied_summit_is_a_negated_rumour_not_a_meeting():
    found = claims("Kremlin says there are no plans for a Putin-Zelensky meeting", "2025-05-20")
    c = one(found, ClaimType.SUMMIT_RUMORED)
    assert c.negated and set(c.parties) == {"RU", "UA"}
    assert not [x for x in found if x.type in (ClaimType.SUMMIT_SCHEDULED, ClaimType.SUMMIT_HELD)]


def test_a_stance_on_a_ceasefire_is_a_position_not_a_ceasefire():
    found = claims(
        "Zelensky says there can be no ceasefire without security guarantees", "2025-05-20"
    )
    c = one(found, ClaimType.POSITION_STATED)
    assert (c.party, c.person) == ("UA", "Volodymyr Zelensky")
    assert [x.type for x in found] == [ClaimType.POSITION_STATED]


def test_a_hedged_leader_meeting_is_rumoured_and_marked_hedged():
    c = one(
        claims("Trump could meet Putin in Saudi Arabia, sources say", "2025-02-20"),
        ClaimType.SUMMIT_RUMORED,
    )
    assert c.hedged and set(c.parties) == {"US", "RU"} and c.venue == "Saudi Arabia"


def test_the_summary_carries_the_event_when_the_title_does_not():
    found = claims(
        "What happened today",
        "2025-06-02",
        summary="<p>Sports news.</p><p>Russia and Ukraine held talks in Istanbul.</p>",
    )
    c = one(found, ClaimType.TALKS_HELD)
    assert c.evidence_field == "summary" and c.venue == "Istanbul"


def test_unrelated_news_yields_nothing():
    assert claims("Chelsea and Liverpool meet in Wembley showpiece", "2022-02-26") == []
    assert claims("Met Police chief resigns", "2022-02-11") == []
    assert claims("Toxic lake near the summit of Costa Rica's volcano", "2022-02-03") == []


# --- actors, offices, overrides -----------------------------------------------------------------


def test_the_same_person_changes_level_with_the_date_of_the_entry():
    d = load_dictionaries()
    shoigu = d.actor("Shoigu")
    assert shoigu is not None
    assert shoigu.office_on(date(2023, 1, 1)).title == "defence minister"  # type: ignore[union-attr]
    assert shoigu.office_on(date(2025, 1, 1)).title == "security council secretary"  # type: ignore[union-attr]


def test_a_generic_title_gives_a_level_to_an_unknown_name():
    found = claims(
        "Russia's deputy foreign minister Ivan Petrov met Turkish officials in Ankara", "2025-05-10"
    )
    levels = {c.party: (c.head, c.level) for c in found if c.type is ClaimType.DELEGATION_ANNOUNCED}
    assert levels == {
        "RU": ("Ivan Petrov", DelegationLevel.DEPUTY_MINISTER),
        "TR": (None, DelegationLevel.SENIOR_OFFICIAL),
    }


def test_feeds_yaml_actor_overrides_win_over_the_bundled_entry():
    override = ActorConfig.model_validate(
        {
            "name": "Rustem Umerov",
            "party": "UA",
            "aliases": ["Umerov"],
            "offices": [
                {"title": "chief negotiator", "level": "senior_official", "from": "2025-01-01"}
            ],
        }
    )
    d = load_dictionaries([override])
    found = extract(
        EntryText(
            "Umerov leads Ukraine's delegation at talks with Russia in Istanbul",
            published_at=datetime(2025, 7, 23, tzinfo=UTC),
        ),
        d,
    )
    assert one(found, ClaimType.DELEGATION_ANNOUNCED).level is DelegationLevel.SENIOR_OFFICIAL


# --- dates ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "direction", "expected", "precision"),
    [
        ("talks on Thursday", +1, date(2025, 5, 15), DatePrecision.DAY),
        ("met on Thursday", -1, date(2025, 5, 8), DatePrecision.DAY),
        ("next Friday", +1, date(2025, 5, 16), DatePrecision.DAY),
        ("on May 15", +1, date(2025, 5, 15), DatePrecision.DAY),
        ("on 16 May", +1, date(2025, 5, 16), DatePrecision.DAY),
        ("tomorrow", +1, date(2025, 5, 12), DatePrecision.DAY),
        ("in June", +1, date(2025, 6, 1), DatePrecision.MONTH),
        ("this week", +1, date(2025, 5, 5), DatePrecision.UNKNOWN),
    ],
)
def test_relative_dates_resolve_against_the_publication_day(text, direction, expected, precision):
    found, prec, _ = resolve(text, date(2025, 5, 11), direction)  # a Sunday
    assert (found, prec) == (expected, precision)


def test_without_a_publication_date_no_date_is_invented():
    assert resolve("on Friday", None, +1)[0] is None


# --- the tracker extract contract ------------------------------------------------------------


def test_extract_jsonl_writes_one_line_per_valid_input_and_reports_bad_lines():
    lines = [
        json.dumps(
            {
                "id": "a",
                "title": "Russia and Ukraine held talks in Istanbul",
                "summary": "",
                "published": "2025-06-02T10:00:00Z",
                "link": "https://example.org/a",
            }
        ),
        "{not json",
        "",
        json.dumps({"id": "b", "title": "Weather", "summary": "Sunny", "published": None}),
        json.dumps(["a list"]),
    ]
    out = io.StringIO()
    errors: list[LineError] = []
    assert extract_jsonl(lines, out, errors=errors) == 2
    rows = [json.loads(x) for x in out.getvalue().splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"]
    assert rows[0]["events"][0]["type"] == "talks_held" and rows[1]["events"] == []
    assert {
        "type",
        "parties",
        "venue",
        "date",
        "date_precision",
        "party",
        "head",
        "head_title",
        "level",
        "person",
        "hedged",
        "evidence",
    } <= set(rows[0]["events"][0])
    assert [str(e) for e in errors] == ["line 2: not valid JSON", "line 5: not a JSON object"]


def test_extract_jsonl_without_an_error_list_raises_after_processing_every_line():
    out = io.StringIO()
    with pytest.raises(InputError, match="line 1: not valid JSON"):
        extract_jsonl(["{oops", json.dumps({"id": "x", "title": "Hello"})], out)
    assert json.loads(out.getvalue())["id"] == "x"


def test_the_extractor_version_is_a_dotted_version_string():
    assert (
        all(part.isdigit() for part in EXTRACTOR_VERSION.split("."))
        and EXTRACTOR_VERSION.count(".") == 2
    )
