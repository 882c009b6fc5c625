"""The real chain driver against the chain simulator over a real pty, for every family:
bring-up, ramp timing, verified nonces, hashrate from the counters, faults survived."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools

import pytest

from firmware.asic import AsicBackend, ChainCountError
from firmware.board import load_board
from firmware.work import OperatingPoint
from hw.sim.chain import ChainSimulator
from tests.firmware.asic.chain_harness import (
    FAST_MHZ,
    independently_verified,
    make_job,
    quick_profile,
    run_against_sim,
    start_hashing,
    wait_for,
)

BOARDS = {
    "BM1366": ("bitaxe-ultra", 1),
    "BM1368": ("bitaxe-gamma", 2),  # a BM1368 chain: the gamma profile with the chip swapped
    "BM1370": ("bitaxe-gamma", 1),
    "BM1397": ("bitaxe-max", 1),
}


def family_profile(model: str):
    name, chips = BOARDS[model]
    profile = quick_profile(name, chips)
    if profile.chip_model != model:
        profile = dataclasses.replace(profile, chip_model=model, small_cores=1276)
    return profile


@pytest.mark.parametrize("model", sorted(BOARDS))
def test_family_bring_up_ramp_nonces_and_hashrate(model: str) -> None:
    profile = family_profile(model)

    async def scenario(sim: ChainSimulator, backend: AsicBackend, found) -> None:
        await start_hashing(backend)
        repeats = backend.driver.family.pll_write_repeats
        # the last step landed, every repeat of it
        await wait_for(
            lambda: (
                abs(sim.frequency_mhz - FAST_MHZ) < 0.5 and len(sim.frequency_log) % repeats == 0
            )
        )
        # enumeration, addressing and init reached every chip
        interval = 256 // profile.chip_count
        assert [c.address for c in sim.chips] == [i * interval for i in range(profile.chip_count)]
        assert all(c.registers.get(0x14) is not None for c in sim.chips)  # ticket mask
        # baud switched on both sides: chips (modelled) and host (pyserial)
        assert sim.baud == pytest.approx(profile.baud_fast, rel=0.01)
        assert backend.driver.link_baud() == profile.baud_fast
        # ramp: from the 50 MHz reset clock in steps of at most 6.25 MHz, >= 100 ms apart
        writes = list(sim.frequency_log)
        # BM1397 gets every PLL0 write twice in a row, as ESP-Miner sends it; a step is
        # one distinct frequency
        assert len(writes) % repeats == 0
        assert all(f == writes[i - i % repeats][1] for i, (_, f) in enumerate(writes))
        log = writes[::repeats]
        assert log and log[-1][1] == pytest.approx(FAST_MHZ, abs=0.5)
        steps = [50.0] + [f for _, f in log]
        assert all(abs(b - a) <= 6.25 + 0.5 for a, b in itertools.pairwise(steps))
        gaps = [b - a for (a, _), (b, _) in itertools.pairwise(log)]
        assert all(gap >= 0.09 for gap in gaps)
        # nonces: found by really hashing, verified again here
        job = make_job(version_mask=0x1FFFE000)
        await backend.submit_job(job)
        await wait_for(lambda: len(found) >= 10)
        for nonce in found[:10]:
            assert nonce.job is job
            assert independently_verified(nonce) >= sim.ticket_difficulty * 0.999
            assert nonce.version_bits & ~job.version_mask == 0
        if model != "BM1397":
            assert any(n.version_bits for n in found)  # the chips rolled the version
        # hashrate from the chips' counters, within 5 % of the board model
        await asyncio.sleep(1.4)
        stats = backend.stats()
        expected = profile.hashrate_ghs(FAST_MHZ)
        assert stats.expected_hashrate_ghs == pytest.approx(expected)
        assert stats.hashrate_ghs == pytest.approx(expected, rel=0.05)
        assert stats.hw_errors == 0 and stats.bad_frames == 0
        assert all(c.responding for c in stats.chips)

    run_against_sim(profile, scenario)


def test_ramp_timing_with_an_injected_clock() -> None:
    """Each PLL step is at most 6.25 MHz and followed by a 100 ms wait (fake clock)."""
    profile = quick_profile("bitaxe-gamma")
    now = [0.0]
    writes: list[tuple[float, float]] = []

    async def fake_sleep(seconds: float) -> None:
        now[0] += seconds
        await asyncio.sleep(0)

    async def main() -> None:
        backend = AsicBackend("loop://", profile, clock=lambda: now[0], sleep=fake_sleep)
        driver = backend.driver
        await driver.open()
        real_write = driver.write_frequency

        def record(mhz: float) -> float:
            writes.append((now[0], mhz))
            return real_write(mhz)

        driver.write_frequency = record  # type: ignore[method-assign]
        try:
            await driver.ramp_to(525.0)
            await driver.ramp_to(500.0)
        finally:
            driver.close()

    asyncio.run(main())
    freqs = [50.0] + [f for _, f in writes]
    assert freqs[-1] == 500.0 and 525.0 in freqs
    assert all(abs(b - a) <= 6.25 for a, b in itertools.pairwise(freqs))
    assert [b - a for (a, _), (b, _) in itertools.pairwise(writes)] == pytest.approx(
        [0.1] * (len(writes) - 1)
    )
    assert len(writes) == (525 - 50) / 6.25 + 4


def test_hearth_400_enumerates_24_chips() -> None:
    profile = quick_profile("hearth-400")

    async def scenario(sim, backend: AsicBackend, found) -> None:
        await backend.start()
        assert len(backend.driver.chips) == 24
        assert sorted({c.address for c in sim.chips}) == [10 * i for i in range(24)]
        await asyncio.sleep(0.7)
        assert len(backend.stats().chips) == 24

    run_against_sim(profile, scenario)


def test_chip_count_mismatch_names_expected_and_found() -> None:
    profile = quick_profile("bitaxe-gamma", chips=4)

    async def scenario(sim, backend: AsicBackend, found) -> None:
        with pytest.raises(ChainCountError) as err:
            await backend.start()
        assert (err.value.expected, err.value.found) == (4, 3)
        assert "expects 4x BM1370, found 3" in str(err.value)

    run_against_sim(profile, scenario, sim_chips=3)


def test_operating_points_out_of_range_are_refused() -> None:
    profile = load_board("hearth-400")
    backend = AsicBackend("loop://", profile)
    for point in (
        OperatingPoint(700.0, 1150, 24),
        OperatingPoint(525.0, 2000, 24),
        OperatingPoint(525.0, 1150, 12),
    ):
        with pytest.raises(ValueError, match="allowed"):
            asyncio.run(backend.apply(point))
    assert backend.stats().target is None
