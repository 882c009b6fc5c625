"""The daemon's pure parts: energy integration, the state object, watts -> point and the
power reported at the chain's true point."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware.board import load_board
from firmware.daemon.energy import EnergyMeter
from firmware.daemon.state import Readings, compose_state
from firmware.heat.planner import IDLE, PowerPlanner, power_at_w

BOARD = load_board("hearth-400")
STATE_KEYS = {
    "mode", "preset", "action", "target_c", "room_c", "power_w", "hashrate_ghs",
    "chip_temp_c", "fan_rpm", "efficiency_j_th", "pool", "shares_accepted",
    "shares_rejected", "energy_kwh", "uptime_s", "alarms", "firmware",
}  # fmt: skip


def test_energy_integrates_power_and_skips_long_gaps():
    meter = EnergyMeter(max_step_s=60.0)
    meter.record(0.0, 1000.0)
    meter.record(36.0, 500.0)  # 1000 W for 36 s = 0.01 kWh
    assert meter.kwh == pytest.approx(0.01)
    meter.record(3600.0, 500.0)  # a suspend: not booked
    assert meter.kwh == pytest.approx(0.01)
    restored = EnergyMeter()
    restored.restore(meter.snapshot())
    assert restored.kwh == meter.kwh
    for bad in ({"version": 1, "kwh": -1}, {"version": 2, "kwh": 1}, {"kwh": "x"}, []):
        with pytest.raises(ValueError):
            EnergyMeter().restore(bad)


@given(st.lists(st.tuples(st.floats(0.001, 30.0), st.floats(0.0, 2000.0)), max_size=50))
def test_energy_never_decreases(steps):
    meter, now, last = EnergyMeter(), 0.0, 0.0
    for dt, watts in steps:
        now += dt
        meter.record(now, watts)
        assert meter.kwh >= last
        last = meter.kwh


PLANNER = PowerPlanner(BOARD, whole_chain=True)


@given(st.floats(0.0, 2000.0))
def test_the_daemons_planner_never_exceeds_the_request(watts):
    planned = PLANNER.best_for(watts)
    if watts < PLANNER.min_w:
        return  # the loop sends IDLE below the chain's lowest point
    assert planned.point.active_chips == BOARD.chip_count  # the ASIC backend: 0 or all
    assert power_at_w(BOARD, planned.point, True) <= watts + 1e-6


def test_power_at_the_true_point_is_idle_when_no_work_is_issued():
    top = PLANNER.best_for(PLANNER.max_w).point
    assert power_at_w(BOARD, top, True) == pytest.approx(PLANNER.max_w)
    # Clocked at 525 MHz but no job: the chips are silent, the board draws idle power.
    assert power_at_w(BOARD, top, False) == BOARD.power.idle_w
    assert power_at_w(BOARD, IDLE, True) == BOARD.power.idle_w
    assert power_at_w(BOARD, None, False) == BOARD.power.idle_w


def test_state_has_every_interfaces_key_and_honest_nulls():
    readings = Readings(
        mode="heat", preset="none", target_c=20.0, power_limit_w=0.0, room_c=None,
        chip_temp_c=None, fan_rpm=None, demand_w=0.0, power_w=3.0, hashrate_ghs=0.0,
        paused=False, fault=False, pool=None, energy_kwh=0.0, uptime_s=1.0,
        alarms=("supervisor_unavailable",), firmware="0.1.0", backend="cpu",
    )  # fmt: skip
    state = compose_state(readings)
    assert set(state) >= STATE_KEYS
    assert state["room_c"] is None and state["efficiency_j_th"] is None
    assert state["pool"] == "offline" and state["action"] == "idle"
    assert (
        compose_state(readings.__class__(**{**readings.__dict__, "fault": True}))["action"]
        == "fault"
    )
