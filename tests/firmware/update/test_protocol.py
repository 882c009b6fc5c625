"""The update link's framing: round trips, corruption detection, resynchronisation."""

from __future__ import annotations

import zlib

import pytest
from cobs import cobs
from hypothesis import given
from hypothesis import strategies as st

from firmware.update.protocol import (
    Deframer,
    FrameError,
    Kind,
    data_payload,
    decode,
    encode,
    parse_ack,
    parse_data,
)

kinds = st.sampled_from(list(Kind))


@given(kind=kinds, seq=st.integers(0, 0xFFFF), payload=st.binary(max_size=2048))
def test_round_trip(kind: Kind, seq: int, payload: bytes) -> None:
    frame = encode(kind, seq, payload)
    assert frame.endswith(b"\x00") and b"\x00" not in frame[:-1]
    packet = decode(frame[:-1])
    assert (packet.kind, packet.seq, packet.payload) == (kind, seq, payload)


@given(payload=st.binary(min_size=1, max_size=512), position=st.integers(0), bit=st.integers(0, 7))
def test_any_corruption_is_detected(payload: bytes, position: int, bit: int) -> None:
    body = bytearray(encode(Kind.DATA, 7, payload)[:-1])
    body[position % len(body)] ^= 1 << bit
    if 0 in body:
        return  # a new delimiter splits the frame: the halves fail on their own
    with pytest.raises(FrameError):
        decode(bytes(body))


@given(
    noise=st.lists(st.binary(max_size=64), max_size=5),
    payloads=st.lists(st.binary(max_size=300), min_size=1, max_size=5),
    split=st.integers(1, 50),
)
def test_stream_resyncs_after_noise(noise: list[bytes], payloads: list[bytes], split: int) -> None:
    stream = b""
    for i, payload in enumerate(payloads):
        junk = noise[i % len(noise)] if noise else b""
        stream += junk + b"\x00" + encode(Kind.DATA, i, payload)
    deframer = Deframer()
    received = []
    for start in range(0, len(stream), split):
        received += deframer.feed(stream[start : start + split])
    assert [(p.seq, p.payload) for p in received] == list(enumerate(payloads))


@given(st.binary(max_size=4096))
def test_deframer_never_raises_on_garbage(data: bytes) -> None:
    Deframer().feed(data)


def test_helpers_check_their_shape() -> None:
    assert parse_data(data_payload(4096, 100, b"zz")) == (4096, 100, b"zz")
    with pytest.raises(FrameError):
        parse_data(b"123")
    with pytest.raises(FrameError):
        parse_ack(b"12345")
    with pytest.raises(FrameError, match="unknown packet type"):
        raw = encode(Kind.HELLO, 1, b"{}")
        body = bytearray(cobs.decode(raw[:-1]))
        body[0] = 0x55
        body[-4:] = zlib.crc32(bytes(body[:-4])).to_bytes(4, "little")
        decode(cobs.encode(bytes(body)))
