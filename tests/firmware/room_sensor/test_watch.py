"""What the control loop heats on with an outside room sensor: its reading while fresh,
then the heater's own sensor, then a bounded level; the stale alarm after N minutes
without a reading (counted from the start when none ever came)."""

from __future__ import annotations

import pytest

from firmware.room_sensor import RoomChoice, RoomSensorWatch

STALE_S = 600.0


def watch() -> RoomSensorWatch:
    return RoomSensorWatch("temperature", STALE_S, 0.25, started_s=0.0)


def test_no_reading_yet_holds_the_fallback_then_raises_the_alarm() -> None:
    w = watch()
    assert w.choose(10.0, None) == RoomChoice(None, "fallback", stale=False)
    assert w.choose(STALE_S + 1, None) == RoomChoice(None, "fallback", stale=True)



def test_the_fallback_averages_its_share_duty_cycled_below_the_lowest_power() -> None:
    w = watch()  # 25 % of 400 W = 100 W, under a chain that hashes from 200 W
    watts = [w.fallback_w(t, 400.0, 400.0, 200.0) for t in range(0, 4 * 3600, 10)]
    assert set(watts) == {0.0, 200.0}
    assert abs(sum(watts) / len(watts) - 100.0) < 5.0
    assert RoomSensorWatch("", 60.0, 0.25).fallback_w(0.0, 400.0, 400.0, 50.0) == 100.0
    assert RoomSensorWatch("", 60.0, 0.25).fallback_w(0.0, 70.0, 400.0, 50.0) == 70.0  # a cap


def test_a_fresh_reading_is_used_over_the_heaters_own_until_it_goes_stale() -> None:
    w = watch()
    assert w.take(b'{"temperature": 19.5}', now_s=100.0) == 19.5
    assert w.choose(100.0 + STALE_S, own_c=23.0) == RoomChoice(19.5, "topic", stale=False)
    assert w.choose(101.0 + STALE_S, own_c=23.0) == RoomChoice(23.0, "heater", stale=True)
    assert w.choose(101.0 + STALE_S, own_c=None) == RoomChoice(None, "fallback", stale=True)
    w.take(b'{"temperature": 20.0}', now_s=2000.0)
    assert w.choose(2000.0, own_c=None) == RoomChoice(20.0, "topic", stale=False)


def test_a_payload_that_is_not_a_reading_changes_nothing() -> None:
    w = watch()
    w.take(b'{"temperature": 19.5}', now_s=0.0)
    with pytest.raises(ValueError, match="no field 'temperature'"):
        w.take(b'{"humidity": 50}', now_s=STALE_S)
    assert (w.readings, w.refused) == (1, 1)
    assert "no field" in w.last_error
    assert w.choose(STALE_S + 1, None).stale  # a broken sensor goes stale, never steers


@pytest.mark.parametrize(("stale_s", "fraction"), [(0.0, 0.25), (60.0, 1.5), (60.0, -0.1)])
def test_bad_parameters_are_refused(stale_s: float, fraction: float) -> None:
    with pytest.raises(ValueError):
        RoomSensorWatch("", stale_s, fraction)
