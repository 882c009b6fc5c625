"""Controller-side interlocks: derate, then stop; fan fault timing on an injected clock;
supervisor trips and loss."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware.board.thermal_limits import ThermalLimits
from firmware.safety.interlocks import InterlockLimits, Interlocks, InterlockVerdict
from firmware.safety.messages import (
    SENSORS,
    FanMode,
    SensorStatus,
    Telemetry,
    TripCause,
)

LIMITS = InterlockLimits(
    chip_derate_c=70.0, chip_max_c=80.0, exhaust_derate_c=45.0, exhaust_max_c=55.0
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def evaluate(interlocks: Interlocks, **overrides: object) -> InterlockVerdict:
    readings: dict[str, object] = {
        "chip_temp_c": 60.0,
        "exhaust_c": 35.0,
        "fan_rpm": 2000.0,
        "fan_duty_pct": 50.0,
    }
    readings.update(overrides)
    return interlocks.evaluate(**readings)  # type: ignore[arg-type]


def test_all_normal_means_full_power_no_alarms() -> None:
    verdict = evaluate(Interlocks(LIMITS))
    assert verdict == InterlockVerdict(permit=True, power_cap=1.0, alarms=())
    assert verdict.cap_w(400.0) == 400.0


@pytest.mark.parametrize(("chip_c", "cap"), [(70.0, 1.0), (72.5, 0.75), (75.0, 0.5), (79.0, 0.1)])
def test_chip_temperature_derates_linearly(chip_c: float, cap: float) -> None:
    verdict = evaluate(Interlocks(LIMITS), chip_temp_c=chip_c)
    assert verdict.permit
    assert verdict.power_cap == pytest.approx(cap)
    assert ("chip_hot" in verdict.alarms) == (cap < 1.0)


def test_chip_at_its_limit_stops_until_back_under_the_derate_point() -> None:
    interlocks = Interlocks(LIMITS)
    stopped = evaluate(interlocks, chip_temp_c=80.0)
    assert not stopped.permit
    assert stopped.power_cap == 0.0
    assert stopped.cap_w(400.0) == 0.0
    assert "chip_hot" in stopped.alarms
    assert not evaluate(interlocks, chip_temp_c=75.0).permit  # cooling, still above derate
    resumed = evaluate(interlocks, chip_temp_c=69.0)
    assert resumed.permit and resumed.power_cap == 1.0 and resumed.alarms == ()


def test_exhaust_derates_then_stops() -> None:
    interlocks = Interlocks(LIMITS)
    warm = evaluate(interlocks, exhaust_c=50.0)
    assert warm.permit and warm.power_cap == pytest.approx(0.5)
    assert warm.alarms == ("exhaust_hot",)
    hot = evaluate(interlocks, exhaust_c=55.5)
    assert not hot.permit and "exhaust_hot" in hot.alarms


def test_the_tighter_cap_wins() -> None:
    verdict = evaluate(Interlocks(LIMITS), chip_temp_c=72.0, exhaust_c=52.0)
    assert verdict.power_cap == pytest.approx(0.3)
    assert verdict.alarms == ("chip_hot", "exhaust_hot")


def test_fan_fault_reduces_then_stops() -> None:
    clock = Clock()
    interlocks = Interlocks(LIMITS, clock)
    assert evaluate(interlocks, fan_rpm=100.0).alarms == ()  # just seen: not yet a fault
    clock.now += LIMITS.fan_fault_after_s
    reduced = evaluate(interlocks, fan_rpm=100.0)
    assert reduced.permit and reduced.power_cap == LIMITS.fan_fault_cap
    assert reduced.alarms == ("fan_fault",)
    clock.now += LIMITS.fan_stop_after_s - LIMITS.fan_fault_after_s
    stopped = evaluate(interlocks, fan_rpm=100.0)
    assert not stopped.permit and stopped.alarms == ("fan_fault",)
    recovered = evaluate(interlocks, fan_rpm=1500.0)
    assert recovered.permit and recovered.power_cap == 1.0


def test_an_undriven_fan_is_not_a_fault() -> None:
    clock = Clock()
    interlocks = Interlocks(LIMITS, clock)
    evaluate(interlocks, fan_rpm=0.0, fan_duty_pct=0.0)
    clock.now += 60
    assert evaluate(interlocks, fan_rpm=0.0, fan_duty_pct=0.0).alarms == ()


def test_unknown_temperatures_cap_power() -> None:
    verdict = evaluate(Interlocks(LIMITS), chip_temp_c=None, exhaust_c=None)
    assert verdict.permit and verdict.power_cap == LIMITS.unknown_temp_cap
    assert verdict.alarms == ("chip_temp_unknown", "exhaust_temp_unknown")


def test_supervisor_trip_and_loss_forbid_power() -> None:
    interlocks = Interlocks(LIMITS)
    tripped = evaluate(interlocks, supervisor_trip="fan_stall")
    assert not tripped.permit and tripped.alarms == ("supervisor_trip:fan_stall",)
    lost = evaluate(interlocks, supervisor_connected=False)
    assert not lost.permit and lost.alarms == ("supervisor_lost",)


def _telemetry(**changes: object) -> Telemetry:
    fields: dict[str, object] = {
        "uptime_ms": 1,
        "temperatures_c": {"room": 21.0, "intake": 21.0, "exhaust": 50.0, "board": 40.0},
        "sensor_status": dict.fromkeys(SENSORS, SensorStatus.OK),
        "fan_rpm": 1800,
        "fan_duty_pct": 60,
        "fan_mode": FanMode.AUTO,
        "fan_manual_pct": 0,
        "power_requested": True,
        "power_on": True,
        "heartbeat_ok": True,
        "tipped": False,
        "trip_cause": TripCause.NONE,
        "trip_detail": 0,
        "faults": frozenset(),
        "link_errors": 0,
    }
    fields.update(changes)
    return Telemetry(**fields)  # type: ignore[arg-type]


def test_from_supervisor_telemetry() -> None:
    interlocks = Interlocks(LIMITS)
    warm = interlocks.evaluate_telemetry(chip_temp_c=60.0, telemetry=_telemetry(), connected=True)
    assert warm.power_cap == pytest.approx(0.5) and warm.alarms == ("exhaust_hot",)
    tripped = interlocks.evaluate_telemetry(
        chip_temp_c=60.0,
        telemetry=_telemetry(trip_cause=TripCause.TIP_OVER),
        connected=True,
    )
    assert not tripped.permit and "supervisor_trip:tip_over" in tripped.alarms
    nothing = interlocks.evaluate_telemetry(chip_temp_c=60.0, telemetry=None, connected=False)
    assert not nothing.permit and "supervisor_lost" in nothing.alarms


def test_room_limit_stops_until_a_degree_below() -> None:
    interlocks = Interlocks(InterlockLimits(70.0, 80.0, 45.0, 55.0, room_max_c=32.0))
    assert evaluate(interlocks, room_c=31.9).alarms == ()
    hot = evaluate(interlocks, room_c=32.0)
    assert not hot.permit and hot.alarms == ("room_hot",)
    assert not evaluate(interlocks, room_c=31.5).permit  # inside the resume margin
    assert evaluate(interlocks, room_c=31.0).permit


def test_limits_from_a_board_profile() -> None:
    thermal = ThermalLimits(chip_max_c=80.0, derate_c=70.0, exhaust_max_c=55.0, room_max_c=32.0)
    limits = InterlockLimits.from_thermal(thermal)
    assert (limits.chip_derate_c, limits.chip_max_c) == (70.0, 80.0)
    assert (limits.exhaust_derate_c, limits.exhaust_max_c) == (45.0, 55.0)
    assert limits.room_max_c == 32.0


def test_inconsistent_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="chip_derate_c 80"):
        InterlockLimits(chip_derate_c=80, chip_max_c=80, exhaust_derate_c=45, exhaust_max_c=55)


temperatures = st.one_of(st.none(), st.floats(-20.0, 120.0))


@given(temperatures, temperatures, st.floats(0.0, 5000.0), st.floats(0.0, 100.0))
def test_verdict_is_always_consistent(
    chip_c: float | None, exhaust_c: float | None, rpm: float, duty: float
) -> None:
    verdict = evaluate(
        Interlocks(LIMITS), chip_temp_c=chip_c, exhaust_c=exhaust_c, fan_rpm=rpm, fan_duty_pct=duty
    )
    assert 0.0 <= verdict.power_cap <= 1.0
    assert verdict.permit == (verdict.power_cap > 0.0)
    assert (verdict.power_cap < 1.0) == bool(verdict.alarms)


@given(st.floats(-20.0, 120.0), st.floats(-20.0, 120.0))
def test_hotter_chip_never_gets_more_power(cooler_c: float, hotter_c: float) -> None:
    cooler_c, hotter_c = sorted((cooler_c, hotter_c))
    cool = evaluate(Interlocks(LIMITS), chip_temp_c=cooler_c).power_cap
    hot = evaluate(Interlocks(LIMITS), chip_temp_c=hotter_c).power_cap
    assert hot <= cool
