"""A pool that refused version rolling (mask 0): the chips must stop rolling, or nearly
every nonce carries version bits the pool would refuse and is thrown away."""

from __future__ import annotations

from firmware.asic import AsicBackend
from hw.sim.chain import ChainSimulator
from tests.firmware.asic.chain_harness import (
    independently_verified,
    make_job,
    quick_profile,
    run_against_sim,
    start_hashing,
    wait_for,
)


def test_a_job_without_version_rolling_stops_the_chips_rolling() -> None:
    profile = quick_profile("bitaxe-gamma")

    async def scenario(sim: ChainSimulator, backend: AsicBackend, found) -> None:
        await start_hashing(backend)
        rolling = make_job(version_mask=0x1FFFE000)
        await backend.submit_job(rolling)
        await wait_for(lambda: any(n.version_bits for n in found))  # rolling by default
        fixed = make_job(version_mask=0)
        await backend.submit_job(fixed)
        await wait_for(lambda: sum(n.job is fixed for n in found) >= 10)
        mine = [n for n in found if n.job is fixed]
        assert all(n.version_bits == 0 and n.version == fixed.version for n in mine)
        assert all(independently_verified(n) >= sim.ticket_difficulty * 0.999 for n in mine)
        assert backend.stats().hw_errors == 0

    run_against_sim(profile, scenario)
