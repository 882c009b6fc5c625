"""The level mapper: the average follows the demand, the miner is never switched more
often than it tolerates, and an owner's "off" goes through at once."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware.miner.actuators import ACTUATORS, Actuator
from firmware.miner.levels import HOUR_S, LevelMapper

TICK_S = 10.0
NAMES = sorted(ACTUATORS)


def run(mapper: LevelMapper, demand_w: float, hours: float, start_s: float = 0.0) -> float:
    """Energy delivered (J) over `hours` of constant demand, ticking every TICK_S."""
    energy = 0.0
    now = start_s
    for _ in range(int(hours * HOUR_S / TICK_S)):
        energy += mapper.update(now, demand_w).watts * TICK_S
        now += TICK_S
    return energy


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(NAMES), fraction=st.floats(0.0, 1.0))
def test_average_power_follows_a_steady_demand(name: str, fraction: float) -> None:
    act = ACTUATORS[name]
    demand = act.off.watts + fraction * (act.max_w - act.off.watts)
    mapper = LevelMapper(act)
    hours = 12.0
    energy = run(mapper, demand, hours)
    # Bounded error: one dwell's worth of the widest step, plus a retarget band.
    span = max(b.watts - a.watts for a, b in itertools.pairwise(act.settings))
    dwell = max(act.limits.min_on_s, act.limits.min_off_s, HOUR_S / act.limits.max_changes_per_h)
    bound = 2 * span * dwell / (hours * HOUR_S) + mapper.retarget_w + TICK_S * span / HOUR_S
    assert energy / (hours * HOUR_S) == pytest.approx(demand, abs=bound)


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(NAMES),
    steps=st.lists(
        st.tuples(st.floats(10.0, 3000.0), st.floats(0.0, 1.0)), min_size=1, max_size=30
    ),
)
def test_changes_stay_within_the_miners_limits(
    name: str, steps: list[tuple[float, float]]
) -> None:
    act = ACTUATORS[name]
    mapper = LevelMapper(act)
    changes: list[float] = []
    now = 0.0
    previous = mapper.current
    for duration, fraction in steps:
        demand = fraction * act.max_w
        end = now + duration
        while now < end:
            setting = mapper.update(now, demand)
            if setting != previous:
                changes.append(now)
                previous = setting
            if act.continuous:
                assert setting.off or act.min_w <= setting.watts <= act.max_w
            else:
                assert setting in act.settings
            now += TICK_S
    for i, t in enumerate(changes):
        within = [c for c in changes[i:] if c < t + HOUR_S]
        assert len(within) <= act.limits.max_changes_per_h
    for a, b in itertools.pairwise(changes):
        assert b - a >= act.limits.min_level_s


@pytest.mark.parametrize("name", NAMES)
def test_owner_off_goes_through_at_once(name: str) -> None:
    act: Actuator = ACTUATORS[name]
    mapper = LevelMapper(act)
    assert mapper.update(0.0, act.max_w) == act.settings[-1]
    # Straight after starting: the thermostat's 0 W waits for the minimum on-time...
    assert not mapper.update(1.0, 0.0).off
    # ...the owner's off does not.
    assert mapper.update(2.0, 0.0, owner_off=True).off
    # And the miner then rests its minimum off-time before heating again.
    assert mapper.update(3.0, act.max_w).off
    later = 3.0 + max(act.limits.min_off_s, HOUR_S / act.limits.max_changes_per_h)
    assert not mapper.update(later, act.max_w).off


def test_a_demand_between_avalon_levels_alternates_them() -> None:
    act = ACTUATORS["avalon-nano3s"]
    mapper = LevelMapper(act)
    seen = set()
    now = 0.0
    for _ in range(int(6 * HOUR_S / TICK_S)):
        seen.add(mapper.update(now, 85.0).name)
        now += TICK_S
    assert {"low", "medium"} <= seen
    assert "high" not in seen
    assert mapper.changes_last_hour(now) <= act.limits.max_changes_per_h


def test_a_power_target_follows_without_duty_cycling() -> None:
    act = ACTUATORS["braiins-s19"]
    mapper = LevelMapper(act)
    assert mapper.update(0.0, 2000.0).watts == 2000.0
    # A few watts more is not worth a change; a lot more is, after the dwell.
    assert mapper.update(100.0, 2010.0).watts == 2000.0
    assert mapper.update(400.0, 2500.0).watts == 2500.0
