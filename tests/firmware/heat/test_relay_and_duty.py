"""The relay test against a plant whose ultimate point is known in closed form, and
the duty cycler's promises under any demand."""

from __future__ import annotations

import math
from collections import deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware.heat.duty_cycle import DutyCycler
from firmware.heat.relay import RelayTest


def ultimate_point(gain: float, tau: float, delay: float) -> tuple[float, float]:
    """Ku, Pu of K·e^(−θs)/(τs + 1): the frequency where the phase is −180°."""
    lo, hi = 1e-6, math.pi / delay
    for _ in range(200):
        w = (lo + hi) / 2
        if math.atan(w * tau) + w * delay < math.pi:
            lo = w
        else:
            hi = w
    w = (lo + hi) / 2
    return math.sqrt(1 + (w * tau) ** 2) / gain, 2 * math.pi / w


@pytest.mark.parametrize(
    ("gain_k_w", "tau_s", "delay_s"),
    [(0.01, 600.0, 120.0), (0.004, 3000.0, 300.0)],  # a fast small room, a slow big one
)
def test_relay_measures_the_ultimate_point(gain_k_w: float, tau_s: float, delay_s: float) -> None:
    ku, pu = ultimate_point(gain_k_w, tau_s, delay_s)
    dt = 2.0
    relay = RelayTest(
        bias_w=250.0, amplitude_w=100.0, hysteresis_c=0.0, started_s=0.0, timeout_s=1e6
    )
    pipe: deque[float] = deque([250.0] * int(delay_s / dt))
    temp = 20.0 + gain_k_w * 250.0  # steady at the bias: 20 °C is the setpoint
    t = 0.0
    while not relay.done:
        watts = relay.output(t, 20.0 + gain_k_w * 250.0 - temp)
        pipe.append(watts)
        delayed = pipe.popleft()
        temp += (gain_k_w * delayed + 20.0 - temp) * dt / tau_s
        t += dt
    assert relay.result is not None, relay.failed
    # the describing function is an approximation: a few percent on Pu, ~20 % on Ku
    assert relay.result.ultimate_period_s == pytest.approx(pu, rel=0.1)
    assert relay.result.ultimate_gain_w_per_k == pytest.approx(ku, rel=0.25)
    assert relay.result.load_w == pytest.approx(250.0, rel=0.1)


def test_relay_gives_up_on_a_room_that_never_settles() -> None:
    relay = RelayTest(
        bias_w=200.0, amplitude_w=50.0, hysteresis_c=0.05, started_s=0.0, timeout_s=600.0
    )
    for k in range(100):
        relay.output(k * 10.0, 1.0)  # always cold: never switches
    assert relay.failed is not None and relay.result is None


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0.0, 400.0), min_size=10, max_size=300), st.floats(5.0, 120.0))
def test_duty_cycler_keeps_its_promises(demands: list[float], dt: float) -> None:
    cycler = DutyCycler(min_w=100.0, min_on_s=300.0, min_off_s=300.0)
    t, state, since = 0.0, None, None
    for demand in demands:
        watts = cycler.update(t, demand)
        assert watts == 0.0 or watts >= 100.0
        on = watts > 0
        if state is not None and on != state:
            # the first switch may come at once; every later one waits out the hold
            assert since is None or t - since >= 300.0 - 1e-9
            since = t
        state = on
        t += dt


def test_a_restart_cuts_the_minimum_off_time_short_and_nothing_else() -> None:
    cycler = DutyCycler(min_w=100.0, min_on_s=300.0, min_off_s=300.0)
    assert cycler.update(0.0, 150.0) == 150.0
    assert cycler.update(400.0, 0.0) == 0.0  # off, held for 300 s from here
    assert cycler.update(410.0, 50.0) == 0.0  # a request under min_w waits out the hold
    assert cycler.update(420.0, 50.0, restart=True) == 100.0  # the room is cold: at once
    assert cycler.update(430.0, 0.0, restart=True) == 100.0  # the on hold still holds
    assert cycler.update(800.0, 0.0) == 0.0
    assert cycler.update(810.0, 0.0, restart=True) == 0.0  # nothing asked: stays off


def test_the_thermostat_restarts_a_cooling_room_before_its_off_time_ends() -> None:
    from firmware.heat.thermostat import Thermostat

    def off_for(margin: float) -> float:
        """Seconds off: heat a cold room past min_on_s, make it too warm so it stops,
        then let it cool 1 °C per 10 min until heat comes back."""
        stat = Thermostat(200.0, 400.0, autotune=False, restart_margin_c=margin)
        room, t, off_at = 20.0, 0.0, None
        while t < 6000.0:
            watts = stat.update(t, room, 21.0)
            if t >= 1000.0 and off_at is None:
                room = 22.0  # too warm: it stops
            if watts == 0 and t >= 1000.0 and off_at is None:
                off_at = t
            if off_at is not None:
                if watts > 0:
                    return t - off_at
                room -= 0.017
            t += 10.0
        raise AssertionError("never restarted")

    assert off_for(0.2) < 900.0  # the room got cold: before min_off_s (900 s)
    assert off_for(5.0) >= 900.0  # a margin the room never reaches: the hold is waited out
