"""Temperatures a board must stay under. The supervisor enforces the hard trips; the
controller uses `derate_c` to back off before it gets there."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ThermalLimits:
    chip_max_c: float  # hard limit on the ASIC die temperature
    derate_c: float  # chip temperature at which the controller starts reducing power
    exhaust_max_c: float  # hot-air outlet of the heater (touch and fire safety)
    room_max_c: float  # never heat a room beyond this, whatever the setpoint
