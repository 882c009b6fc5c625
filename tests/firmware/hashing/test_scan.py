"""scan: real Bitcoin blocks, exact target boundaries, the 2**32 edge and bad input."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware.hashing import available_impls, scan
from tests.firmware.hashing.blocks import BLOCKS, Block

MAX_TARGET = (1 << 256) - 1


def hash_value(header76: bytes, nonce: int) -> int:
    header = header76 + nonce.to_bytes(4, "little")
    return int.from_bytes(hashlib.sha256(hashlib.sha256(header).digest()).digest(), "little")


def brute_force(header76: bytes, start: int, count: int, target: int) -> list[int]:
    return [n for n in range(start, start + count) if hash_value(header76, n) <= target]


def block_id(block: Block) -> str:
    return f"block{block.height}"


@pytest.mark.parametrize("block", BLOCKS, ids=block_id)
def test_published_header_hashes_to_published_hash(block: Block) -> None:
    digest = hashlib.sha256(hashlib.sha256(block.header80()).digest()).digest()
    assert digest[::-1].hex() == block.block_hash


@pytest.mark.parametrize("block", BLOCKS, ids=block_id)
def test_finds_the_real_nonce(impl: str, block: Block) -> None:
    found = scan(block.header76(), block.nonce - 1000, 2001, block.network_target(), impl=impl)
    assert found == [block.nonce]


@pytest.mark.parametrize("block", BLOCKS, ids=block_id)
def test_nothing_when_range_excludes_the_nonce(impl: str, block: Block) -> None:
    target = block.network_target()
    assert scan(block.header76(), block.nonce - 1000, 1000, target, impl=impl) == []
    assert scan(block.header76(), block.nonce + 1, 1000, target, impl=impl) == []


@pytest.mark.parametrize("block", BLOCKS, ids=block_id)
def test_target_boundary_is_exact(impl: str, block: Block) -> None:
    value = hash_value(block.header76(), block.nonce)
    assert scan(block.header76(), block.nonce, 1, value, impl=impl) == [block.nonce]
    assert scan(block.header76(), block.nonce, 1, value - 1, impl=impl) == []


@settings(max_examples=60, deadline=None)
@given(
    header76=st.binary(min_size=76, max_size=76),
    start=st.integers(0, (1 << 32) - 64),
    count=st.integers(0, 64),
    pick=st.integers(0, 63),
    tweak=st.sampled_from([0, -1, 1, (1 << 224) - 1]),
)
def test_matches_brute_force_around_real_hash_values(
    impl: str, header76: bytes, start: int, count: int, pick: int, tweak: int
) -> None:
    # A target taken from the window's own hash values (nudged by one, or with the whole
    # low 224 bits set) makes the top-word early exit and the full compare both matter.
    values = sorted(hash_value(header76, n) for n in range(start, start + count)) or [0]
    target = min(max(values[pick % len(values)] + tweak, 0), MAX_TARGET)
    assert scan(header76, start, count, target, impl=impl) == brute_force(
        header76, start, count, target
    )


def test_returns_every_match_past_one_c_call(impl: str) -> None:
    # More matches than the C side reports per call: Python must carry on from there.
    header76 = BLOCKS[0].header76()
    assert scan(header76, 5, 3000, MAX_TARGET, impl=impl) == list(range(5, 3005))
    half = MAX_TARGET >> 1
    assert scan(header76, 0, 4000, half, impl=impl) == brute_force(header76, 0, 4000, half)


@pytest.mark.parametrize("k", [1, 2, 3, 7])
def test_wrap_edge(impl: str, k: int) -> None:
    header76 = BLOCKS[1].header76()
    start = (1 << 32) - k
    assert scan(header76, start, k, MAX_TARGET, impl=impl) == list(range(start, 1 << 32))
    last_value = hash_value(header76, (1 << 32) - 1)
    assert scan(header76, start, k, last_value, impl=impl) == brute_force(
        header76, start, k, last_value
    )
    with pytest.raises(ValueError, match="runs past 2\\*\\*32"):
        scan(header76, start, k + 1, MAX_TARGET, impl=impl)


def test_empty_range() -> None:
    assert scan(BLOCKS[0].header76(), 1 << 32, 0, MAX_TARGET) == []
    assert scan(BLOCKS[0].header76(), 0, 0, MAX_TARGET) == []


def test_target_zero_finds_nothing_and_the_top_target_finds_everything(impl: str) -> None:
    # The real nonce's hash is far below any share target, yet above 0: target 0 (what
    # the benchmark scans with) is met by no nonce at all, on every path.
    block = BLOCKS[0]
    assert scan(block.header76(), block.nonce - 100, 200, 0, impl=impl) == []
    top = scan(block.header76(), (1 << 32) - 50, 50, MAX_TARGET, impl=impl)
    assert top == list(range((1 << 32) - 50, 1 << 32))


HEADER = BLOCKS[0].header76()


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ((HEADER[:75], 0, 1, 1), ValueError, "76 bytes"),
        ((HEADER + b"\x00", 0, 1, 1), ValueError, "76 bytes"),
        ((HEADER, -1, 1, 1), ValueError, "non-negative"),
        ((HEADER, 0, -1, 1), ValueError, "non-negative"),
        ((HEADER, 1 << 32, 1, 1), ValueError, "runs past"),
        ((HEADER, 0, (1 << 32) + 1, 1), ValueError, "runs past"),
        ((HEADER, 0, 1, -1), ValueError, "target"),
        ((HEADER, 0, 1, 1 << 256), ValueError, "target"),
        ((HEADER.hex(), 0, 1, 1), TypeError, "header76 must be bytes"),
        ((HEADER, 0.0, 1, 1), TypeError, "start must be an int"),
        ((HEADER, 0, "1", 1), TypeError, "count must be an int"),
        ((HEADER, 0, 1, 1.5), TypeError, "target must be an int"),
    ],
)
def test_bad_input_is_refused(args: tuple[object, ...], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        scan(*args)  # type: ignore[arg-type]


@pytest.mark.skipif(len(available_impls()) < 2, reason="this CPU has only the portable path")
@settings(max_examples=20, deadline=None)
@given(header76=st.binary(min_size=76, max_size=76), shift=st.integers(0, 12))
def test_scan_paths_agree(header76: bytes, shift: int) -> None:
    target = MAX_TARGET >> shift
    expected = scan(header76, 1000, 5000, target, impl="portable")
    for path in available_impls():
        assert scan(header76, 1000, 5000, target, impl=path) == expected
