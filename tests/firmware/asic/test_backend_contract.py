"""The `HashBackend` contract, for the ASIC chain, witnessed by the simulator's own state:
`apply` returns at once, a newer `apply` re-targets a ramp, idle means the chips get no
work and do not hash, nothing hashes before the first `apply`, a whole-chain dropout is a
fault that is survived, and the voltage goes through the `CoreRail` in the right order."""

from __future__ import annotations

import asyncio
import time

import pytest

from firmware.asic import AsicBackend
from firmware.work import OperatingPoint, PowerReadings, RailFault
from hw.sim.chain import ChainSimulator
from tests.firmware.asic.chain_harness import (
    make_job,
    quick_profile,
    run_against_sim,
    start_hashing,
    wait_for,
)

PROFILE = quick_profile("bitaxe-gamma", chips=4)
LOW = OperatingPoint(75.0, 1150, 4)
HIGH = OperatingPoint(200.0, 1200, 4)  # 20 ramp steps from 75 MHz: 2 s
IDLE = OperatingPoint(0.0, 0, 0, duty=0.0)
FAST_RETRY = {"retry_backoff_s": (0.1, 0.4)}


async def hashing(found, more: int = 5) -> None:
    target = len(found) + more
    await wait_for(lambda: len(found) >= target)


def test_nothing_hashes_before_the_first_apply() -> None:
    async def scenario(sim: ChainSimulator, backend: AsicBackend, found) -> None:
        await backend.start()
        await backend.submit_job(make_job())  # a job from the pool, but no point yet
        await wait_for(lambda: sim.reset_held)
        stats = backend.stats()
        assert len(stats.chips) == 4  # enumerated at start
        assert not stats.issuing_work and stats.target is None
        assert stats.point is not None and stats.point.active_chips == 0
        await backend.apply(LOW)
        await hashing(found)  # the reset released, the job sent: the chips hear again
        assert sim.jobs_while_off == 0  # no job frame went out while they were idle

    run_against_sim(PROFILE, scenario)


@pytest.mark.parametrize("board", ["reset line", "power switch"])
def test_idle_means_no_work_and_no_hashing(board: str) -> None:
    async def scenario(sim: ChainSimulator, backend: AsicBackend, found) -> None:
        await start_hashing(backend, LOW)
        await backend.submit_job(make_job())
        await hashing(found)
        await backend.apply(IDLE)
        await wait_for(lambda: sim.hashing_chips == 0)
        assert sim.hashrate_ghs == 0.0 and sim.power_w == PROFILE.power.idle_w
        assert sim.reset_held if board == "reset line" else not sim.powered
        stats = backend.stats()
        assert not stats.issuing_work and stats.expected_hashrate_ghs == 0.0
        assert stats.point is not None and stats.point.active_chips == 0
        assert stats.point.frequency_mhz == 0.0 and stats.target == IDLE
        jobs = sim.jobs_received
        for _ in range(3):  # the pool keeps sending work while the heater is off
            latest = make_job()
            await backend.submit_job(latest)
        await backend.apply(LOW)
        # a nonce of the latest job: the wire carried everything sent before it
        await wait_for(lambda: any(n.job is latest for n in found))
        assert sim.jobs_while_off == 0
        assert sim.jobs_received == jobs + 1  # only the latest job, sent after the bring-up

    if board == "reset line":
        run_against_sim(PROFILE, scenario)
    else:
        run_against_sim(PROFILE, scenario, use_reset_line=False, power_switch="sim")


def test_apply_returns_while_the_ramp_is_still_under_way() -> None:
    async def scenario(sim: ChainSimulator, backend: AsicBackend, found) -> None:
        await start_hashing(backend, LOW)
        await backend.apply(HIGH)
        stats = backend.stats()
        assert stats.target == HIGH
        assert stats.point is not None and stats.point.frequency_mhz < HIGH.frequency_mhz
        assert sim.frequency_mhz < HIGH.frequency_mhz
        await wait_for(lambda: sim.frequency_mhz == pytest.approx(200.0, abs=0.5))

    run_against_sim(PROFILE, scenario)


def test_a_shed_mid_ramp_reaches_idle_without_finishing_the_ramp() -> None:
    async def scenario(sim: ChainSimulator, backend: AsicBackend, found) -> None:
        await start_hashing(backend, LOW)
        await backend.submit_job(make_job())
        await backend.apply(HIGH)
        await wait_for(lambda: sim.frequency_mhz >= 100.0)
        await backend.apply(IDLE)
        await wait_for(lambda: sim.reset_held and sim.hashing_chips == 0)
        assert max(f for _, f in sim.frequency_log) < 150.0  # stopped within a step or two

    run_against_sim(PROFILE, scenario)


def test_a_new_point_mid_ramp_re_targets_it() -> None:
    async def scenario(sim: ChainSimulator, backend: AsicBackend, found) -> None:
        await start_hashing(backend, LOW)
        await backend.submit_job(make_job())
        await backend.apply(HIGH)
        await wait_for(lambda: sim.frequency_mhz >= 125.0)
        lower = OperatingPoint(100.0, 1150, 4)
        await backend.apply(lower)  # down: one PLL write, no ramp
        await wait_for(lambda: sim.frequency_mhz == pytest.approx(100.0, abs=0.5))
        assert max(f for _, f in sim.frequency_log) < 175.0
        await hashing(found)
        stats = backend.stats()
        assert stats.target == lower and stats.issuing_work and stats.fault == ""

    run_against_sim(PROFILE, scenario)


def test_a_whole_chain_dropout_is_a_fault_survived_with_backoff() -> None:
    async def scenario(sim: ChainSimulator, backend: AsicBackend, found) -> None:
        await start_hashing(backend, LOW)
        await backend.submit_job(make_job())
        await hashing(found)
        for i in range(4):
            sim.silence_chip(i)
        await wait_for(lambda: backend.stats().fault == "chain_silent", timeout_s=5)
        assert not backend.stats().issuing_work
        await wait_for(lambda: sim.reset_held)  # held idle while it is silent
        # the dropout lasts several retries, the backoff growing to its cap
        await wait_for(lambda: backend.failures >= 5, timeout_s=15)
        await asyncio.wait_for(backend.apply(HIGH), 0.5)  # a command never hangs
        await asyncio.wait_for(backend.apply(LOW), 0.5)
        assert backend.stats().fault == "chain_silent"
        for i in range(4):
            sim.silence_chip(i, False)
        await wait_for(lambda: backend.stats().fault == "", timeout_s=5)
        await hashing(found)
        stats = backend.stats()
        assert stats.issuing_work and all(c.responding for c in stats.chips)
        began = time.monotonic()
        await asyncio.wait_for(backend.stop(), 5.0)
        assert time.monotonic() - began < 5.0

    run_against_sim(PROFILE, scenario, **FAST_RETRY)


def test_stop_returns_while_the_chain_is_silent() -> None:
    async def scenario(sim: ChainSimulator, backend: AsicBackend, found) -> None:
        await start_hashing(backend, LOW)
        for i in range(4):
            sim.silence_chip(i)
        await wait_for(lambda: backend.failures >= 1, timeout_s=5)  # mid-retry
        await asyncio.wait_for(backend.stop(), 5.0)
        assert sim.reset_held  # left stopped

    run_against_sim(PROFILE, scenario, **FAST_RETRY)


class SimRail:
    """A CoreRail double in front of the simulator's core voltage: it records, for every
    call, the clock the driver had programmed, reads back 0.99 × the set voltage, and
    can be told to fail."""

    def __init__(self, sim: ChainSimulator) -> None:
        self.sim = sim
        self.backend: AsicBackend | None = None
        self.calls: list[tuple[str, int, float]] = []
        self.on = False
        self.present: tuple[str, ...] = ()
        self.refuse_mv: int | None = None

    def _clock(self) -> float:
        return self.backend.driver.programmed_mhz if self.backend else 0.0

    async def set_voltage_mv(self, mv: int) -> float:
        self.calls.append(("set", mv, self._clock()))
        if mv == self.refuse_mv:
            raise RailFault("vout_out_of_tolerance", f"READ_VOUT far from {mv} mV")
        self.on = True
        self.sim.set_voltage_mv(mv)
        return mv * 0.99

    async def disable(self) -> None:
        self.calls.append(("disable", 0, self._clock()))
        self.on = False
        self.sim.set_voltage_mv(0)

    async def read(self) -> PowerReadings:
        vout = (self.sim.voltage_mv * 0.99) if self.on else 0.0
        return PowerReadings(input_v=12.0, power_w=self.sim.power_w, vout_mv=vout)

    def faults(self) -> tuple[str, ...]:
        return self.present


def run_with_rail(scenario, **options) -> None:  # type: ignore[no-untyped-def]
    holder: dict[str, SimRail] = {}

    async def wrapped(sim: ChainSimulator, backend: AsicBackend, found) -> None:
        rail = holder["rail"]
        rail.backend = backend
        await scenario(sim, backend, found, rail)

    def make_rail(sim: ChainSimulator) -> SimRail:
        holder["rail"] = SimRail(sim)
        return holder["rail"]

    run_against_sim(PROFILE, wrapped, rail=make_rail, **FAST_RETRY, **options)


def test_vcore_is_raised_before_the_clock_and_lowered_after_it() -> None:
    async def scenario(sim, backend: AsicBackend, found, rail: SimRail) -> None:
        await start_hashing(backend, LOW)
        rail.calls.clear()
        await backend.apply(HIGH)
        await wait_for(lambda: sim.frequency_mhz == pytest.approx(200.0, abs=0.5))
        assert rail.calls[0] == ("set", 1200, pytest.approx(75.0, abs=0.5))  # before
        await wait_for(lambda: backend.stats().point.voltage_mv == 1188)  # read back
        rail.calls.clear()
        await backend.apply(LOW)
        await wait_for(lambda: rail.calls)
        assert rail.calls[0] == ("set", 1150, pytest.approx(75.0, abs=0.5))  # after
        await wait_for(lambda: backend.stats().power is not None)
        power = backend.stats().power
        assert power is not None and power.input_v == 12.0
        await backend.apply(IDLE)
        await wait_for(lambda: not rail.on and sim.reset_held)
        assert rail.calls[-1][0] == "disable"

    run_with_rail(scenario)


def test_a_rail_fault_stops_the_chips_and_cuts_vcore() -> None:
    async def scenario(sim, backend: AsicBackend, found, rail: SimRail) -> None:
        await start_hashing(backend, LOW)
        await backend.submit_job(make_job())
        await hashing(found)
        rail.present = ("vr_overcurrent",)
        await wait_for(lambda: backend.stats().fault == "vr_overcurrent")
        await wait_for(lambda: sim.reset_held and not rail.on and sim.hashing_chips == 0)
        assert not backend.stats().issuing_work
        failures = backend.failures
        await wait_for(lambda: backend.failures >= failures + 2)  # retries find it still there
        assert backend.stats().fault == "vr_overcurrent" and sim.hashing_chips == 0
        rail.present = ()  # the cause is gone: the next retry brings the chain back
        await wait_for(lambda: backend.stats().fault == "")
        await hashing(found)

    run_with_rail(scenario)


def test_a_voltage_the_rail_cannot_reach_is_a_fault_not_an_exception() -> None:
    async def scenario(sim, backend: AsicBackend, found, rail: SimRail) -> None:
        await start_hashing(backend, LOW)
        rail.refuse_mv = 1200
        await backend.apply(HIGH)
        await wait_for(lambda: backend.stats().fault == "vout_out_of_tolerance")
        await wait_for(lambda: sim.reset_held and not rail.on)
        assert max(f for _, f in sim.frequency_log) < 76.0  # the clock never went up
        await backend.apply(LOW)
        await wait_for(lambda: backend.stats().fault == "" and backend.stats().issuing_work)

    run_with_rail(scenario)


def test_without_reset_line_or_power_switch_idle_is_reported_as_it_is() -> None:
    """Nothing on the UART stops a chip hashing its last job: the clock drops to the
    reset clock at once, no more work is sent, and the counters say the chips still
    hash (the honest reading, never the planned 0)."""

    async def scenario(sim: ChainSimulator, backend: AsicBackend, found) -> None:
        await start_hashing(backend, LOW)
        await backend.submit_job(make_job())
        await hashing(found)
        await backend.apply(IDLE)
        await wait_for(lambda: sim.frequency_mhz == pytest.approx(50.0))
        jobs = sim.jobs_received
        latest = make_job()
        await backend.submit_job(latest)
        stats = backend.stats()
        assert not stats.issuing_work and "chips keep their last job" in stats.detail
        await wait_for(lambda: backend.stats().point.active_chips == 4)  # type: ignore[union-attr]
        assert sim.hashing_chips == 4 and backend.stats().point.frequency_mhz == 50.0  # type: ignore[union-attr]
        await backend.apply(LOW)
        await wait_for(lambda: any(n.job is latest for n in found))
        assert sim.jobs_received == jobs + 1  # the job kept while idle, sent on resuming

    run_against_sim(PROFILE, scenario, use_reset_line=False)
