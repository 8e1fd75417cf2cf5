"""Which of a party's leader-level office holders speaks for it abroad on a given day."""

from __future__ import annotations

# Where the head of government, not the head of state, speaks for the country abroad.
_GOVERNMENT_LED = frozenset(
    [
        "GB",
        "DE",
        "IN",
        "IL",
        "JP",
        "IT",
        "ES",
        "NL",
        "CA",
        "AU",
        "PK",
        "IQ",
        "SE",
        "NO",
        "DK",
        "GR",
        "HU",
        "CZ",
        "BE",
        "AT",
        "PT",
        "IE",
        "NZ",
        "TH",
        "MY",
    ]
)
_HEAD_OF_STATE = ("president", "king", "queen", "emir", "sultan", "supreme leader")


def leader_rank(party: str, title: str) -> int:
    """Higher wins when a party has several leader-level office holders on a day."""
    low = title.lower()
    government = "prime minister" in low or "chancellor" in low or "premier" in low
    if party in _GOVERNMENT_LED:
        return 2 if government else 1
    if "acting" in low:
        return 1
    return 2 if low.startswith(_HEAD_OF_STATE) or not government else 1
