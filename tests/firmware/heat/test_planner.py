"""The power planner on the real hearth-400 profile: the most hashes for the heat, a
monotone frontier, ramps that respect the chips' limits, and an immediate stop."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware.board import load_board
from firmware.heat import PowerPlanner, RampLimits

BOARD = load_board("hearth-400")


@pytest.fixture
def planner() -> PowerPlanner:
    return PowerPlanner(BOARD)


def test_band_matches_the_board(planner: PowerPlanner) -> None:
    f_min, f_max = BOARD.frequency_min_mhz, BOARD.frequency_max_mhz
    assert planner.max_w == pytest.approx(BOARD.max_w())
    # one chip at the bottom of the grid is the lowest continuous heat
    assert planner.min_w == pytest.approx(BOARD.power_w(f_min, BOARD.min_voltage_mv(f_min), 1))
    # The top is the whole chain at the fastest clock within the board's 400 W rating
    # (its frequency range would reach 502 W): one step faster would exceed the rating.
    top = planner.best_for(planner.max_w).point
    rated = BOARD.power.rated_w
    assert rated is not None and planner.max_w == pytest.approx(rated)
    assert top.active_chips == BOARD.chip_count and top.frequency_mhz < f_max
    faster = top.frequency_mhz + BOARD.frequency_step_mhz
    assert BOARD.power_w(faster, BOARD.min_voltage_mv(faster), BOARD.chip_count) > rated
    assert all(p.power_w <= rated + 1e-9 for p in planner.frontier)


def test_frontier_is_strictly_better_with_more_power(planner: PowerPlanner) -> None:
    points = planner.frontier
    for a, b in itertools.pairwise(points):
        assert b.power_w > a.power_w and b.hashrate_ghs > a.hashrate_ghs
    for p in points:
        f = p.point.frequency_mhz
        assert p.point.voltage_mv == BOARD.min_voltage_mv(f)


@settings(max_examples=40, deadline=None)
@given(st.floats(47.0, 400.0))
def test_best_point_is_optimal_for_the_heat(watts: float) -> None:
    planner = PowerPlanner(BOARD)
    best = planner.best_for(watts)
    assert best.power_w <= watts + 1e-6
    assert watts - best.power_w < 12.0  # the grid is fine enough to hit the heat
    # brute force over every chip count and frequency: nothing beats it
    for n in range(1, BOARD.chip_count + 1):
        for f in BOARD.frequency_steps():
            v = BOARD.min_voltage_mv(f)
            if BOARD.power_w(f, v, n) <= watts:
                assert BOARD.hashrate_ghs(f, n) <= best.hashrate_ghs + 1e-9


def test_lower_heat_is_more_efficient_per_hash_down_to_the_sweet_spot(
    planner: PowerPlanner,
) -> None:
    sweet = planner.most_efficient()
    assert planner.best_for(planner.max_w).efficiency_j_th > planner.best_for(350.0).efficiency_j_th
    assert planner.best_for(350.0).efficiency_j_th > sweet.efficiency_j_th
    # with the board's fixed overhead, few chips are worse than many: the sweet spot
    # uses every chip, slowly
    assert sweet.point.active_chips == BOARD.chip_count
    assert sweet.point.frequency_mhz < BOARD.default_frequency_mhz


def test_zero_is_off_at_idle_power(planner: PowerPlanner) -> None:
    off = planner.best_for(0.0)
    assert not off.hashing and off.power_w == BOARD.power.idle_w
    assert math.isinf(off.efficiency_j_th)


def test_ramp_respects_limits_and_voltage_leads_frequency() -> None:
    ramp = RampLimits(frequency_mhz_per_s=20.0, voltage_mv_per_s=40.0, chip_interval_s=2.0)
    planner = PowerPlanner(BOARD, ramp)
    previous = planner.step(0.0, 450.0)
    assert previous.point.frequency_mhz == BOARD.frequency_min_mhz  # powers up at the bottom
    requests = [450.0] * 200 + [60.0] * 400 + [300.0] * 200
    for k, watts in enumerate(requests, start=1):
        now = k * 0.3  # shorter than one regulator step at this rate
        current = planner.step(now, watts)
        p, q = previous.point, current.point
        assert abs(q.frequency_mhz - p.frequency_mhz) <= 20.0 + 1e-9
        assert abs(q.voltage_mv - p.voltage_mv) <= 40 + BOARD.voltage_step_mv
        assert q.voltage_mv % BOARD.voltage_step_mv == 0
        assert abs(q.active_chips - p.active_chips) <= 1
        assert q.voltage_mv >= BOARD.min_voltage_mv(q.frequency_mhz)
        previous = current
    assert previous.point == planner.best_for(300.0).point


def test_stop_is_immediate(planner: PowerPlanner) -> None:
    for k in range(30):
        planner.step(float(k), 500.0)
    assert planner.current.hashing
    assert not planner.step(30.0, 0.0).hashing


def test_bad_ramp_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="frequency_mhz_per_s"):
        RampLimits(frequency_mhz_per_s=0.0)
