"""The heated room the control benchmarks share (bench_control, bench_solar,
bench_tariff): a hearth-400 on the whole-chain planner hearthd runs, its real
`HeatController` set up from an owner's settings update as the API applies one, in a
room of hw/sim/room (seed 7, settled at a start temperature), stepped at a fixed step
with the room's noisy, lagging, quantised sensor.

Each step runs the room for `dt_s` with the heater at the point it draws, hands the
step to the benchmark (to tally it, or feed the controller a meter reading or prices),
then decides the next point from the sensor at the step's end: by default as the
planner ramps towards what `HeatController.tick` asks for, or by a benchmark's own
decision (hearthd's whole control step, a baseline thermostat).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Mapping
from typing import NamedTuple

from firmware.board import load_board
from firmware.heat import HeatController, HeatSettings, SettingsLimits, Thermostat, apply_update
from firmware.heat.planner import PlannedPoint, PowerPlanner
from hw.sim.room import Room, RoomParams, RoomState

BOARD = "hearth-400"
ROOM_SEED = 7

# (control-clock seconds, local wall-clock time, sensor °C) -> the point to apply
Decide = Callable[[float, datetime.datetime, float], PlannedPoint]


def whole_chain_planner() -> PowerPlanner:
    """The planner hearthd runs on the bench's board: the ASIC backend clocks all of
    the chain or none of it."""
    return PowerPlanner(load_board(BOARD), whole_chain=True)


class Step(NamedTuple):
    now_s: float  # when the step began
    state: RoomState  # the room at its end
    point: PlannedPoint  # what the heater drew during it


class HeatedRoom:
    """One heater in one room on one clock; `run` steps it."""

    def __init__(
        self,
        params: RoomParams,
        settle_c: float,
        update: Mapping[str, object],
        start: datetime.datetime,
        dt_s: float,
        thermostat: Callable[[float, float], Thermostat] | None = None,
    ) -> None:
        """`update`: the owner's settings (an API update over the defaults); `start`:
        the local time at t = 0; `thermostat`: makes one with its own timings from the
        chain's (min_w, max_w), else the controller's own."""
        self.board = load_board(BOARD)
        self.planner = PowerPlanner(self.board, whole_chain=True)  # what hearthd runs
        self.room = Room(params, seed=ROOM_SEED)
        self.room.settle(settle_c)
        lo, hi = self.planner.min_w, self.planner.max_w
        settings = apply_update(HeatSettings(), update, SettingsLimits(hi))
        room_max_c = self.board.thermal.room_max_c
        own = None if thermostat is None else thermostat(lo, hi)
        self.heat = HeatController(settings, lo, hi, room_max_c=room_max_c, thermostat=own)
        self.start, self.dt_s = start, dt_s
        self.point = self.planner.off
        self.chip_starts = 0  # decisions that switched the chips on from none hashing
        self._steps = 0

    def local(self, now_s: float) -> datetime.datetime:
        return self.start + datetime.timedelta(seconds=now_s)

    def follow(self, now_s: float, local: datetime.datetime, sensor_c: float) -> PlannedPoint:
        """The planner's ramp towards the controller's watts."""
        return self.planner.step(now_s, self.heat.tick(now_s, local, sensor_c).watts)

    def run(self, duration_s: float, decide: Decide | None = None) -> Iterator[Step]:
        """The next `duration_s` of steps (the clock carries on from the last run);
        after each step is yielded, the point for the next one is decided."""
        decide = decide or self.follow
        for _ in range(int(duration_s / self.dt_s)):
            now = self._steps * self.dt_s
            self._steps += 1
            state = self.room.step(self.dt_s, self.point.power_w)
            yield Step(now, state, self.point)
            new = decide(now + self.dt_s, self.local(now + self.dt_s), state.sensor_c)
            self.chip_starts += new.hashing and not self.point.hashing
            self.point = new
