"""Power at run time: a chain that loses power comes back re-initialised, a bring-up that
fails is retried until the chain hashes, and a refused operating point changes nothing."""

from __future__ import annotations

import asyncio

import pytest

from firmware.asic import AsicBackend
from firmware.work import FoundNonce, OperatingPoint
from hw.sim.chain import ChainSimulator
from tests.firmware.asic.chain_harness import make_job, quick_profile, run_against_sim, wait_for

PROFILE = quick_profile("bitaxe-gamma", chips=4)
HASHING = OperatingPoint(75.0, 1150, 4)
PARKED = OperatingPoint(75.0, 1150, 0)


async def hashing(found: list[FoundNonce], more: int = 5) -> None:
    target = len(found) + more
    await wait_for(lambda: len(found) >= target)


def test_power_lost_while_parked_comes_back_reinitialised_and_parked() -> None:
    async def scenario(sim: ChainSimulator, backend: AsicBackend, found) -> None:
        await backend.start()
        await backend.submit_job(make_job())
        await hashing(found)
        await backend.apply(PARKED)  # no power switch: parked at the reset clock, rail on
        sim.set_power(False)  # the rail drops anyway (supervisor, brown-out)
        await wait_for(lambda: "found 0 answering" in backend.last_error, timeout_s=5)
        stats = backend.stats()
        assert not any(c.responding for c in stats.chips)
        assert "waiting for the chain to come back" in stats.detail
        jobs = sim.jobs_received
        sim.set_power(True)  # chips come up reset: 115200 baud, no addresses
        await wait_for(lambda: backend.last_error == "" and sim.baud == 1_000_000, timeout_s=5)
        await wait_for(lambda: all(c.responding for c in backend.stats().chips), timeout_s=5)
        assert sim.frequency_mhz == pytest.approx(50.0) and sim.jobs_received == jobs  # parked
        await backend.apply(HASHING)
        await hashing(found)
        assert sim.frequency_mhz == pytest.approx(75.0, abs=0.5)

    run_against_sim(PROFILE, scenario)


def test_a_failed_power_up_is_retried_until_the_chain_hashes() -> None:
    async def scenario(sim: ChainSimulator, backend: AsicBackend, found) -> None:
        await backend.start()
        await backend.submit_job(make_job())
        await hashing(found)
        await backend.apply(PARKED)
        assert not sim.powered
        stats = backend.stats()
        assert "rail off" in stats.detail and not any(c.responding for c in stats.chips)
        sim.silence_chip(0)  # one chip not up yet when the rail comes back
        with pytest.raises(Exception, match="found 3 answering"):
            await backend.apply(HASHING)
        sim.silence_chip(0, False)
        # nobody calls apply again: the backend itself brings the chain up and hashes
        await wait_for(lambda: sim.baud == 1_000_000 and backend.last_error == "", timeout_s=5)
        await hashing(found)
        assert sim.frequency_mhz == pytest.approx(75.0, abs=0.5)
        assert "hashing" in backend.stats().detail

    run_against_sim(PROFILE, scenario, power_switch="sim")


def test_a_duty_cycle_survives_a_failed_power_up() -> None:
    async def scenario(sim: ChainSimulator, backend: AsicBackend, found) -> None:
        await backend.start()
        await backend.submit_job(make_job())
        await backend.apply(OperatingPoint(75.0, 1150, 4, duty=0.5))
        sim.silence_chip(0)
        await wait_for(lambda: "found 3 answering" in backend.last_error, timeout_s=8)
        sim.silence_chip(0, False)
        await wait_for(lambda: backend.last_error == "", timeout_s=8)
        await hashing(found)  # still cycling: the duty task did not die with the error
        assert backend._duty_task is not None and not backend._duty_task.done()

    run_against_sim(PROFILE, scenario, power_switch="sim", duty_period_s=1.5)


def test_a_refused_operating_point_changes_nothing_while_running() -> None:
    async def scenario(sim: ChainSimulator, backend: AsicBackend, found) -> None:
        await backend.start()
        await backend.submit_job(make_job())
        await hashing(found)
        before = (backend.point, sim.frequency_mhz, len(sim.frequency_log), sim.powered)
        for bad in (
            OperatingPoint(PROFILE.frequency_max_mhz + 1, 1150, 4),
            OperatingPoint(75.0, PROFILE.voltage_max_mv + 1, 4),
            OperatingPoint(75.0, 1150, 2),
            OperatingPoint(float("nan"), 1150, 4),
        ):
            with pytest.raises(ValueError, match="allowed"):
                await backend.apply(bad)
        await asyncio.sleep(0.3)
        assert (backend.point, sim.frequency_mhz, len(sim.frequency_log), sim.powered) == before
        await hashing(found)

    run_against_sim(PROFILE, scenario, power_switch="sim")
