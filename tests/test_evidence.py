"""Evidence counted from citation rows that carry only what counting needs.

The briefing reads an engagement's citations without their titles, links and sources, and
loads those only for the rows its answers display (``Evidence.shown_rows``,
``load_details``). Whatever the rows, answers from rows detailed that way must equal the
answers from fully detailed rows, and must never need a detail that was not loaded.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from projections.evidence import EVIDENCE_SHOWN, Evidence

FIELDS = ["status:scheduled", "status:held", "status:rumored", "venue:Istanbul", "expected:RU"]
DETAILS = ("entry_id", "extractor_version", "title", "link", "source")

citation = st.tuples(st.sampled_from(FIELDS), st.integers(0, 7))


def _rows(drawn: list[tuple[str, int]], detailed: bool) -> list[dict[str, Any]]:
    rows = []
    for version, (field, story) in enumerate(drawn, start=1):
        row: dict[str, Any] = {
            "engagement_id": "e",
            "version": version,
            "field": field,
            "story": f"s{story}",
            "published_at": f"2025-05-{version:02d}T00:00:00.000000Z",
        }
        if detailed:
            row.update(
                entry_id=f"x{version}",
                extractor_version="1",
                title=f"title {version}",
                link=f"https://example.org/{version}",
                source=f"outlet {story}",
            )
        rows.append(row)
    return rows


def _answers(e: Evidence) -> dict[str, Any]:
    return {
        "fields": {k: (e.field(k), e.last(k)) for k in FIELDS},
        "status": e.status(),
        "total": e.total(),
        "summary": e.summary(),
    }


@settings(max_examples=300)
@given(st.lists(citation, max_size=28))
def test_answers_need_only_the_details_of_the_rows_evidence_says_it_shows(drawn):
    full = _answers(Evidence(_rows(drawn, detailed=True)))
    bare = _rows(drawn, detailed=True)
    evidence = Evidence(bare)
    shown = {id(r) for r in evidence.shown_rows()}
    for r in bare:
        if id(r) not in shown:
            for key in DETAILS:
                del r[key]  # a detail nobody loaded: reading it would raise
    assert _answers(evidence) == full


def test_a_story_first_seen_in_another_status_field_can_be_shown_only_by_the_status():
    """The status shows the distinct stories of every status field together: a row can be
    among the latest there and not among its own field's (its field's later stories were
    first reported under another status)."""
    drawn = [("status:scheduled", s) for s in (1, 2, 3, 4)]
    drawn += [("status:held", s) for s in (0, 9, 1, 2, 3, 4)]
    rows = _rows(drawn, detailed=True)
    evidence = Evidence(rows)
    late = rows[5]  # status:held, story s9
    assert late["story"] == "s9"
    assert late["title"] not in [i["title"] for i in evidence.field("status:held")[0]]
    assert late["title"] in [i["title"] for i in evidence.status()[0]]
    assert late in evidence.shown_rows()
    assert len(evidence.field("status:held")[0]) == EVIDENCE_SHOWN
