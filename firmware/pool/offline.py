"""Heat without a pool: locally made header templates that keep the chips hashing.

Nothing found on this work is a share (no pool issued it); the manager discards those
nonces and flags the state, so the owner sees the heater is warm but not earning.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from firmware.pool.session import BIP320_VERSION_MASK
from firmware.work import Job

# A plausible header: BIP9 version bits and a mainnet-like nbits (block 791000's, the
# value in docs/bm13xx.md's real BM1397 job frame) so ASICs see ordinary work.
OFFLINE_VERSION = 0x20000000
OFFLINE_NBITS = 0x1705DD01


@dataclass(frozen=True)
class OfflineTag:
    """Marks a Job as offline heat work; its nonces are never submitted."""

    serial: int


class OfflineWork:
    def __init__(self, rng: random.Random, share_difficulty: float) -> None:
        self._rng = rng
        self._serial = 0
        self.share_difficulty = share_difficulty

    def next_job(self, *, clean: bool, ntime: int) -> Job:
        self._serial += 1
        return Job(
            job_id=f"offline/{self._serial}",
            version=OFFLINE_VERSION,
            prev_hash=self._rng.randbytes(32),
            merkle_root=self._rng.randbytes(32),
            ntime=ntime & 0xFFFFFFFF,
            nbits=OFFLINE_NBITS,
            version_mask=BIP320_VERSION_MASK,
            clean=clean,
            share_difficulty=self.share_difficulty,
            tag=OfflineTag(self._serial),
        )
