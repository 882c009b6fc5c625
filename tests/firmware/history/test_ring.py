"""The pure history rings: a sample a minute, hours closed as mean (gauges) or last
(counters), bounded by count and age, and a stored copy checked before it is believed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware.history import FIELDS, HOURS, MINUTES, History
from firmware.history.ring import HOUR_SLOTS, MINUTE_SLOTS

T0 = 1_764_806_400  # 2025-12-04 00:00 UTC, a whole hour


def sample(room: float | None = 20.0, power: float = 400.0, kwh: float = 1.0) -> dict:
    return {
        "room_c": room,
        "target_c": 21.0,
        "power_w": power,
        "hashrate_ths": 25.0,
        "energy_kwh": kwh,
        "earnings_sat": 10.0,
    }


def test_one_row_a_minute_keeps_the_minutes_last_reading():
    history = History()
    history.add(T0 + 5, sample(room=19.0))
    history.add(T0 + 50, sample(room=19.5))
    history.add(T0 + 61, sample(room=20.123456))
    doc = history.document(MINUTES)
    assert doc["interval_s"] == 60 and doc["fields"] == list(FIELDS)
    assert [row[:2] for row in doc["samples"]] == [[T0, 19.5], [T0 + 60, 20.12]]


def test_an_hour_is_the_mean_of_gauges_and_the_last_of_counters_nulls_skipped():
    history = History()
    for minute in range(60):
        room = None if minute == 0 else 20.0 + (minute % 2)  # 59 known: 29×20 + 30×21
        history.add(T0 + 60 * minute, sample(room=room, power=300.0, kwh=minute / 10))
    assert history.document(HOURS)["samples"] == []  # the hour is still open
    history.add(T0 + 3600, sample())
    [row] = history.document(HOURS)["samples"]
    assert row[0] == T0
    assert row[1] == round((29 * 20 + 30 * 21) / 59, 2)
    assert row[3] == 300.0
    assert row[5] == 5.9  # energy: the hour's last reading


def test_unknown_and_non_finite_values_are_null():
    history = History()
    history.add(T0, {"room_c": float("nan"), "power_w": True, "target_c": "21"})
    assert history.document(MINUTES)["samples"] == [[T0, *([None] * len(FIELDS))]]


def test_minutes_older_than_48_hours_go_even_across_a_gap():
    history = History()
    history.add(T0, sample())
    history.add(T0 + 48 * 3600, sample())  # off for two days
    assert [row[0] for row in history.document(MINUTES)["samples"]] == [T0 + 48 * 3600]


def test_an_older_reading_never_reorders_the_ring():
    history = History()
    history.add(T0 + 600, sample())
    history.add(T0, sample(room=5.0))
    assert [row[0] for row in history.document(MINUTES)["samples"]] == [T0 + 600]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=7200), min_size=1, max_size=400))
def test_rings_stay_bounded_and_in_time_order(steps):
    history = History()
    t = T0
    for step in steps:
        t += step * 31
        history.add(t, sample())
    for span, slots in ((MINUTES, MINUTE_SLOTS), (HOURS, HOUR_SLOTS)):
        times = [row[0] for row in history.document(span)["samples"]]
        assert len(times) <= slots
        assert times == sorted(set(times))
        assert all(t_row > t - span.keep_s for t_row in times)


def test_a_stored_copy_round_trips_and_drops_samples_from_the_future():
    history = History()
    for minute in range(130):
        history.add(T0 + 60 * minute, sample(kwh=minute))
    back = History.from_dict(history.to_dict(), now_unix=T0 + 60 * 129)
    assert back.document(MINUTES) == history.document(MINUTES)
    assert back.document(HOURS) == history.document(HOURS)
    earlier = History.from_dict(history.to_dict(), now_unix=T0 + 60 * 9)
    assert len(earlier.document(MINUTES)["samples"]) == 10


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "not an object"),
        ({"fields": ["room_c"], "minutes": [], "hours": []}, "fields"),
        ({"fields": list(FIELDS), "minutes": "x", "hours": []}, "history.minutes: not a list"),
        ({"fields": list(FIELDS), "minutes": [[T0 + 1, *[1] * 6]], "hours": []}, "whole 48h"),
        ({"fields": list(FIELDS), "minutes": [[T0, *["a"] * 6]], "hours": []}, "numbers or null"),
        ({"fields": list(FIELDS), "minutes": [[T0, 1]], "hours": []}, r"not \[t, room_c"),
        (
            {"fields": list(FIELDS), "minutes": [[T0, *[1] * 6], [T0, *[1] * 6]], "hours": []},
            "is not after",
        ),
    ],
)
def test_a_damaged_stored_copy_is_refused_with_its_reason(data, message):
    with pytest.raises(ValueError, match=message):
        History.from_dict(data, now_unix=T0 + 86400)
