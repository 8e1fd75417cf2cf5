"""One exception hierarchy for everything the tracker reports to a user.

The CLI maps each class to a one-line message and an exit code; nothing else in the code
base decides exit codes.
"""

from __future__ import annotations


class TrackerError(Exception):
    """Base of every error the tracker raises on purpose. ``exit_code`` is the CLI's."""

    exit_code = 1


class ConfigError(TrackerError):
    """feeds.yaml (or a setting) is missing, unreadable or invalid."""

    exit_code = 2


class StoreError(TrackerError):
    """The event store URL is invalid or the store cannot be reached."""

    exit_code = 3


class FeedError(TrackerError):
    """A feed could not be fetched or parsed. Recorded per feed; never stops a batch.

    ``kind`` is a short machine-readable reason (``timeout``, ``http_404``, ``too_large``,
    ``not_a_feed`` …) and ``feed`` the feed's name, so messages always say which feed failed.
    """

    def __init__(self, message: str, *, kind: str = "error", feed: str | None = None):
        super().__init__(message)
        self.kind = kind
        self.feed = feed

    def __str__(self) -> str:
        base = super().__str__()
        return f"{self.feed}: {base}" if self.feed else base


class InputError(TrackerError):
    """Bad input on the command line or standard input (e.g. a malformed JSON line)."""

    exit_code = 2
