"""The extractor is total: any text in, a list out, no exception and no spurious event."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.extract import extract
from tracker.values import Claim, EntryText

WHEN = datetime(2025, 5, 11, tzinfo=UTC)
_html = st.lists(
    st.sampled_from(
        [
            "<p>",
            "</p>",
            "<li>",
            "<br/>",
            "&amp;",
            "&#x27;",
            "<script>x</script>",
            "<a href='x'>",
            "</a>",
            "<",
            ">",
            "&",
            "\u00a0",
            "\n",
            " ",
        ]
    ),
    max_size=30,
).map("".join)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(title=st.text(max_size=300), summary=st.text(max_size=2000) | _html, naive=st.booleans())
def test_any_text_gives_a_list_of_claims_and_never_raises(title, summary, naive):
    published = WHEN.replace(tzinfo=None) if naive else WHEN
    result = extract(EntryText(title=title, summary=summary, published_at=published))
    assert isinstance(result, list) and all(isinstance(c, Claim) for c in result)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_text_without_any_diplomatic_word_yields_nothing(text):
    # Random text over the whole of Unicode almost never spells a trigger; when it does not,
    # the prefilter must reject the entry outright.
    from tracker.extract import prefilter

    entry = EntryText(title=text, summary=text[::-1], published_at=WHEN)
    if not prefilter(text) and not prefilter(text[::-1]):
        assert extract(entry) == []


def test_a_one_megabyte_html_summary_is_handled():
    summary = "<div>" + "<p>Officials met reporters.</p>" * 40_000 + "</div>"
    assert len(summary) > 1_000_000
    assert isinstance(extract(EntryText("Weather", summary, WHEN)), list)


def test_empty_and_missing_fields_give_no_claims():
    assert extract(EntryText("")) == []
    assert extract(EntryText("", "", None)) == []


def test_non_english_and_mojibake_entries_give_no_spurious_event():
    for title, summary in [
        ("Переговоры России и Украины в Стамбуле", "Делегации встретились"),
        ("Gespräche in Istanbul: Delegationen treffen sich", "Die Delegationen trafen sich."),
        ("Ã¢â‚¬Å“TalksÃ¢â‚¬Â\x9d", "Ã©Ã¨Ã  Ã¢â‚¬â„¢ Ãƒ"),
        ("إجتماع في إسطنبول", "محادثات"),
    ]:
        assert extract(EntryText(title, summary, WHEN)) == []


def test_the_same_entry_always_gives_the_same_claims():
    entry = EntryText("Russia and Ukraine hold talks in Istanbul on Friday", "", WHEN)
    assert extract(entry) == extract(entry)
