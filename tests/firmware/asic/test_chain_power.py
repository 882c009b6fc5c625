"""Power at run time: a chain whose power drops is held idle and re-initialised when it
comes back, a bring-up that fails is retried with backoff until the chain hashes, a duty
cycle survives failures, and a refused operating point changes nothing."""

from __future__ import annotations

import asyncio

import pytest

from firmware.asic import AsicBackend
from firmware.work import FoundNonce, OperatingPoint
from hw.sim.chain import ChainSimulator
from tests.firmware.asic.chain_harness import (
    make_job,
    quick_profile,
    run_against_sim,
    start_hashing,
    wait_for,
)

PROFILE = quick_profile("bitaxe-gamma", chips=4)
HASHING = OperatingPoint(75.0, 1150, 4)
IDLE = OperatingPoint(0.0, 0, 0, duty=0.0)
FAST_RETRY = {"retry_backoff_s": (0.1, 0.4)}


async def hashing(found: list[FoundNonce], more: int = 5) -> None:
    target = len(found) + more
    await wait_for(lambda: len(found) >= target)


def test_power_lost_while_hashing_is_a_fault_and_comes_back_reinitialised() -> None:
    async def scenario(sim: ChainSimulator, backend: AsicBackend, found) -> None:
        await start_hashing(backend)
        await backend.submit_job(make_job())
        await hashing(found)
        sim.set_power(False)  # the rail drops from outside (supervisor, brown-out)
        await wait_for(lambda: backend.stats().fault == "chain_silent", timeout_s=5)
        stats = backend.stats()
        assert not stats.issuing_work and not any(c.responding for c in stats.chips)
        assert stats.point is not None and stats.point.active_chips == 0
        await wait_for(lambda: "found 0 answering" in backend.last_error, timeout_s=5)
        sim.set_power(True)  # chips come up reset: 115200 baud, no addresses
        await wait_for(lambda: backend.stats().fault == "" and sim.baud == 1_000_000)
        await hashing(found)
        await wait_for(lambda: sim.frequency_mhz == pytest.approx(75.0, abs=0.5))

    run_against_sim(PROFILE, scenario, **FAST_RETRY)


def test_a_failed_power_up_is_retried_until_the_chain_hashes() -> None:
    async def scenario(sim: ChainSimulator, backend: AsicBackend, found) -> None:
        await start_hashing(backend)
        await backend.submit_job(make_job())
        await hashing(found)
        await backend.apply(IDLE)
        await wait_for(lambda: not sim.powered)
        stats = backend.stats()
        assert "rail off" in stats.detail and not any(c.responding for c in stats.chips)
        sim.silence_chip(0)  # one chip not up yet when the rail comes back
        await backend.apply(HASHING)  # returns at once; the failure is reported, not raised
        await wait_for(lambda: "found 3 answering" in backend.last_error)
        assert backend.stats().fault == "chain_fault"
        await wait_for(lambda: backend.failures >= 2)  # retried by itself
        sim.silence_chip(0, False)
        await wait_for(lambda: sim.baud == 1_000_000 and backend.stats().fault == "")
        await hashing(found)
        await wait_for(lambda: sim.frequency_mhz == pytest.approx(75.0, abs=0.5))
        assert "hashing" in backend.stats().detail

    run_against_sim(PROFILE, scenario, power_switch="sim", **FAST_RETRY)


def test_a_duty_cycle_survives_a_failed_power_up() -> None:
    async def scenario(sim: ChainSimulator, backend: AsicBackend, found) -> None:
        await start_hashing(backend)
        await backend.submit_job(make_job())
        await backend.apply(OperatingPoint(75.0, 1150, 4, duty=0.5))
        sim.silence_chip(0)
        await wait_for(lambda: "found 3 answering" in backend.last_error, timeout_s=8)
        sim.silence_chip(0, False)
        await wait_for(lambda: backend.stats().fault == "", timeout_s=8)
        await hashing(found)  # still cycling: the steering task did not die with the error
        await wait_for(lambda: not sim.powered, timeout_s=8)  # the next off part
        await wait_for(lambda: sim.hashing_chips == 4, timeout_s=8)  # and on again

    run_against_sim(PROFILE, scenario, power_switch="sim", duty_period_s=1.5, **FAST_RETRY)


def test_a_refused_operating_point_changes_nothing_while_running() -> None:
    async def scenario(sim: ChainSimulator, backend: AsicBackend, found) -> None:
        await start_hashing(backend, HASHING)
        await backend.submit_job(make_job())
        await hashing(found)
        before = (backend.stats().target, len(sim.frequency_log), sim.powered)
        for bad in (
            OperatingPoint(PROFILE.frequency_max_mhz + 1, 1150, 4),
            OperatingPoint(75.0, PROFILE.voltage_max_mv + 1, 4),
            OperatingPoint(75.0, 1150, 2),
            OperatingPoint(float("nan"), 1150, 4),
        ):
            with pytest.raises(ValueError, match="allowed"):
                await backend.apply(bad)
        await hashing(found)  # a few polls later, still where it was
        assert (backend.stats().target, len(sim.frequency_log), sim.powered) == before
        assert sim.frequency_mhz == pytest.approx(75.0, abs=0.5)
        await asyncio.sleep(0)

    run_against_sim(PROFILE, scenario, power_switch="sim")
