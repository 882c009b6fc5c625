"""Real hashing of a simulated job at the simulation's scaled-down difficulty.

A chip reports nonces at or above its ticket difficulty (256 and up), about one per
2^40 hashes: out of reach for a CPU. The simulator instead reports every nonce whose
hash has at least `share_bits` leading zero bits (hash value < 2^(256 − share_bits)),
i.e. difficulty ≈ 2^(share_bits − 32). Each nonce it reports is genuine: the firmware
re-hashes it and gets the same result.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from firmware.hashing import scan
from firmware.hashing import scan_midstate as scan_from_midstate


def sim_target(share_bits: int) -> int:
    return (1 << (256 - share_bits)) - 1


@dataclass(frozen=True)
class SimJob:
    """What the chips were sent, decoded the chip's way."""

    job_id: int
    version: int  # 0 for midstate jobs (the chip never sees it)
    header_tail: bytes  # header bytes 64..75: merkle tail, ntime, nbits (as in the header)
    header76: bytes | None  # full-header jobs
    midstates: tuple[tuple[int, ...], ...]  # midstate jobs: SHA-256 states H0..H7


def _word_swap(field: bytes) -> bytes:
    return b"".join(field[i : i + 4] for i in range(28, -1, -4))


def decode_full_header_job(payload: bytes) -> SimJob:
    """BM1366/68/70 layout: job_id, 01, start nonce, nbits, ntime, merkle, prev, version."""
    if len(payload) != 82:
        raise ValueError(f"full-header job payload is 82 bytes, got {len(payload)}")
    job_id = payload[0]
    nbits, ntime = struct.unpack_from("<II", payload, 6)
    merkle = _word_swap(payload[14:46])
    prev = _word_swap(payload[46:78])
    (version,) = struct.unpack_from("<I", payload, 78)
    header76 = struct.pack("<I", version) + prev + merkle + struct.pack("<II", ntime, nbits)
    return SimJob(job_id, version, header76[64:76], header76, ())


def decode_midstate_job(payload: bytes) -> SimJob:
    """BM1397 layout: job_id, count, start nonce, nbits, ntime, merkle tail, 4 midstates
    (words H7..H0, big-endian each)."""
    if len(payload) != 146:
        raise ValueError(f"midstate job payload is 146 bytes, got {len(payload)}")
    job_id, count = payload[0], max(1, min(4, payload[1]))
    nbits, ntime = struct.unpack_from("<II", payload, 6)
    tail = payload[14:18] + struct.pack("<II", ntime, nbits)
    states = []
    for i in range(count):
        words = struct.unpack_from(">8I", payload, 18 + 32 * i)
        states.append(tuple(reversed(words)))
    return SimJob(job_id, 0, tail, None, tuple(states))


def scan_midstate(
    state: tuple[int, ...], header_tail: bytes, start: int, count: int, target: int
) -> list[int]:
    """Nonces (little-endian header integers) in [start, start+count) meeting `target`,
    hashing from a midstate as a BM1397 does: the C core's midstate scan, the same
    kernels and speed as the full-header scan of the other chips."""
    return scan_from_midstate(struct.pack(">8I", *state), header_tail, start, count, target)


def scan_header(header76: bytes, start: int, count: int, target: int) -> list[int]:
    return scan(header76, start, count, target)
