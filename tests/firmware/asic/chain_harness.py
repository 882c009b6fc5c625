"""Shared set-up for driving the real chain driver against the simulator over a pty."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import os
from collections.abc import Awaitable, Callable
from typing import Any

from firmware.asic import AsicBackend
from firmware.board import BoardProfile, load_board
from firmware.work import DIFF1_TARGET, FoundNonce, Job, OperatingPoint
from hw.sim.chain import ChainSimulator

# Per family: scaled-down difficulty that gives tens of nonces a second within the budget.
SHARE_BITS = {"BM1366": 14, "BM1368": 14, "BM1370": 14, "BM1397": 12}
FAST_MHZ = 75.0  # 4 ramp steps from the 50 MHz reset clock


def quick_profile(name: str, chips: int | None = None) -> BoardProfile:
    """A board profile whose range starts low, so tests ramp in a fraction of a second."""
    profile = load_board(name)
    return dataclasses.replace(
        profile,
        chip_count=chips or profile.chip_count,
        frequency_min_mhz=50.0,
    )


def make_job(version_mask: int = 0x1FFFE000, share_difficulty: float = 1e-9) -> Job:
    return Job(
        job_id="t",
        version=0x20000000,
        prev_hash=os.urandom(32),
        merkle_root=os.urandom(32),
        ntime=0x64658BD8,
        nbits=0x1705DD01,
        version_mask=version_mask,
        clean=True,
        share_difficulty=share_difficulty,
    )


def independently_verified(found: FoundNonce) -> float:
    """Difficulty of a found nonce, hashed with hashlib from the job alone."""
    header = found.job.header80(found.nonce, found.version)
    digest = hashlib.sha256(hashlib.sha256(header).digest()).digest()
    return DIFF1_TARGET / int.from_bytes(digest, "little")


Scenario = Callable[[ChainSimulator, AsicBackend, list[FoundNonce]], Awaitable[Any]]


def run_against_sim(
    profile: BoardProfile,
    scenario: Scenario,
    *,
    sim_chips: int | None = None,
    use_reset_line: bool = True,
    **backend_options: Any,
) -> Any:
    sim = ChainSimulator(
        profile,
        chips=sim_chips,
        share_bits=SHARE_BITS[profile.chip_model],
        cpu_budget=0.25,
        seed=1,
    )
    port = sim.start()
    options: dict[str, Any] = {
        "ticket_difficulty": sim.ticket_difficulty,
        "poll_interval_s": 0.2,
        "enumerate_silence_s": 0.25,
        "silent_after_s": 1.0,
    }
    if use_reset_line:
        options["reset_line"] = sim  # hold_reset / release_reset, as a GPIO line
    options.update(backend_options)
    if options.get("power_switch") == "sim":
        options["power_switch"] = sim.set_power
    if callable(options.get("rail")):  # a factory: the rail double needs the simulator
        options["rail"] = options["rail"](sim)

    async def main() -> Any:
        backend = AsicBackend(port, profile, **options)
        found: list[FoundNonce] = []
        backend.set_nonce_handler(found.append)
        try:
            return await scenario(sim, backend, found)
        finally:
            await backend.stop()

    try:
        return asyncio.run(main())
    finally:
        sim.stop()


def hashing_point(profile: BoardProfile, frequency_mhz: float = FAST_MHZ) -> OperatingPoint:
    return OperatingPoint(frequency_mhz, profile.default_voltage_mv, profile.chip_count)


async def start_hashing(backend: AsicBackend, point: OperatingPoint | None = None) -> None:
    """Start, ask for `point` (default: all chips at FAST_MHZ) and wait until the PLL is
    there and work is being sent."""
    await backend.start()
    point = point or hashing_point(backend.profile)
    await backend.apply(point)
    await wait_for(lambda: reached(backend, point))


def reached(backend: AsicBackend, point: OperatingPoint) -> bool:
    stats = backend.stats()
    return (
        stats.issuing_work
        and stats.point is not None
        and abs(stats.point.frequency_mhz - point.frequency_mhz) < 0.5
    )


async def wait_for(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting for the chain")
        await asyncio.sleep(0.05)
