"""Client + local pool + the ASIC driver + the BM1370 chain simulator over a real pty.

The chain comes up at full speed in about a second: the driver's sleeps (PLL ramp
steps, enumeration quiet time) are shortened through its injected `sleep`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from firmware.asic import AsicBackend
from firmware.board import load_board
from firmware.pool import PoolConfig, PoolManager
from hw.sim.chain import ChainSimulator
from hw.sim.pool import LocalPool
from tests.firmware.pool.test_end_to_end import FAST, until

# The simulator's chips return nonces with 16 leading zero bits (difficulty ~2**-16);
# the pool asks for exactly that, a real fractional stratum difficulty.
SHARE_BITS = 16
DIFFICULTY = 2.0**-SHARE_BITS


async def _short_sleep(seconds: float) -> None:
    await asyncio.sleep(min(seconds, 0.01))


@contextlib.asynccontextmanager
async def asic_mining(
    pool: LocalPool,
) -> AsyncIterator[tuple[PoolManager, AsicBackend, ChainSimulator]]:
    profile = load_board("bitaxe-gamma")
    simulator = ChainSimulator(profile, share_bits=SHARE_BITS, cpu_budget=0.1, seed=7)
    port = simulator.start()
    backend = AsicBackend(
        port,
        profile,
        ticket_difficulty=DIFFICULTY,
        sleep=_short_sleep,
        enumerate_silence_s=0.3,
    )
    manager = PoolManager([PoolConfig(pool.url, "bc1q.heater")], backend, **FAST)  # type: ignore[arg-type]
    try:
        await backend.start()
        await backend.apply(profile.default_point())  # the chain idles until asked
        task = asyncio.create_task(manager.run())
        try:
            yield manager, backend, simulator
        finally:
            await manager.stop()
            await task
            await backend.stop()
    finally:
        simulator.stop()


async def test_asic_chain_over_a_pty_mines_shares_the_pool_accepts() -> None:
    pool = LocalPool(difficulty=DIFFICULTY)
    await pool.start()
    try:
        async with asic_mining(pool) as (manager, backend, simulator):
            await until(lambda: pool.counters.accepted >= 5, timeout=30)
            status = manager.status()
            assert status.state == "connected" and status.version_mask == 0x1FFFE000
            assert status.shares_rejected == 0 and pool.counters.rejected == 0
            assert backend.stats().hw_errors == 0
            frames_before = simulator.jobs_received
            await pool.new_job(clean=True)
            # The fence is answered only after the client handled the clean notify, so
            # any stale share after it would be a nonce of the cleared job that the client
            # should have dropped. Shares that crossed the notify on the wire are not
            # counted: any number may be in flight on a loaded machine.
            stale_at_fence = await pool.fence()
            await until(lambda: simulator.jobs_received > frames_before)
            accepted = pool.counters.accepted
            await until(lambda: pool.counters.accepted >= accepted + 3, timeout=30)
            assert pool.counters.stale == stale_at_fence
            assert pool.counters.rejected == 0
    finally:
        await pool.stop()
