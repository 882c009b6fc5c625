"""The one interface for "something that hashes jobs": the ASIC chain and the CPU miner.

The daemon and the pool code talk to a `HashBackend` and never care which one is present.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from firmware.work.job import FoundNonce, Job, OperatingPoint
from firmware.work.rail import PowerReadings

NonceHandler = Callable[[FoundNonce], None]


@dataclass(frozen=True)
class ChipHealth:
    index: int
    address: int
    responding: bool
    hashrate_ghs: float
    hw_errors: int  # nonces that failed CPU verification
    error_count: int  # the chip's own nonce error counter (reg 0x4C)


@dataclass(frozen=True)
class BackendStats:
    kind: str  # "asic" or "cpu"
    hashrate_ghs: float  # measured
    expected_hashrate_ghs: float  # what the operating point should give
    nonces: int  # verified nonces reported
    hw_errors: int  # nonces that failed verification (never submitted)
    duplicates: int  # repeated nonces suppressed
    bad_frames: int  # serial frames dropped (CRC, garbage); 0 for the CPU backend
    chips: tuple[ChipHealth, ...] = field(default_factory=tuple)
    detail: str = ""  # human-readable, e.g. "4x BM1370 @ 525 MHz" or "cpu: 2 threads, sha-ni"
    # Where the hardware really is now, read back, never the plan: the PLL's frequency,
    # the voltage the rail reads (or was last set to where nothing reads it), 0 chips while
    # parked, idle or off. None only before start.
    point: OperatingPoint | None = None
    target: OperatingPoint | None = None  # what the last `apply` asked for
    issuing_work: bool = False  # jobs are being sent to the chips / CPU threads now
    fault: str = ""  # an alarm code while the backend cannot do what it was asked
    power: PowerReadings | None = None  # measured by the board's parts; None: no meter


class HashBackend(Protocol):
    """Lifecycle: `start()`, then any number of `submit_job` / `apply` calls, then `stop()`.

    Found nonces are delivered on the event loop thread through the handler set with
    `set_nonce_handler`; each has been re-hashed on the CPU and meets the job's
    `share_difficulty`.
    """

    @property
    def name(self) -> str: ...

    def set_nonce_handler(self, handler: NonceHandler) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def submit_job(self, job: Job) -> None:
        """Hash `job` from now on; if `job.clean`, drop all older work first."""
        ...

    async def apply(self, point: OperatingPoint) -> None:
        """Ask for an operating point; returns at once, never awaiting a ramp. The
        backend's own task moves there and a later `apply` interrupts it: going down
        takes effect at once (no new work first, then the lowest clock, idle or off),
        going up ramps as the hardware requires. `stats().point` says where it is."""
        ...

    def stats(self) -> BackendStats: ...
