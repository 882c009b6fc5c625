"""The pool's own share check: rebuild the header from what the miner submitted.

Written independently of firmware/pool (hashlib and struct only), so the firmware's
work builder is checked against a second implementation, as a real pool would.
Error codes are the ones slush's stratum documentation lists and most pools reuse.
"""

from __future__ import annotations

import hashlib
import re
import struct
from dataclasses import dataclass, field

DIFF1 = 0xFFFF * 2**208

ERR_OTHER = 20
ERR_JOB_NOT_FOUND = 21  # also what pools answer for a stale share
ERR_DUPLICATE = 22
ERR_LOW_DIFFICULTY = 23
ERR_UNAUTHORIZED = 24

_HEX8 = re.compile(r"[0-9a-fA-F]{8}\Z")
# How far ahead of the job's ntime a miner may roll the clock (Bitcoin allows +2 h).
MAX_NTIME_AHEAD_S = 7200


class ShareError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class PoolJob:
    job_id: str
    prevhash: bytes  # stratum order
    coinb1: bytes
    coinb2: bytes
    branches: tuple[bytes, ...]
    version: int
    nbits: int
    ntime: int
    difficulty: float
    seen: set[tuple[str, str, str, str]] = field(default_factory=set)


def double_sha(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def header_bytes(
    job: PoolJob, extranonce1: bytes, extranonce2: bytes, ntime: int, nonce: int, version: int
) -> bytes:
    node = double_sha(job.coinb1 + extranonce1 + extranonce2 + job.coinb2)
    for branch in job.branches:
        node = double_sha(node + branch)
    prev = b"".join(
        job.prevhash[i : i + 4][::-1] for i in range(0, 32, 4)
    )  # stratum words back to header order
    return (
        struct.pack("<I", version)
        + prev
        + node
        + struct.pack("<I", ntime)
        + struct.pack("<I", job.nbits)
        + struct.pack("<I", nonce)
    )


def check_share(
    job: PoolJob,
    extranonce1: bytes,
    extranonce2_size: int,
    version_mask: int,
    params: list[object],
    difficulty: float,
) -> float:
    """Validate mining.submit params against `job`; the share's difficulty, or ShareError."""
    if len(params) < 5 or not all(isinstance(p, str) for p in params[:6]):
        raise ShareError(ERR_OTHER, "submit needs 5 or 6 string params")
    en2_hex, ntime_hex, nonce_hex = str(params[2]), str(params[3]), str(params[4])
    vbits_hex = str(params[5]) if len(params) > 5 else "00000000"
    if len(en2_hex) != 2 * extranonce2_size or not re.fullmatch(r"[0-9a-fA-F]+", en2_hex):
        raise ShareError(ERR_OTHER, f"extranonce2 must be {extranonce2_size} bytes of hex")
    for name, text in (("ntime", ntime_hex), ("nonce", nonce_hex), ("version", vbits_hex)):
        if not _HEX8.match(text):
            raise ShareError(ERR_OTHER, f"{name} must be 8 hex digits")
    ntime, nonce, vbits = int(ntime_hex, 16), int(nonce_hex, 16), int(vbits_hex, 16)
    if vbits & ~version_mask:
        raise ShareError(ERR_OTHER, "version bits outside the negotiated mask")
    if not job.ntime <= ntime <= job.ntime + MAX_NTIME_AHEAD_S:
        raise ShareError(ERR_OTHER, "ntime out of range")
    key = (en2_hex.lower(), ntime_hex.lower(), nonce_hex.lower(), vbits_hex.lower())
    if key in job.seen:
        raise ShareError(ERR_DUPLICATE, "Duplicate share")
    header = header_bytes(
        job, extranonce1, bytes.fromhex(en2_hex), ntime, nonce, job.version ^ vbits
    )
    value = int.from_bytes(double_sha(header), "little")
    share_difficulty = DIFF1 / value if value else float("inf")
    if value > DIFF1 / difficulty:
        raise ShareError(ERR_LOW_DIFFICULTY, f"Low difficulty share ({share_difficulty:.4g})")
    job.seen.add(key)
    return share_difficulty
