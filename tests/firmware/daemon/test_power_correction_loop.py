"""The control loop corrects its power model from the board's meter: with a meter that
reads 10 % under the model, the watts asked become the watts read (the loop's own
planner and decisions; a backend that arrives at once and meters its draw)."""

from __future__ import annotations

import asyncio
import datetime
import itertools

from firmware.board import load_board
from firmware.daemon.control import ControlLoop
from firmware.daemon.energy import EnergyMeter
from firmware.daemon.owner import OwnerData
from firmware.daemon.snapshot import Identity
from firmware.daemon.supervisor_side import SupervisorSide
from firmware.heat import HeatController, HeatSettings, PowerPlanner
from firmware.heat.planner import IDLE, power_at_w
from firmware.work import BackendStats, OperatingPoint, PowerReadings
from tests.firmware.daemon.quiet_backend import QuietBackend

BOARD = load_board("hearth-400")
NOON = datetime.datetime(2026, 11, 23, 12, 0)
METER_RATIO = 0.90  # the real board draws 10 % less than its model says
ASK_W = 300.0


class MeteredBackend(QuietBackend):
    name = "metered"

    def __init__(self) -> None:
        self.point = IDLE

    async def apply(self, point: OperatingPoint) -> None:
        self.point = point  # arrives at once

    def measured_w(self) -> float:
        return METER_RATIO * power_at_w(BOARD, self.point, self.point.active_chips > 0)

    def stats(self) -> BackendStats:
        return BackendStats(
            "asic", 0.0, 0.0, 0, 0, 0, 0,
            point=self.point, target=self.point, issuing_work=self.point.active_chips > 0,
            power=PowerReadings(power_w=self.measured_w()),
        )  # fmt: skip


def test_the_meter_reads_what_was_asked_once_the_correction_has_learned() -> None:
    async def scenario() -> None:
        planner = PowerPlanner(BOARD, whole_chain=True)
        heat = HeatController(
            HeatSettings(mode="heat", target_c=25.0, power_limit_w=ASK_W),
            planner.min_w,
            planner.max_w,
        )
        seconds = itertools.count()
        loop = ControlLoop(
            identity=Identity(BOARD, "test", "00:00:00:00:00:00"),
            heat=heat,
            planner=planner,
            supervisor=SupervisorSide("", BOARD),  # no room sensor: heat at the power cap
            energy=EnergyMeter(),
            owner=OwnerData("heater", []),
            alarms=set(),
            clock=lambda: float(next(seconds)),  # every reading of the clock: 1 s later
            local_time=lambda: NOON,
            period_s=0.001,
        )
        backend = MeteredBackend()
        loop.attach(backend)
        await loop.first_decision(timeout_s=1.0)
        first = backend.measured_w()
        runner = asyncio.create_task(loop.run())
        try:
            async with asyncio.timeout(30):
                while loop.power_correction.samples < 40:
                    await asyncio.sleep(0.001)
        finally:
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)
            await loop.close()
        assert abs(first - ASK_W) / ASK_W > 0.05  # the model alone: ~10 % short
        assert abs(loop.power_correction.ratio - METER_RATIO) < 0.01
        assert abs(backend.measured_w() - ASK_W) / ASK_W <= 0.03
        assert loop.snapshot.state["power_measured"] is True

    asyncio.run(scenario())
