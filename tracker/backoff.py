"""When to poll a feed next: interval, exponential backoff with jitter, Retry-After, a ceiling.

Pure policy: no clock (``now`` is an argument), no I/O, and the randomness comes from an
injectable ``jitter`` source so tests can pin it. The scheduler and the ingest layer call
:func:`next_poll_at` after every poll; ``failures`` is the number of consecutive failed polls
*including* the one just recorded (0 after a success).

The rules, in order:

* After a success the feed is polled again one ``interval`` later.
* After the n-th consecutive failure the delay is ``interval * 2**(n-1)`` (so one failure does
  not yet slow a feed down, the second doubles the wait, ...), capped by the ceiling, then
  shortened by up to :data:`JITTER` (20 %) so that feeds failing together (a host went down)
  do not come back in lock-step. Jitter only ever shortens, so the ceiling is never exceeded.
* A ``Retry-After`` from the server pushes the next poll later, never earlier, and is itself
  capped by the ceiling: a server asking for a week (or for the year 2099) does not make us
  abandon the feed.
* The ceiling never makes a feed poll *more* often than its own interval: a daily feed with a
  one-hour ceiling still waits a day.

There is always a next poll: no feed is ever silently given up.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from tracker.values import utc

#: Fraction of a backoff delay that jitter may remove (0.2: the delay lands in [80 %, 100 %]).
JITTER = 0.2

#: Past this many doublings the delay is at any sane ceiling anyway; bounding the exponent
#: keeps ``2**n`` from overflowing a float for a feed that has failed for years.
_MAX_DOUBLINGS = 60


def backoff_delay(
    failures: int,
    interval: timedelta,
    *,
    ceiling: timedelta,
    jitter: Callable[[], float] = random.random,
) -> timedelta:
    """Delay before the next poll after ``failures`` consecutive failures (0: success).

    Args:
        failures: consecutive failed polls, including the one just recorded.
        interval: the feed's normal poll interval.
        ceiling: the longest wait backoff may impose (``Settings.backoff_max``).
        jitter: returns a float in [0, 1); 0 keeps the full delay, values near 1 shorten it
            by almost :data:`JITTER`. Pass ``random.Random(seed).random`` for reproducibility.

    Returns:
        A positive timedelta, never longer than ``max(ceiling, interval)``.

    Raises:
        ValueError: ``failures`` is negative, or ``interval``/``ceiling`` is not positive, or
            ``jitter`` returned a value outside [0, 1].
    """
    _check(failures, interval, ceiling)
    if failures == 0:
        return interval
    cap_s = max(ceiling, interval).total_seconds()
    base_s = min(cap_s, interval.total_seconds() * 2.0 ** min(failures - 1, _MAX_DOUBLINGS))
    u = jitter()
    if not 0.0 <= u <= 1.0:
        raise ValueError(f"jitter source returned {u!r}; it must return a float in [0, 1]")
    return timedelta(seconds=base_s * (1.0 - JITTER * u))


def next_poll_at(
    now: datetime,
    interval: timedelta,
    failures: int = 0,
    *,
    retry_after: datetime | None = None,
    ceiling: timedelta = timedelta(hours=24),
    jitter: Callable[[], float] = random.random,
) -> datetime:
    """The time of the next poll of a feed (aware UTC).

    Args:
        now: when the poll that just ended finished (aware; converted to UTC).
        interval: the feed's normal poll interval.
        failures: consecutive failed polls including this one (0 after a success).
        retry_after: absolute time the server asked us to wait until (429/503), if any.
        ceiling: the longest wait backoff or Retry-After may impose (``Settings.backoff_max``).
        jitter: see :func:`backoff_delay`.

    Returns:
        ``now`` plus the backoff delay, moved later to honour ``retry_after`` but never later
        than ``now + max(ceiling, interval)``.

    Raises:
        ValueError: ``now`` or ``retry_after`` is naive, or see :func:`backoff_delay`.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    now = utc(now)
    delay = backoff_delay(failures, interval, ceiling=ceiling, jitter=jitter)
    when = now + delay
    if retry_after is not None:
        if retry_after.tzinfo is None:
            raise ValueError("retry_after must be timezone-aware (UTC)")
        latest = now + max(ceiling, interval)
        when = max(when, min(utc(retry_after), latest))
    return when


def _check(failures: int, interval: timedelta, ceiling: timedelta) -> None:
    if failures < 0:
        raise ValueError(f"failures must be >= 0, got {failures}")
    if interval <= timedelta(0):
        raise ValueError(f"interval must be positive, got {interval}")
    if ceiling <= timedelta(0):
        raise ValueError(f"ceiling must be positive, got {ceiling}")
