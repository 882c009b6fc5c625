"""Controller-side interlocks: back off before the supervisor's hard limits.

Pure and clock-injected. Each evaluation takes the latest readings and returns whether the
hashboard may run and at what fraction of its maximum power, plus the alarm codes for the
MQTT `alarms` list. Order of escalation: derate (cap below 1), then stop (no permit). The
supervisor's own trips (firmware/supervisor/limits.py) sit above all of this and do not
depend on it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from firmware.board.thermal_limits import ThermalLimits
from firmware.safety.messages import Telemetry

# Alarm codes (MQTT `alarms`).
CHIP_HOT = "chip_hot"
CHIP_TEMP_UNKNOWN = "chip_temp_unknown"
EXHAUST_HOT = "exhaust_hot"
EXHAUST_TEMP_UNKNOWN = "exhaust_temp_unknown"
ROOM_HOT = "room_hot"
FAN_FAULT = "fan_fault"
SUPERVISOR_LOST = "supervisor_lost"
SUPERVISOR_TRIP_PREFIX = "supervisor_trip:"


@dataclass(frozen=True)
class InterlockLimits:
    chip_derate_c: float  # chip temperature where the cap starts falling from 1
    chip_max_c: float  # cap reaches 0 here: stop
    exhaust_derate_c: float
    exhaust_max_c: float
    # Never heat the room past this, whatever the setpoint: stop, and resume only once the
    # room is room_resume_margin_c below it. None: no room limit at this layer.
    room_max_c: float | None = None
    room_resume_margin_c: float = 1.0
    # Derating a few degrees early is quiet; running blind is not: a missing reading caps
    # power at this fraction until it comes back.
    unknown_temp_cap: float = 0.5
    fan_min_rpm: float = 500.0  # below this while driven = fan fault
    fan_check_duty_pct: float = 20.0  # the fan counts as driven at this duty and above
    fan_fault_after_s: float = 3.0  # slow this long: reduce to fan_fault_cap
    fan_stop_after_s: float = 15.0  # slow this long: stop
    fan_fault_cap: float = 0.5

    def __post_init__(self) -> None:
        if not self.chip_derate_c < self.chip_max_c:
            raise ValueError(
                f"chip_derate_c {self.chip_derate_c} must be below chip_max_c {self.chip_max_c}"
            )
        if not self.exhaust_derate_c < self.exhaust_max_c:
            raise ValueError(
                f"exhaust_derate_c {self.exhaust_derate_c} "
                f"must be below exhaust_max_c {self.exhaust_max_c}"
            )
        if not 0 < self.fan_fault_after_s <= self.fan_stop_after_s:
            raise ValueError("fan_fault_after_s must be positive and at most fan_stop_after_s")

    @classmethod
    def from_thermal(
        cls, thermal: ThermalLimits, exhaust_derate_span_c: float = 10.0
    ) -> InterlockLimits:
        """From a board profile's `[thermal]` table; the exhaust derates over the last
        `exhaust_derate_span_c` below its maximum."""
        return cls(
            chip_derate_c=thermal.derate_c,
            chip_max_c=thermal.chip_max_c,
            exhaust_derate_c=thermal.exhaust_max_c - exhaust_derate_span_c,
            exhaust_max_c=thermal.exhaust_max_c,
            room_max_c=thermal.room_max_c,
        )


@dataclass(frozen=True)
class InterlockVerdict:
    permit: bool  # False: hashboard power off now
    power_cap: float  # fraction of the board's maximum power, 0..1 (0 without permit)
    alarms: tuple[str, ...]

    def cap_w(self, max_w: float) -> float:
        return max_w * self.power_cap if self.permit else 0.0


class Interlocks:
    def __init__(
        self, limits: InterlockLimits, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits
        self._clock = clock
        self._fan_slow_since: float | None = None
        # A stop on temperature holds until the reading is back under the derate point.
        self._chip_stopped = False
        self._exhaust_stopped = False
        self._room_stopped = False

    def evaluate(
        self,
        *,
        chip_temp_c: float | None,
        exhaust_c: float | None,
        fan_rpm: float | None,
        fan_duty_pct: float | None,
        supervisor_trip: str | None = None,
        supervisor_connected: bool = True,
        room_c: float | None = None,
    ) -> InterlockVerdict:
        limits = self.limits
        alarms: list[str] = []
        cap = 1.0
        permit = True

        chip_cap, self._chip_stopped = _derate(
            chip_temp_c, limits.chip_derate_c, limits.chip_max_c, self._chip_stopped
        )
        if chip_temp_c is None:
            alarms.append(CHIP_TEMP_UNKNOWN)
            cap = min(cap, limits.unknown_temp_cap)
        elif chip_cap < 1.0:
            alarms.append(CHIP_HOT)
        cap = min(cap, chip_cap)

        exhaust_cap, self._exhaust_stopped = _derate(
            exhaust_c, limits.exhaust_derate_c, limits.exhaust_max_c, self._exhaust_stopped
        )
        if exhaust_c is None:
            alarms.append(EXHAUST_TEMP_UNKNOWN)
            cap = min(cap, limits.unknown_temp_cap)
        elif exhaust_cap < 1.0:
            alarms.append(EXHAUST_HOT)
        cap = min(cap, exhaust_cap)

        slow_for = self._fan_slow_for(fan_rpm, fan_duty_pct)
        if slow_for >= limits.fan_fault_after_s:
            alarms.append(FAN_FAULT)
            cap = min(cap, 0.0 if slow_for >= limits.fan_stop_after_s else limits.fan_fault_cap)

        if self._room_too_hot(room_c):
            alarms.append(ROOM_HOT)
            cap = 0.0

        if supervisor_trip is not None:
            alarms.append(SUPERVISOR_TRIP_PREFIX + supervisor_trip)
            permit = False
        if not supervisor_connected:
            alarms.append(SUPERVISOR_LOST)
            permit = False

        if cap <= 0.0:
            permit = False
        return InterlockVerdict(permit, cap if permit else 0.0, tuple(alarms))

    def evaluate_telemetry(
        self, *, chip_temp_c: float | None, telemetry: Telemetry | None, connected: bool
    ) -> InterlockVerdict:
        """`evaluate` fed from the supervisor's latest telemetry (SupervisorLink.telemetry
        and .connected)."""
        if telemetry is None:
            return self.evaluate(
                chip_temp_c=chip_temp_c,
                exhaust_c=None,
                fan_rpm=None,
                fan_duty_pct=None,
                supervisor_connected=False,
            )
        return self.evaluate(
            chip_temp_c=chip_temp_c,
            exhaust_c=telemetry.temperatures_c["exhaust"],
            room_c=telemetry.temperatures_c["room"],
            fan_rpm=telemetry.fan_rpm,
            fan_duty_pct=telemetry.fan_duty_pct,
            supervisor_trip=telemetry.trip_cause.code if telemetry.tripped else None,
            supervisor_connected=connected,
        )

    def _room_too_hot(self, room_c: float | None) -> bool:
        room_max_c = self.limits.room_max_c
        if room_max_c is None:
            return False
        if room_c is not None:  # an unknown reading keeps the last decision
            if room_c >= room_max_c:
                self._room_stopped = True
            elif room_c <= room_max_c - self.limits.room_resume_margin_c:
                self._room_stopped = False
        return self._room_stopped

    def _fan_slow_for(self, rpm: float | None, duty_pct: float | None) -> float:
        """Seconds the fan has been driven but too slow; 0 when it is fine or not driven."""
        driven = duty_pct is not None and duty_pct >= self.limits.fan_check_duty_pct
        slow = driven and (rpm is None or rpm < self.limits.fan_min_rpm)
        now = self._clock()
        if not slow:
            self._fan_slow_since = None
            return 0.0
        if self._fan_slow_since is None:
            self._fan_slow_since = now
        return now - self._fan_slow_since


def _derate(
    celsius: float | None, derate_c: float, max_c: float, stopped: bool
) -> tuple[float, bool]:
    """(cap, stopped): 1 below derate_c, linear to 0 at max_c; once stopped, 0 until the
    temperature is back under derate_c. Unknown temperature: no cap from here."""
    if celsius is None:
        return 1.0, stopped
    if celsius >= max_c:
        return 0.0, True
    if stopped and celsius > derate_c:
        return 0.0, True
    if celsius <= derate_c:
        return 1.0, False
    return (max_c - celsius) / (max_c - derate_c), False
