"""The ``tracker extract`` contract: JSON lines in, one JSON line of claims out per entry.

Input lines are ``{"id", "title", "summary", "published", "link"}``. Each valid line yields
``{"id": …, "events": [claim.to_json(), …]}`` on ``out``. A line that is not a JSON object (or
has an unusable field) yields nothing on ``out`` and processing goes on with the next line; the
problem becomes a :class:`LineError` (``str()`` is ``"line 7: not valid JSON"``). Pass a list as
``errors`` to collect them (the CLI prints each on stderr and exits non-zero at the end);
without one, :class:`~tracker.errors.InputError` is raised after the last line, so a caller that
forgot to look can never mistake a partial run for a clean one. Blank lines are skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

from tracker.errors import InputError
from tracker.values import EntryText, utc

if TYPE_CHECKING:
    from tracker.extract.lexicon import Dictionaries


@dataclass(frozen=True, slots=True)
class LineError:
    """One input line that could not be processed (1-based ``line``)."""

    line: int
    message: str
    id: str | None = None

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def _published(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError("'published' must be an ISO-8601 string")
    text = value.strip().replace(" ", "T", 1)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        return utc(datetime.fromisoformat(text))
    except ValueError:
        raise ValueError(f"'published' is not an ISO-8601 date-time: {value[:40]!r}") from None


def parse_line(raw: str) -> EntryText:
    """One input line -> EntryText.

    Raises:
        ValueError: the line is not a JSON object or a field has the wrong type.
    """
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        raise ValueError("not valid JSON") from None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    for key in ("title", "summary", "link"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise ValueError(f"'{key}' must be a string")
    entry_id = data.get("id")
    return EntryText(
        title=data.get("title") or "",
        summary=data.get("summary") or "",
        published_at=_published(data.get("published")),
        link=data.get("link"),
        id=None if entry_id is None else str(entry_id),
    )


def extract_jsonl(
    lines: Iterable[str],
    out: TextIO,
    dictionaries: Dictionaries | None = None,
    errors: list[LineError] | None = None,
) -> int:
    """Run the extractor over JSON lines, writing one result line per valid input line.

    Returns the number of result lines written. Bad lines are appended to ``errors`` when given.

    Raises:
        InputError: some lines were bad and no ``errors`` list was given (raised only after
            every other line has been processed and written).
    """
    from tracker.extract import extract

    written = 0
    problems: list[LineError] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            entry = parse_line(raw)
        except ValueError as exc:
            problems.append(LineError(number, str(exc)))
            continue
        events = [claim.to_json() for claim in extract(entry, dictionaries)]
        out.write(json.dumps({"id": entry.id, "events": events}, ensure_ascii=False) + "\n")
        written += 1
    if errors is not None:
        errors.extend(problems)
    elif problems:
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise InputError(f"{len(problems)} bad input line(s): {shown}{more}")
    return written
