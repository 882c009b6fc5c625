"""scan_midstate: the scan a BM1397 does, from a midstate and the header's last 12 bytes.

Checked against hashlib over the full header (the midstate taken from the pure-Python
reference, not from the C core), against the real nonces of published blocks, and, for
states that are no header's midstate (a chip hashes whatever state it was sent), against
the pure-Python compression resumed from that state.
"""

from __future__ import annotations

import hashlib
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware.hashing import reference, scan, scan_midstate
from tests.firmware.hashing.blocks import BLOCKS, Block
from tests.firmware.hashing.test_scan import MAX_TARGET, brute_force, hash_value

PAD_BLOCK2 = b"\x80" + bytes(39) + struct.pack(">Q", 640)  # 16 data bytes after 64 hashed


def split(header76: bytes) -> tuple[bytes, bytes]:
    return reference.midstate(header76[:64]), header76[64:]


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: f"block{b.height}")
def test_finds_the_real_nonce_from_the_midstate(impl: str, block: Block) -> None:
    mid, tail = split(block.header76())
    found = scan_midstate(mid, tail, block.nonce - 1000, 2001, block.network_target(), impl=impl)
    assert found == [block.nonce]


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: f"block{b.height}")
def test_target_boundary_is_exact(impl: str, block: Block) -> None:
    mid, tail = split(block.header76())
    value = hash_value(block.header76(), block.nonce)
    assert scan_midstate(mid, tail, block.nonce, 1, value, impl=impl) == [block.nonce]
    assert scan_midstate(mid, tail, block.nonce, 1, value - 1, impl=impl) == []


@settings(max_examples=60, deadline=None)
@given(
    header76=st.binary(min_size=76, max_size=76),
    start=st.integers(0, (1 << 32) - 64),
    count=st.integers(0, 64),
    pick=st.integers(0, 63),
    tweak=st.sampled_from([0, -1, 1, (1 << 224) - 1]),
)
def test_matches_hashlib_over_the_whole_header(
    impl: str, header76: bytes, start: int, count: int, pick: int, tweak: int
) -> None:
    values = sorted(hash_value(header76, n) for n in range(start, start + count)) or [0]
    target = min(max(values[pick % len(values)] + tweak, 0), MAX_TARGET)
    mid, tail = split(header76)
    assert scan_midstate(mid, tail, start, count, target, impl=impl) == brute_force(
        header76, start, count, target
    )


def resumed_hash_value(state: bytes, tail12: bytes, nonce: int) -> int:
    words = struct.unpack(">8I", state)
    block = tail12 + nonce.to_bytes(4, "little") + PAD_BLOCK2
    first = struct.pack(">8I", *reference.compress(words, block))
    return int.from_bytes(hashlib.sha256(first).digest(), "little")


@settings(max_examples=30, deadline=None)
@given(
    state=st.binary(min_size=32, max_size=32),
    tail12=st.binary(min_size=12, max_size=12),
    start=st.integers(0, (1 << 32) - 32),
    shift=st.integers(0, 6),
)
def test_any_state_hashes_as_sha256_resumed_from_it(
    impl: str, state: bytes, tail12: bytes, start: int, shift: int
) -> None:
    target = MAX_TARGET >> shift
    nonces = range(start, start + 32)
    expected = [n for n in nonces if resumed_hash_value(state, tail12, n) <= target]
    assert scan_midstate(state, tail12, start, 32, target, impl=impl) == expected


def test_agrees_with_the_full_header_scan_past_one_c_call(impl: str) -> None:
    # More matches than one C call reports, and the wrap edge: the same as `scan`.
    header76 = BLOCKS[3].header76()
    mid, tail = split(header76)
    half = MAX_TARGET >> 1
    assert scan_midstate(mid, tail, 7, 4000, half, impl=impl) == scan(
        header76, 7, 4000, half, impl=impl
    )
    top = (1 << 32) - 5
    assert scan_midstate(mid, tail, top, 5, MAX_TARGET, impl=impl) == list(range(top, 1 << 32))
    assert scan_midstate(mid, tail, 0, 3000, 0, impl=impl) == []


MID, TAIL = split(BLOCKS[0].header76())


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ((MID[:31], TAIL, 0, 1, 1), ValueError, "midstate must be 32 bytes"),
        ((MID + b"\x00", TAIL, 0, 1, 1), ValueError, "midstate must be 32 bytes"),
        ((MID, TAIL[:11], 0, 1, 1), ValueError, "tail12 must be 12 bytes"),
        ((MID, TAIL + b"\x00", 0, 1, 1), ValueError, "tail12 must be 12 bytes"),
        ((MID, TAIL, -1, 1, 1), ValueError, "non-negative"),
        ((MID, TAIL, 1 << 32, 1, 1), ValueError, "runs past"),
        ((MID, TAIL, 0, 1, 1 << 256), ValueError, "target"),
        ((MID.hex(), TAIL, 0, 1, 1), TypeError, "midstate must be bytes"),
        ((MID, list(TAIL), 0, 1, 1), TypeError, "tail12 must be bytes"),
        ((MID, TAIL, 0, 1.0, 1), TypeError, "count must be an int"),
    ],
)
def test_bad_input_is_refused(args: tuple[object, ...], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        scan_midstate(*args)  # type: ignore[arg-type]
