"""The control loop's core with a backend that never finishes a ramp, and the save loop
with a store that cannot write: neither may block or end the loop."""

from __future__ import annotations

import asyncio
import datetime

import pytest

from firmware.board import load_board
from firmware.daemon.commands import ChangeSettings, Demand, SetPrices
from firmware.daemon.control import ControlLoop
from firmware.daemon.energy import EnergyMeter
from firmware.daemon.owner import OwnerData
from firmware.daemon.persistence import STORE_ERROR, Persistence
from firmware.daemon.snapshot import Identity
from firmware.daemon.supervisor_side import SupervisorSide
from firmware.heat import (
    HeatController,
    HeatSettings,
    PowerPlanner,
    PriceSchedule,
    SettingsLimits,
    apply_update,
)
from firmware.heat.demand import SHED
from firmware.heat.planner import IDLE
from firmware.store import Store
from firmware.work import BackendStats, OperatingPoint
from firmware.work.rail import PowerReadings
from tests.firmware.daemon.quiet_backend import QuietBackend

BOARD = load_board("hearth-400")
NOON = datetime.datetime(2026, 11, 23, 12, 0)


class RampingBackend(QuietBackend):
    """Follows the contract's read-back (`stats().point/target`) but its `apply` waits
    for a ramp that never ends, like the old backends did."""

    name = "ramping"

    def __init__(self) -> None:
        self.applied: list[OperatingPoint] = []
        self.ramp_done = asyncio.Event()  # never set
        self.point = BOARD.default_point()  # a chain starts at its default point

    async def apply(self, point: OperatingPoint) -> None:
        self.applied.append(point)
        await self.ramp_done.wait()

    def stats(self) -> BackendStats:
        return BackendStats(
            "asic", 0.0, 0.0, 0, 0, 0, 0,
            point=self.point, target=self.applied[-1] if self.applied else None,
            issuing_work=True,
        )  # fmt: skip


def make_loop(settings: HeatSettings) -> tuple[ControlLoop, HeatController]:
    planner = PowerPlanner(BOARD, whole_chain=True)
    heat = HeatController(settings, planner.min_w, planner.max_w)
    loop = ControlLoop(
        identity=Identity(BOARD, "test", "00:00:00:00:00:00"),
        heat=heat,
        planner=planner,
        supervisor=SupervisorSide("", BOARD),  # no supervisor: no room sensor
        energy=EnergyMeter(),
        owner=OwnerData("heater", []),
        alarms=set(),
        local_time=lambda: NOON,
    )
    return loop, heat


def test_commands_are_answered_while_the_backend_is_still_ramping() -> None:
    async def scenario() -> None:
        loop, heat = make_loop(HeatSettings(mode="off"))
        backend = RampingBackend()
        loop.attach(backend)
        await loop.first_decision(timeout_s=0.01)
        # The first decision is applied whatever the chain reports: off is IDLE.
        assert backend.applied == [IDLE]
        published: list[bool] = []
        loop.publish = published.append
        runner = asyncio.create_task(loop.run())
        try:
            limits = SettingsLimits(BOARD.max_w())
            on = apply_update(heat.settings, {"mode": "heat", "target_c": 23.0}, limits)
            await loop.send(ChangeSettings(on), timeout_s=5.0)  # the ramp never ends
            assert loop.snapshot.state["mode"] == "heat"
            assert loop.snapshot.state["target_c"] == 23.0
            assert published[-1] is True  # a command's snapshot goes out at once
            assert backend.applied[-1].active_chips == BOARD.chip_count
            # A shed interrupts the ramp still in progress: the newest point wins.
            await loop.send(Demand(SHED), timeout_s=5.0)
            assert backend.applied[-1] == IDLE
            prices = PriceSchedule.of([(NOON, 0.3)])
            await loop.send(SetPrices(prices), timeout_s=5.0)
            assert heat.prices is prices
        finally:
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)
            await loop.close()

    asyncio.run(scenario())


def test_power_comes_from_the_chains_true_point_not_the_plan() -> None:
    async def scenario() -> None:
        loop, _ = make_loop(HeatSettings(mode="heat", target_c=23.0))
        backend = RampingBackend()
        backend.point = IDLE  # the chain has not moved (yet)
        loop.attach(backend)
        await loop.first_decision(timeout_s=0.01)
        assert backend.applied[-1].active_chips == BOARD.chip_count  # planned: full power
        assert loop.snapshot.state["power_w"] == BOARD.power.idle_w  # true: idle
        await loop.close()

    asyncio.run(scenario())


class MeteredBackend(QuietBackend):
    """Arrives at once where it is sent, but its meter (`stats().power`) is read on its
    own schedule: the test says when it sees the chain's new draw."""

    name = "metered"

    def __init__(self) -> None:
        self.point = BOARD.default_point()
        self.target: OperatingPoint | None = None
        self.meter_w = 300.0

    async def apply(self, point: OperatingPoint) -> None:
        self.point = self.target = point

    def stats(self) -> BackendStats:
        return BackendStats(
            "asic", 0.0, 0.0, 0, 0, 0, 0,
            point=self.point, target=self.target, issuing_work=self.point != IDLE,
            power=PowerReadings(power_w=self.meter_w),
        )  # fmt: skip


def test_the_state_at_idle_power_goes_out_at_once_when_the_meter_lags_the_stop() -> None:
    async def scenario() -> None:
        loop, _ = make_loop(HeatSettings(mode="heat", target_c=23.0))
        backend = MeteredBackend()
        loop.attach(backend)
        await loop.first_decision(timeout_s=1.0)
        published: list[tuple[bool, float]] = []
        stopped: list[tuple[bool, float]] = []  # the first state after the chain stopped
        stopped_out, idle_out = asyncio.Event(), asyncio.Event()

        def publish(urgent: bool) -> None:
            power_w = float(loop.snapshot.state["power_w"])  # type: ignore[arg-type]
            published.append((urgent, power_w))
            if backend.point == IDLE and not stopped_out.is_set():
                stopped.append((urgent, power_w))
                stopped_out.set()
            if power_w <= BOARD.power.idle_w:
                idle_out.set()

        loop.publish = publish
        runner = asyncio.create_task(loop.run())
        try:
            await loop.send(Demand(SHED), timeout_s=5.0)
            # The chain stopped and that went out; its meter has not seen it yet.
            await asyncio.wait_for(stopped_out.wait(), 10.0)
            assert stopped == [(True, 300.0)]
            backend.meter_w = BOARD.power.idle_w
            await asyncio.wait_for(idle_out.wait(), 10.0)
            # The first state at idle power is news, not left to the state rate limit.
            assert next(p for p in published if p[1] <= BOARD.power.idle_w)[0] is True
        finally:
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)
            await loop.close()

    asyncio.run(scenario())


def test_the_save_loop_survives_a_failing_write_and_raises_store_error(tmp_path) -> None:
    blocked = tmp_path / "state"
    blocked.write_text("a file where the state directory should be")

    async def scenario() -> None:
        _, heat = make_loop(HeatSettings())
        alarms: set[str] = set()
        raised = asyncio.Event()
        persistence = Persistence(
            Store(blocked),
            heat=heat,
            limits=SettingsLimits(BOARD.max_w()),
            energy=EnergyMeter(),
            owner=OwnerData("heater", []),
            alarms=alarms,
            on_alarm=raised.set,
        )
        runner = asyncio.create_task(persistence.run(interval_s=3600.0))
        try:
            persistence.changed()
            await asyncio.wait_for(raised.wait(), 10.0)
            assert STORE_ERROR in alarms and not runner.done()
            raised.clear()
            blocked.unlink()  # the obstacle goes: the next write succeeds
            persistence.changed()
            await asyncio.wait_for(raised.wait(), 10.0)
            assert STORE_ERROR not in alarms and not runner.done()
        finally:
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)
        assert Store(blocked).load().source is not None

    asyncio.run(scenario())


def test_a_command_to_a_loop_that_does_not_run_times_out() -> None:
    async def scenario() -> None:
        loop, heat = make_loop(HeatSettings())
        with pytest.raises(TimeoutError):
            await loop.send(ChangeSettings(heat.settings), timeout_s=0.05)

    asyncio.run(scenario())
