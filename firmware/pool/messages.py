"""Typed, validated contents of the pool messages that carry work and settings.

Each `parse_*` takes the raw JSON params and returns a frozen value or raises
ProtocolError naming what is wrong, so nothing malformed reaches the work builder.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from firmware.pool.protocol import ProtocolError, is_finite_number

# Sizes the protocol allows. A coinbase is at most 100 kB in consensus terms; pools
# send far less. Extranonce sizes follow the stratum subscribe conventions (en1 up to
# 16 bytes, en2 1..16 bytes); a merkle path of 32 covers any block that can exist.
MAX_COINBASE_PART_BYTES = 16 * 1024
MAX_EXTRANONCE1_BYTES = 16
EXTRANONCE2_SIZES = range(1, 17)
MAX_MERKLE_BRANCHES = 32
MAX_JOB_ID_CHARS = 64
# Below 2**-32 the share target passes 2**256 (difficulty 1 is about 2**224): every hash
# would be a share. No working pool asks for that, so it is refused as broken.
MIN_DIFFICULTY = 2.0**-32


@dataclass(frozen=True)
class Notify:
    """mining.notify: one job. Hex fields are decoded; `prevhash` keeps stratum's order."""

    job_id: str
    prevhash: bytes  # 32 bytes as the pool sent them (4-byte words byte-swapped)
    coinb1: bytes
    coinb2: bytes
    merkle_branches: tuple[bytes, ...]
    version: int
    nbits: int
    ntime: int
    clean_jobs: bool


@dataclass(frozen=True)
class Subscription:
    """The mining.subscribe result: our extranonce1 and the extranonce2 size."""

    extranonce1: bytes
    extranonce2_size: int


def _hex(value: Any, what: str, *, size: int | None = None, max_size: int | None = None) -> bytes:
    if not isinstance(value, str):
        raise ProtocolError(f"{what} must be a hex string, got {type(value).__name__}")
    if max_size is not None and len(value) > 2 * max_size:
        raise ProtocolError(f"{what} longer than {max_size} bytes")
    try:
        data = bytes.fromhex(value)
    except ValueError:
        raise ProtocolError(f"{what} is not hex: {value[:40]!r}") from None
    if len(value) != 2 * len(data):
        raise ProtocolError(f"{what} has whitespace or an odd length: {value[:40]!r}")
    if size is not None and len(data) != size:
        raise ProtocolError(f"{what} must be {size} bytes, got {len(data)}")
    return data


def _u32(value: Any, what: str) -> int:
    return int.from_bytes(_hex(value, what, size=4), "big")


def parse_notify(params: list[Any]) -> Notify:
    if len(params) < 9:
        raise ProtocolError(f"mining.notify needs 9 params, got {len(params)}")
    job_id, prevhash, coinb1, coinb2, branches, version, nbits, ntime, clean = params[:9]
    if isinstance(job_id, int) and not isinstance(job_id, bool):
        job_id = str(job_id)
    if not isinstance(job_id, str) or not 0 < len(job_id) <= MAX_JOB_ID_CHARS:
        raise ProtocolError(f"job id must be a short string, got {job_id!r:.60}")
    if not job_id.isprintable() or '"' in job_id or "\\" in job_id:
        raise ProtocolError(f"job id has unprintable characters: {job_id!r:.60}")
    if not isinstance(branches, list) or len(branches) > MAX_MERKLE_BRANCHES:
        raise ProtocolError("merkle branches must be an array of at most 32 hashes")
    if not isinstance(clean, bool):
        raise ProtocolError(f"clean_jobs must be true or false, got {clean!r:.20}")
    return Notify(
        job_id=job_id,
        prevhash=_hex(prevhash, "prevhash", size=32),
        coinb1=_hex(coinb1, "coinb1", max_size=MAX_COINBASE_PART_BYTES),
        coinb2=_hex(coinb2, "coinb2", max_size=MAX_COINBASE_PART_BYTES),
        merkle_branches=tuple(_hex(b, "merkle branch", size=32) for b in branches),
        version=_u32(version, "version"),
        nbits=_u32(nbits, "nbits"),
        ntime=_u32(ntime, "ntime"),
        clean_jobs=clean,
    )


def parse_difficulty(params: list[Any]) -> float:
    """mining.set_difficulty: any positive finite number, fractional allowed."""
    if not params or not is_finite_number(params[0]) or not params[0] >= MIN_DIFFICULTY:
        raise ProtocolError(f"set_difficulty needs a number >= 2**-32, got {params[:1]!r:.60}")
    return float(params[0])


def parse_version_mask(value: Any) -> int:
    """A BIP310 mask as pools send it: 8 hex digits (mining.configure, set_version_mask)."""
    if isinstance(value, list) and value:
        value = value[0]
    return _u32(value, "version mask")


def parse_extranonce(params: list[Any]) -> Subscription:
    """mining.set_extranonce params [extranonce1, extranonce2_size]."""
    if len(params) < 2:
        raise ProtocolError("set_extranonce needs [extranonce1, extranonce2_size]")
    return _subscription(params[0], params[1])


def parse_subscribe_result(result: Any) -> Subscription:
    """mining.subscribe result: [[subscriptions...], extranonce1, extranonce2_size]."""
    if not isinstance(result, list) or len(result) < 3:
        raise ProtocolError(f"subscribe result must be [subs, en1, en2_size], got {result!r:.80}")
    return _subscription(result[1], result[2])


def _subscription(extranonce1: Any, extranonce2_size: Any) -> Subscription:
    en1 = _hex(extranonce1, "extranonce1", max_size=MAX_EXTRANONCE1_BYTES)
    if not isinstance(extranonce2_size, int) or isinstance(extranonce2_size, bool):
        raise ProtocolError(f"extranonce2 size must be an integer, got {extranonce2_size!r:.20}")
    if extranonce2_size not in EXTRANONCE2_SIZES:
        raise ProtocolError(f"extranonce2 size {extranonce2_size} is outside 1..16")
    return Subscription(en1, extranonce2_size)


def parse_configure_result(result: Any) -> int:
    """The version mask a pool grants in its mining.configure answer; 0 = no rolling."""
    if not isinstance(result, dict) or result.get("version-rolling") is not True:
        return 0
    try:
        return parse_version_mask(result.get("version-rolling.mask"))
    except ProtocolError:
        return 0


def parse_reconnect(params: list[Any]) -> tuple[str | None, int | None, float]:
    """client.reconnect [host, port, wait_s], every part optional."""
    host = params[0] if params and isinstance(params[0], str) and params[0] else None
    port: int | None = None
    if len(params) > 1:
        raw = params[1]
        # ASCII digits only: str.isdigit() is also true for "²" and the like, which int()
        # refuses, and a long digit string would only be refused by int()'s size limit.
        if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 5:
            raw = int(raw)
        if isinstance(raw, int) and not isinstance(raw, bool) and 0 < raw < 65536:
            port = raw
    wait = 0.0
    if len(params) > 2 and is_finite_number(params[2]) and params[2] > 0:
        wait = min(float(params[2]), 3600.0)
    return host, port, wait
