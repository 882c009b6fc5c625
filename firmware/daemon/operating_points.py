"""Watts -> `OperatingPoint` on a board profile, the daemon's planner until the heat
part's efficiency planner is wired in: the highest frequency step whose draw at its
minimum stable voltage, all chips hashing, stays within the requested watts."""

from __future__ import annotations

from firmware.board import BoardProfile
from firmware.work import OperatingPoint

IDLE = OperatingPoint(frequency_mhz=0.0, voltage_mv=0, active_chips=0, duty=0.0)


def point_for_watts(board: BoardProfile, watts: float) -> OperatingPoint:
    idle_w = board.power.idle_w
    if watts <= idle_w:
        return IDLE
    steps = board.frequency_steps()
    chosen = steps[0]
    for frequency in steps:
        if board.power_w(frequency, board.min_voltage_mv(frequency)) <= watts:
            chosen = frequency
    voltage = board.min_voltage_mv(chosen)
    draw = board.power_w(chosen, voltage)
    # Below the board's lowest point, hash part of the time (the thermostat normally
    # duty-cycles itself and never asks for less than the minimum).
    # (power while duty-cycling = idle + (draw - idle) × duty, see point_power_w)
    duty = (watts - idle_w) / (draw - idle_w) if draw > watts else 1.0
    return OperatingPoint(chosen, voltage, board.chip_count, duty)


def point_power_w(board: BoardProfile, point: OperatingPoint) -> float:
    """Modelled wall power at a point (the board has no power meter)."""
    if point.active_chips == 0 or point.duty == 0:
        return board.power.idle_w
    hashing = board.power_w(point.frequency_mhz, point.voltage_mv, point.active_chips)
    return board.power.idle_w + (hashing - board.power.idle_w) * point.duty
