"""Every simulator fault is detected by the driver and survived: the chain keeps hashing."""

from __future__ import annotations

import asyncio
import itertools
import os

import pytest

from firmware.asic import AsicBackend, CpuFallback, detect_backend
from firmware.board import load_board
from firmware.work import OperatingPoint
from hw.sim.chain import ChainSimulator
from tests.firmware.asic.chain_harness import (
    independently_verified,
    make_job,
    quick_profile,
    run_against_sim,
    start_hashing,
    wait_for,
)

PROFILE = quick_profile("bitaxe-gamma", chips=4)


async def hashing(backend: AsicBackend, found, more: int = 5) -> None:
    """Wait until `more` further verified nonces arrive."""
    target = len(found) + more
    await wait_for(lambda: len(found) >= target)


def test_crc_corrupted_responses_are_dropped_and_counted() -> None:
    async def scenario(sim: ChainSimulator, backend: AsicBackend, found) -> None:
        await start_hashing(backend)
        await backend.submit_job(make_job())
        await hashing(backend, found)
        sim.corrupt_responses(6)
        await wait_for(lambda: backend.stats().bad_frames >= 6)
        await hashing(backend, found)
        assert backend.driver.link.parser.bad_crc >= 6
        assert backend.stats().hw_errors == 0

    run_against_sim(PROFILE, scenario)


def test_garbage_bytes_are_skipped_and_counted() -> None:
    async def scenario(sim: ChainSimulator, backend: AsicBackend, found) -> None:
        await start_hashing(backend)
        await backend.submit_job(make_job())
        await hashing(backend, found)
        before = backend.stats().bad_frames
        for _ in range(3):
            sim.inject_garbage(40)
            await asyncio.sleep(0.1)
        await wait_for(lambda: backend.driver.link.parser.garbage_bytes > 0)
        assert backend.stats().bad_frames > before
        await hashing(backend, found)
        assert all(c.responding for c in backend.stats().chips)

    run_against_sim(PROFILE, scenario)


def test_a_chip_that_stops_answering_is_reported_and_the_rest_hash_on() -> None:
    async def scenario(sim: ChainSimulator, backend: AsicBackend, found) -> None:
        await start_hashing(backend)
        await backend.submit_job(make_job())
        await hashing(backend, found)
        sim.silence_chip(2)
        await wait_for(lambda: not backend.stats().chips[2].responding, timeout_s=5)
        stats = backend.stats()
        assert [c.responding for c in stats.chips] == [True, True, False, True]
        assert stats.chips[2].hashrate_ghs == 0.0
        await hashing(backend, found)
        assert all(n.chip != 2 for n in found[-5:])
        assert backend.reinits == 0

    run_against_sim(PROFILE, scenario)


def test_wrong_nonces_are_hardware_errors_never_reported() -> None:
    async def scenario(sim: ChainSimulator, backend: AsicBackend, found) -> None:
        await start_hashing(backend)
        await backend.submit_job(make_job())
        await hashing(backend, found)
        sim.wrong_nonces(1)
        await wait_for(lambda: backend.stats().chips[1].hw_errors >= 3)
        since = len(found)
        await hashing(backend, found)
        stats = backend.stats()
        assert stats.hw_errors == stats.chips[1].hw_errors  # charged to the right chip
        assert all(independently_verified(n) >= sim.ticket_difficulty * 0.999 for n in found)
        assert all(n.chip != 1 for n in found[since:])  # its nonces never reach the pool
        await wait_for(lambda: backend.stats().chips[1].error_count > 0)  # reg 0x4C polled

    run_against_sim(PROFILE, scenario)


def test_a_slow_chain_is_measured_and_still_works() -> None:
    async def scenario(sim: ChainSimulator, backend: AsicBackend, found) -> None:
        await start_hashing(backend)
        await backend.submit_job(make_job())
        sim.set_latency(0.15)
        await wait_for(lambda: backend.driver.poll_latency_s >= 0.14)
        await hashing(backend, found)
        assert all(c.responding for c in backend.stats().chips)
        assert backend.reinits == 0

    run_against_sim(PROFILE, scenario)


@pytest.mark.parametrize("use_reset_line", [True, False])
def test_a_reset_chain_is_brought_back_up(use_reset_line: bool) -> None:
    async def scenario(sim: ChainSimulator, backend: AsicBackend, found) -> None:
        await start_hashing(backend)
        await backend.submit_job(make_job())
        await hashing(backend, found)
        sim.reset()
        assert sim.baud == 115200
        await wait_for(lambda: backend.reinits >= 1, timeout_s=5)
        await wait_for(lambda: sim.baud == 1_000_000 and sim.jobs_received >= 2, timeout_s=5)
        await hashing(backend, found)
        assert all(c.responding for c in backend.stats().chips)

    run_against_sim(PROFILE, scenario, use_reset_line=use_reset_line)


def test_power_switch_switches_the_idle_chain_off_and_back_on() -> None:
    async def scenario(sim: ChainSimulator, backend: AsicBackend, found) -> None:
        await start_hashing(backend)
        await backend.submit_job(make_job())
        await hashing(backend, found)
        await backend.apply(OperatingPoint(75.0, 1150, 0))
        await wait_for(lambda: not sim.powered)
        assert sim.power_w == PROFILE.power.idle_w
        stats = backend.stats()
        assert stats.expected_hashrate_ghs == 0.0 and not stats.issuing_work
        assert stats.point is not None and stats.point.active_chips == 0
        await backend.apply(OperatingPoint(75.0, 1150, 4))
        await wait_for(lambda: sim.powered and sim.frequency_mhz == pytest.approx(75.0, abs=0.5))
        await hashing(backend, found)
        assert sim.power_w > PROFILE.power.overhead_w

    run_against_sim(PROFILE, scenario, power_switch="sim")


def test_cpu_fallback_when_nobody_answers() -> None:
    master, slave = os.openpty()
    try:
        backend = detect_backend(
            os.ttyname(slave), load_board("bitaxe-gamma"), probe_timeout_s=0.2, cpu_threads=1
        )
        assert isinstance(backend, CpuFallback)
        assert backend.stats().kind == "cpu"
        assert "CPU fallback" in backend.stats().detail
        assert "no BM1370 answered" in backend.stats().detail
    finally:
        os.close(master)
        os.close(slave)


def test_cpu_fallback_when_the_port_does_not_exist() -> None:
    backend = detect_backend("/dev/does-not-exist", load_board("bitaxe-gamma"), cpu_threads=1)
    assert isinstance(backend, CpuFallback) and "cannot open" in backend.reason


def test_detect_finds_the_simulated_chain() -> None:
    profile = load_board("bitaxe-gamma")
    with ChainSimulator(profile) as sim:
        backend = detect_backend(sim.port, profile, probe_timeout_s=0.5)
        assert isinstance(backend, AsicBackend)


def test_duty_cycle_stops_and_resumes_the_chips() -> None:
    async def scenario(sim: ChainSimulator, backend: AsicBackend, found) -> None:
        await start_hashing(backend)
        await backend.submit_job(make_job())
        await backend.apply(OperatingPoint(75.0, 1150, 4, duty=0.5))
        await wait_for(lambda: sim.reset_held)  # the off part: chips held in reset
        assert sim.hashing_chips == 0
        await wait_for(lambda: sim.hashing_chips == 4)  # the on part: hashing again
        await backend.apply(OperatingPoint(75.0, 1150, 4))
        await wait_for(lambda: sim.frequency_mhz == pytest.approx(75.0, abs=0.5))
        await hashing(backend, found)

    run_against_sim(PROFILE, scenario, duty_period_s=1.5)


def test_a_duty_cycle_keeps_its_phase_while_the_duty_changes() -> None:
    async def scenario(sim: ChainSimulator, backend: AsicBackend, found) -> None:
        await start_hashing(backend)
        await backend.submit_job(make_job())
        await backend.apply(OperatingPoint(75.0, 1150, 4, duty=0.5))

        async def planner() -> None:  # a new duty every tick, as a planner may give
            for tick in itertools.count():
                await backend.apply(OperatingPoint(75.0, 1150, 4, duty=0.4 + 0.1 * (tick % 2)))
                await asyncio.sleep(0.1)

        task = asyncio.create_task(planner())
        try:
            await wait_for(lambda: sim.reset_held)  # the off part still comes
            await wait_for(lambda: sim.hashing_chips == 4)  # and the on part after it
        finally:
            task.cancel()

    run_against_sim(PROFILE, scenario, duty_period_s=1.5)
