"""The one interface for "something that hashes jobs": the ASIC chain and the CPU miner.

The daemon and the pool code talk to a `HashBackend` and never care which one is present.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from firmware.work.job import FoundNonce, Job, OperatingPoint

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
        """Move to an operating point (ramping as the hardware requires)."""
        ...

    def stats(self) -> BackendStats: ...
