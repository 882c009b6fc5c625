"""Work given to a hashing backend and what it finds.

Byte orders follow docs/bm13xx.md ("Job frames"): `prev_hash` and `merkle_root` are in
header order (the bytes exactly as they stand in the 80-byte block header).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Job:
    """One header template. The backend varies the nonce and, if `version_mask` is
    non-zero, the version bits inside the mask (BIP310 version rolling)."""

    job_id: str
    version: int
    prev_hash: bytes
    merkle_root: bytes
    ntime: int
    nbits: int
    version_mask: int = 0
    clean: bool = False
    # Backends report only nonces at or above this difficulty (the ASIC ticket mask).
    share_difficulty: float = 1.0
    # Opaque to backends: the pool's bookkeeping (extranonce2, pool name, ...).
    tag: object = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.prev_hash) != 32:
            raise ValueError(f"prev_hash must be 32 bytes, got {len(self.prev_hash)}")
        if len(self.merkle_root) != 32:
            raise ValueError(f"merkle_root must be 32 bytes, got {len(self.merkle_root)}")
        for name in ("version", "ntime", "nbits", "version_mask"):
            value = getattr(self, name)
            if not 0 <= value < 1 << 32:
                raise ValueError(f"{name} must fit in 32 bits, got {value!r}")
        if not self.share_difficulty > 0:
            raise ValueError(f"share_difficulty must be positive, got {self.share_difficulty!r}")

    def header76(self, version: int | None = None) -> bytes:
        """The first 76 header bytes (everything but the nonce), optionally with a
        rolled version."""
        v = self.version if version is None else version
        return (
            struct.pack("<I", v)
            + self.prev_hash
            + self.merkle_root
            + struct.pack("<II", self.ntime, self.nbits)
        )

    def header80(self, nonce: int, version: int | None = None) -> bytes:
        return self.header76(version) + struct.pack("<I", nonce)


@dataclass(frozen=True)
class FoundNonce:
    """A nonce a backend found and verified with the CPU SHA-256d core."""

    job: Job
    nonce: int  # the header's bytes 76..79 read little-endian
    version: int  # the full (possibly rolled) version the hash was computed with
    difficulty: float  # of the verified hash
    chip: int | None = None  # finder's chip index on an ASIC chain
    core: int | None = None

    @property
    def version_bits(self) -> int:
        """What stratum's `mining.submit` sends: the rolled bits only."""
        return self.version ^ self.job.version


@dataclass(frozen=True)
class OperatingPoint:
    """How hard a backend should hash. The power planner chooses it from a board profile."""

    frequency_mhz: float
    voltage_mv: int
    active_chips: int
    # Fraction of the time spent hashing when duty-cycling below the board's minimum.
    duty: float = 1.0

    def __post_init__(self) -> None:
        if self.frequency_mhz < 0 or self.voltage_mv < 0 or self.active_chips < 0:
            raise ValueError(f"operating point values must be non-negative: {self!r}")
        if not 0.0 <= self.duty <= 1.0:
            raise ValueError(f"duty must be within [0, 1], got {self.duty!r}")
