"""tracker.backoff: when a feed is polled next, after successes and failures."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.backoff import JITTER, backoff_delay, next_poll_at

NOW = datetime(2025, 5, 16, 12, 0, tzinfo=UTC)
MIN15 = timedelta(minutes=15)
DAY = timedelta(hours=24)


def no_jitter() -> float:
    return 0.0


def test_a_healthy_feed_is_polled_again_one_interval_later() -> None:
    assert next_poll_at(NOW, MIN15, 0, jitter=no_jitter) == NOW + MIN15


def test_consecutive_failures_double_the_wait_from_the_second_failure_on() -> None:
    delays = [backoff_delay(n, MIN15, ceiling=DAY, jitter=no_jitter) for n in range(1, 6)]
    assert delays == [MIN15, 2 * MIN15, 4 * MIN15, 8 * MIN15, 16 * MIN15]


def test_the_wait_stops_growing_at_the_ceiling_and_there_is_always_a_next_poll() -> None:
    for failures in (8, 9, 50, 10_000):  # 15 min * 2**7 is past a day
        when = next_poll_at(NOW, MIN15, failures, ceiling=DAY, jitter=no_jitter)
        assert when == NOW + DAY


def test_jitter_only_shortens_the_wait_by_at_most_the_jitter_fraction() -> None:
    full = backoff_delay(3, MIN15, ceiling=DAY, jitter=no_jitter)
    shortest = backoff_delay(3, MIN15, ceiling=DAY, jitter=lambda: 1.0)
    assert shortest == full * (1 - JITTER)
    seeded = random.Random(7).random
    for _ in range(100):
        delay = backoff_delay(3, MIN15, ceiling=DAY, jitter=seeded)
        assert full * (1 - JITTER) <= delay <= full


def test_feeds_failing_together_come_back_at_different_times() -> None:
    rng = random.Random(1)
    times = {next_poll_at(NOW, MIN15, 4, jitter=rng.random) for _ in range(20)}
    assert len(times) == 20


def test_retry_after_pushes_the_next_poll_later_but_never_earlier() -> None:
    later = NOW + timedelta(hours=3)
    assert next_poll_at(NOW, MIN15, 1, retry_after=later, jitter=no_jitter) == later
    sooner = NOW + timedelta(minutes=1)
    assert next_poll_at(NOW, MIN15, 1, retry_after=sooner, jitter=no_jitter) == NOW + MIN15


def test_an_absurd_retry_after_is_capped_by_the_ceiling() -> None:
    far = datetime(2099, 1, 1, tzinfo=UTC)
    when = next_poll_at(NOW, MIN15, 1, retry_after=far, ceiling=DAY, jitter=no_jitter)
    assert when == NOW + DAY


def test_the_ceiling_never_makes_a_feed_poll_more_often_than_its_interval() -> None:
    weekly = timedelta(days=7)
    assert next_poll_at(NOW, weekly, 3, ceiling=DAY, jitter=no_jitter) == NOW + weekly


def test_the_next_poll_time_is_utc_even_when_now_is_given_in_another_zone() -> None:
    kyiv = NOW.astimezone(timezone(timedelta(hours=3)))
    when = next_poll_at(kyiv, MIN15, 0)
    assert when.tzinfo == UTC
    assert when == NOW + MIN15


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"failures": -1}, "failures"),
        ({"interval": timedelta(0)}, "interval"),
        ({"ceiling": timedelta(seconds=-1)}, "ceiling"),
        ({"now": datetime(2025, 1, 1)}, "timezone-aware"),
        ({"retry_after": datetime(2025, 1, 1)}, "timezone-aware"),
        ({"jitter": lambda: 1.5}, "jitter"),
    ],
)
def test_nonsense_arguments_are_refused_with_a_message(kwargs: dict, message: str) -> None:
    args = {"now": NOW, "interval": MIN15, "failures": 2, **kwargs}
    with pytest.raises(ValueError, match=message):
        next_poll_at(args.pop("now"), args.pop("interval"), args.pop("failures"), **args)


@given(
    failures=st.integers(min_value=0, max_value=100_000),
    interval_s=st.integers(min_value=1, max_value=7 * 86400),
    ceiling_s=st.integers(min_value=1, max_value=30 * 86400),
    u=st.floats(min_value=0.0, max_value=1.0),
    retry_s=st.one_of(st.none(), st.integers(min_value=-86400, max_value=10**9)),
)
def test_the_next_poll_is_always_in_the_future_and_within_the_ceiling(
    failures: int, interval_s: int, ceiling_s: int, u: float, retry_s: int | None
) -> None:
    interval, ceiling = timedelta(seconds=interval_s), timedelta(seconds=ceiling_s)
    retry = None if retry_s is None else NOW + timedelta(seconds=retry_s)
    when = next_poll_at(
        NOW, interval, failures, retry_after=retry, ceiling=ceiling, jitter=lambda: u
    )
    assert NOW < when <= NOW + max(interval, ceiling)
