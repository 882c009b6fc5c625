"""The Python face over the compiled C core (`firmware.hashing._core`, built by the package
build or `make core`).

Three code paths live in the one extension: "shani" (x86 SHA extensions), "avx2" (eight
nonces per AVX2 register, for x86 without SHA; plain hashing on it runs the portable
code) and "portable" (plain C, any CPU). The default is the fastest this CPU runs, or
what the environment variable HEARTH_HASH_IMPL names; every function also takes `impl=`
to force one, which is how the tests hold the paths against each other.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

try:
    from firmware.hashing._core import ffi, lib
except ImportError as exc:  # the module is compiled by the install step, never here
    raise ImportError(
        "the C hashing core (firmware.hashing._core) is not built: run `make core` "
        "(or `.venv/bin/python -m firmware.hashing.build`)"
    ) from exc

IMPL_ENV = "HEARTH_HASH_IMPL"
# Code for each path as dispatch.c numbers them, fastest first.
_IMPL_CODES = {"shani": 1, "avx2": 2, "portable": 0}
# Nonces the C scan may report per call before Python collects them and calls again.
_FOUND_PER_CALL = 1024
NONCE_SPACE = 1 << 32
MAX_TARGET = (1 << 256) - 1

BytesLike = bytes | bytearray | memoryview


def _detect() -> tuple[str, ...]:
    # cpuid runs once here: under a hypervisor each call traps and costs microseconds.
    usable = {"shani": lib.hearth_has_shani(), "avx2": lib.hearth_has_avx2(), "portable": 1}
    return tuple(name for name in _IMPL_CODES if usable[name])


_AVAILABLE = _detect()


def available_impls() -> tuple[str, ...]:
    """The code paths this CPU can run, fastest first."""
    return _AVAILABLE


def _resolve(name: str | None) -> str:
    if name is None:
        return _DEFAULT
    if name not in _IMPL_CODES:
        raise ValueError(f"unknown hashing path {name!r}; choose one of {sorted(_IMPL_CODES)}")
    if name not in _AVAILABLE:
        raise ValueError(f"this CPU cannot run the {name!r} path (it has {list(_AVAILABLE)})")
    return name


def _default_impl() -> str:
    wanted = os.environ.get(IMPL_ENV, "").strip()
    if not wanted:
        return _AVAILABLE[0]
    try:
        return _resolve(wanted)
    except ValueError as exc:
        raise ValueError(f"{IMPL_ENV}={wanted!r}: {exc}") from None


_DEFAULT = _default_impl()


def impl() -> str:
    """The code path used when no `impl=` is given: "shani", "avx2" or "portable"."""
    return _DEFAULT


def _as_bytes(name: str, data: BytesLike) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, bytearray | memoryview):
        return bytes(data)
    raise TypeError(f"{name} must be bytes, got {type(data).__name__}")


def _as_int(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    return value


def sha256d(data: BytesLike, *, impl: str | None = None) -> bytes:
    """SHA-256 of SHA-256 of `data` (any length): 32 bytes, as hashlib gives them."""
    raw = _as_bytes("data", data)
    out = ffi.new("uint8_t[32]")
    lib.hearth_sha256d(_IMPL_CODES[_resolve(impl)], raw, len(raw), out)
    return bytes(ffi.buffer(out))


def midstate(first64: BytesLike, *, impl: str | None = None) -> bytes:
    """SHA-256 state after one 64-byte block from the standard initial value:
    H0..H7 big-endian, 32 bytes (what ASIC chips take instead of the header's first half)."""
    raw = _as_bytes("first64", first64)
    if len(raw) != 64:
        raise ValueError(f"midstate needs exactly 64 bytes, got {len(raw)}")
    out = ffi.new("uint8_t[32]")
    lib.hearth_midstate(_IMPL_CODES[_resolve(impl)], raw, out)
    return bytes(ffi.buffer(out))


def check_scan_args(header76: BytesLike, start: int, count: int, target: int) -> bytes:
    """Validate scan's arguments (ValueError/TypeError naming the bad one); the header."""
    raw = _as_bytes("header76", header76)
    if len(raw) != 76:
        raise ValueError(f"header76 must be 76 bytes (the header but its nonce), got {len(raw)}")
    start = _as_int("start", start)
    count = _as_int("count", count)
    target = _as_int("target", target)
    if start < 0 or count < 0:
        raise ValueError(f"start and count must be non-negative, got start={start} count={count}")
    if start + count > NONCE_SPACE:
        raise ValueError(
            f"nonce range [{start}, {start + count}) runs past 2**32 (the last nonce is 2**32-1)"
        )
    if not 0 <= target <= MAX_TARGET:
        raise ValueError(f"target must be within [0, 2**256), got {target}")
    return raw


def scan(
    header76: BytesLike, start: int, count: int, target: int, *, impl: str | None = None
) -> list[int]:
    """Nonces n in [start, start+count), ascending, whose sha256d(header76 + n as 4 bytes
    little-endian), read as a little-endian integer, is <= target.

    Loops in C with the GIL released, so several threads can scan at once."""
    raw = check_scan_args(header76, start, count, target)
    code = _IMPL_CODES[_resolve(impl)]
    return _collect(
        lambda at, left, target_le, found, scanned: lib.hearth_scan(
            code, raw, at, left, target_le, found, _FOUND_PER_CALL, scanned
        ),
        start,
        count,
        target,
    )


def scan_midstate(
    midstate: BytesLike,
    tail12: BytesLike,
    start: int,
    count: int,
    target: int,
    *,
    impl: str | None = None,
) -> list[int]:
    """`scan` from a midstate, as a BM1397 chip hashes: nonces n in [start, start+count),
    ascending, whose double SHA-256 of (the 64 bytes `midstate` stands for) + tail12 +
    n as 4 bytes little-endian, read as a little-endian integer, is <= target.

    `midstate` is the SHA-256 state after the header's first 64 bytes, H0..H7 big-endian
    (what `midstate()` returns); `tail12` is the header's bytes 64..75 (merkle root tail,
    ntime, nbits). Same C kernels, speed and GIL release as `scan`."""
    mid = _as_bytes("midstate", midstate)
    if len(mid) != 32:
        raise ValueError(f"midstate must be 32 bytes (SHA-256 state H0..H7), got {len(mid)}")
    tail = _as_bytes("tail12", tail12)
    if len(tail) != 12:
        raise ValueError(f"tail12 must be 12 bytes (header bytes 64..75), got {len(tail)}")
    check_scan_args(bytes(64) + tail, start, count, target)
    code = _IMPL_CODES[_resolve(impl)]
    return _collect(
        lambda at, left, target_le, found, scanned: lib.hearth_scan_midstate(
            code, mid, tail, at, left, target_le, found, _FOUND_PER_CALL, scanned
        ),
        start,
        count,
        target,
    )


def _collect(
    call: Callable[[int, int, bytes, Any, Any], int], start: int, count: int, target: int
) -> list[int]:
    """Run a C scan `call(start, count, target_le, found, scanned)` until the range is
    done, collecting what each call found (it stops early when its buffer fills)."""
    target_le = target.to_bytes(32, "little")
    found = ffi.new("uint32_t[]", _FOUND_PER_CALL)
    scanned = ffi.new("uint64_t *")
    nonces: list[int] = []
    while count > 0:
        n = call(start, count, target_le, found, scanned)
        if n < 0:
            raise RuntimeError(f"hashing core rejected scan arguments (code {n})")
        nonces.extend(found[0:n])
        start += scanned[0]
        count -= scanned[0]
    return nonces
