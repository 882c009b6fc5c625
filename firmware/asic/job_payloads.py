"""The two job payload layouts (docs/bm13xx.md, "Job frames")."""

from __future__ import annotations

import struct
from collections.abc import Sequence

from firmware.asic.family import EncodedJob
from firmware.asic.version_rolling import nth_rolled_version
from firmware.hashing import midstate
from firmware.work import Job

BM1397_MIDSTATE_SLOTS = 4


def words_reversed(data: bytes) -> bytes:
    """The eight 4-byte words of a 32-byte field in reverse order, bytes inside kept."""
    return b"".join(data[i : i + 4] for i in range(len(data) - 4, -1, -4))


def full_header_payload(job_id: int, job: Job) -> EncodedJob:
    """BM1366/68/70: job_id · 01 · starting nonce 0 · nbits · ntime · merkle · prev ·
    version (integers little-endian, hashes word-reversed); 82 bytes."""
    payload = (
        bytes((job_id, 1))
        + struct.pack("<III", 0, job.nbits, job.ntime)
        + words_reversed(job.merkle_root)
        + words_reversed(job.prev_hash)
        + struct.pack("<I", job.version)
    )
    return EncodedJob(payload, (job.version,))


def midstate_payload(
    job_id: int,
    nbits: int,
    ntime: int,
    merkle_tail: bytes,
    midstates: Sequence[bytes],
    num_midstates: int | None = None,
) -> bytes:
    """BM1397: job_id · num_midstates · starting nonce 0 · nbits · ntime · merkle root
    bytes 28..31 · four 32-byte midstates (unused ones zero); 146 bytes."""
    if len(merkle_tail) != 4 or not 1 <= len(midstates) <= BM1397_MIDSTATE_SLOTS:
        raise ValueError("a BM1397 job needs a 4-byte merkle tail and 1..4 midstates")
    if any(len(m) != 32 for m in midstates):
        raise ValueError("midstates are 32 bytes each")
    count = len(midstates) if num_midstates is None else num_midstates
    slots = b"".join(midstates) + bytes(32 * (BM1397_MIDSTATE_SLOTS - len(midstates)))
    return bytes((job_id, count)) + struct.pack("<III", 0, nbits, ntime) + merkle_tail + slots


def chip_midstate(first64: bytes) -> bytes:
    """The midstate as a BM1397 wants it: words H7..H0, each big-endian."""
    return words_reversed(midstate(first64))


def midstate_job(job_id: int, job: Job) -> EncodedJob:
    """A BM1397 job: one midstate, or four rolled versions when the pool allows rolling."""
    count = BM1397_MIDSTATE_SLOTS if job.version_mask else 1
    versions = tuple(nth_rolled_version(job.version, job.version_mask, n) for n in range(count))
    midstates = [chip_midstate(job.header76(v)[:64]) for v in versions]
    payload = midstate_payload(job_id, job.nbits, job.ntime, job.merkle_root[28:32], midstates)
    return EncodedJob(payload, versions)
