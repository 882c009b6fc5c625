"""From a pool job to header templates and back to a share.

Byte orders (docs/bm13xx.md, "Rebuilding the header to check a nonce"; docs/stratum.md,
"Work and byte orders"): the header holds prev hash and merkle root in header order; the
stratum prevhash is that with each 4-byte word byte-swapped; version, ntime and nbits
are little-endian in the header and big-endian hex on the wire; `mining.submit` sends
the nonce as the 8-hex-digit big-endian form of the header's little-endian uint32.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from firmware.pool.messages import Notify
from firmware.work import Job


def sha256d(data: bytes) -> bytes:
    """Merkle and txid hashing: hashlib is C already, and the pool path then works
    whichever SHA-256d core (firmware.hashing) the backend was built with."""
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def swap_words(data: bytes) -> bytes:
    """Byte-swap each 4-byte word: stratum prevhash <-> header order."""
    if len(data) % 4:
        raise ValueError(f"length must be a multiple of 4, got {len(data)}")
    return b"".join(data[i : i + 4][::-1] for i in range(0, len(data), 4))


def build_coinbase(notify: Notify, extranonce1: bytes, extranonce2: bytes) -> bytes:
    return notify.coinb1 + extranonce1 + extranonce2 + notify.coinb2


def merkle_root(coinbase: bytes, branches: tuple[bytes, ...]) -> bytes:
    """Header-order merkle root: fold the coinbase txid with each branch on its right."""
    node = sha256d(coinbase)
    for branch in branches:
        node = sha256d(node + branch)
    return node


@dataclass(frozen=True)
class ShareTag:
    """What a `Job.tag` carries so a found nonce can be submitted to the right pool."""

    session: int  # which connection made the job; a nonce from an older one is stale
    pool_url: str
    job_id: str
    extranonce2: bytes
    ntime: int
    difficulty: float  # pool difficulty when the job was sent
    nbits: int
    block_reward_sats: int  # subsidy + fees from the coinbase outputs; 0 if unknown


@dataclass(frozen=True)
class JobTemplate:
    """A notify plus the session's extranonce1: makes one Job per extranonce2."""

    notify: Notify
    extranonce1: bytes
    extranonce2_size: int
    version_mask: int
    session: int
    pool_url: str
    block_reward_sats: int = 0

    def job(self, extranonce2: int, difficulty: float, *, clean: bool) -> Job:
        en2 = extranonce2.to_bytes(self.extranonce2_size, "big")
        coinbase = build_coinbase(self.notify, self.extranonce1, en2)
        n = self.notify
        tag = ShareTag(
            self.session,
            self.pool_url,
            n.job_id,
            en2,
            n.ntime,
            difficulty,
            n.nbits,
            self.block_reward_sats,
        )
        return Job(
            job_id=f"{self.session}/{n.job_id}/{en2.hex()}",
            version=n.version,
            prev_hash=swap_words(n.prevhash),
            merkle_root=merkle_root(coinbase, n.merkle_branches),
            ntime=n.ntime,
            nbits=n.nbits,
            version_mask=self.version_mask,
            clean=clean,
            share_difficulty=difficulty,
            tag=tag,
        )


# Every field of a submit is lower-case hex of a fixed or bounded width; anything else
# would be a malformed share, so `submit_params` refuses to produce it.
_HEX = re.compile(r"[0-9a-f]+\Z")


def submit_params(
    user: str, tag: ShareTag, nonce: int, version_bits: int, version_mask: int
) -> list[str]:
    """The mining.submit params for a nonce: [user, job, en2, ntime, nonce(, vbits)]."""
    if not 0 <= nonce < 1 << 32:
        raise ValueError(f"nonce {nonce!r} is not a 32-bit value")
    if version_bits & ~version_mask & 0xFFFFFFFF or not 0 <= version_bits < 1 << 32:
        raise ValueError(f"version bits {version_bits:#x} outside the mask {version_mask:#x}")
    params = [user, tag.job_id, tag.extranonce2.hex(), f"{tag.ntime:08x}", f"{nonce:08x}"]
    if version_mask:
        params.append(f"{version_bits:08x}")
    if not all(_HEX.match(p) for p in params[2:]) or not tag.extranonce2:
        raise ValueError(f"share fields are not hex: {params[2:]!r}")
    return params
