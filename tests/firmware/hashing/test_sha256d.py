"""sha256d and midstate against hashlib and the pure-Python compression, on every path."""

from __future__ import annotations

import hashlib
import os
import struct
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware.hashing import available_impls, impl, midstate, sha256d
from firmware.hashing.reference import H0, compress


def hashlib_sha256d(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=300))
def test_sha256d_equals_hashlib(impl: str, data: bytes) -> None:
    assert sha256d(data, impl=impl) == hashlib_sha256d(data)


@pytest.mark.parametrize("length", [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 1000])
def test_sha256d_padding_edges(impl: str, length: int) -> None:
    # 55/56 and 119/120 are where the length field stops fitting in the last block.
    data = bytes((i * 7) & 0xFF for i in range(length))
    assert sha256d(data, impl=impl) == hashlib_sha256d(data)


def test_sha256d_accepts_bytearray_and_memoryview(impl: str) -> None:
    data = b"hearth" * 20
    assert sha256d(bytearray(data), impl=impl) == hashlib_sha256d(data)
    assert sha256d(memoryview(data), impl=impl) == hashlib_sha256d(data)


@settings(max_examples=200, deadline=None)
@given(block=st.binary(min_size=64, max_size=64))
def test_midstate_equals_pure_python_compression(impl: str, block: bytes) -> None:
    assert midstate(block, impl=impl) == struct.pack(">8I", *compress(H0, block))


def test_midstate_of_genesis_header() -> None:
    # hashlib cannot expose a midstate, but it is the state a 64-byte prefix leaves:
    # finishing it by hand with the padding block must give hashlib's single SHA-256.
    header = bytes.fromhex(
        "01000000" + "00" * 32 + "3ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a"
        "29ab5f49ffff001d1dac2b7c"
    )
    state = struct.unpack(">8I", midstate(header[:64]))
    tail = header[64:] + b"\x80" + b"\x00" * (64 - 16 - 1 - 8) + struct.pack(">Q", 80 * 8)
    assert struct.pack(">8I", *compress(state, tail)) == hashlib.sha256(header).digest()


@pytest.mark.skipif(len(available_impls()) < 2, reason="this CPU has only the portable path")
@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=200), block=st.binary(min_size=64, max_size=64))
def test_paths_agree(data: bytes, block: bytes) -> None:
    for path in available_impls():
        assert sha256d(data, impl=path) == sha256d(data, impl="portable")
        assert midstate(block, impl=path) == midstate(block, impl="portable")


@pytest.mark.parametrize("length", [0, 63, 65, 76])
def test_midstate_rejects_wrong_length(length: int) -> None:
    with pytest.raises(ValueError, match="exactly 64 bytes"):
        midstate(b"\x00" * length)


def test_non_bytes_rejected() -> None:
    with pytest.raises(TypeError, match="must be bytes"):
        sha256d("text")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be bytes"):
        midstate([0] * 64)  # type: ignore[arg-type]


def test_unknown_path_rejected() -> None:
    with pytest.raises(ValueError, match="unknown hashing path"):
        sha256d(b"", impl="avx512")


def test_default_is_fastest_available() -> None:
    if os.environ.get("HEARTH_HASH_IMPL"):
        pytest.skip("HEARTH_HASH_IMPL forces the path in this run")
    assert impl() == available_impls()[0]


def _impl_in_subprocess(value: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, HEARTH_HASH_IMPL=value)
    return subprocess.run(
        [sys.executable, "-c", "import firmware.hashing as h; print(h.impl())"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_environment_forces_portable_path() -> None:
    proc = _impl_in_subprocess("portable")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "portable"


def test_environment_rejects_unknown_path() -> None:
    proc = _impl_in_subprocess("quantum")
    assert proc.returncode != 0
    assert "HEARTH_HASH_IMPL='quantum'" in proc.stderr
    assert "unknown hashing path" in proc.stderr
