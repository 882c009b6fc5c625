"""Link framing, controller side: round trips, the CRC, and resynchronisation after garbage."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware.safety.frames import MAX_PAYLOAD, Frame, FrameDecoder, crc16, encode_frame

frames = st.builds(
    Frame,
    type=st.integers(0, 255),
    seq=st.integers(0, 255),
    payload=st.binary(max_size=MAX_PAYLOAD),
)


def test_crc_is_ccitt_false() -> None:
    assert crc16(b"123456789") == 0x29B1  # the catalogued check value of CRC-16/CCITT-FALSE


def test_layout() -> None:
    assert encode_frame(0x83, 7, b"\x01\x02") == bytes.fromhex("a55a028307 0102") + crc16(
        bytes.fromhex("0283070102")
    ).to_bytes(2, "big")


@given(st.lists(frames, max_size=8), st.data())
def test_round_trip_in_any_chunking(sent: list[Frame], data: st.DataObject) -> None:
    wire = b"".join(encode_frame(f.type, f.seq, f.payload) for f in sent)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(wire)), max_size=10)))
    decoder = FrameDecoder()
    received: list[Frame] = []
    for start, end in zip([0, *cuts], [*cuts, len(wire)], strict=True):
        received += decoder.feed(wire[start:end])
    assert received == sent
    assert decoder.crc_errors == 0
    assert decoder.dropped_bytes == 0


@given(frames, st.binary(max_size=300), frames)
def test_a_frame_after_garbage_is_found(before: Frame, garbage: bytes, after: Frame) -> None:
    decoder = FrameDecoder()
    wire = encode_frame(before.type, before.seq, before.payload) + garbage
    wire += encode_frame(after.type, after.seq, after.payload)
    received = decoder.feed(wire)
    assert received[0] == before
    assert received[-1] == after


@given(frames, st.data())
def test_a_corrupted_frame_is_never_delivered(frame: Frame, data: st.DataObject) -> None:
    wire = bytearray(encode_frame(frame.type, frame.seq, frame.payload))
    index = data.draw(st.integers(2, len(wire) - 1))  # anything past the sync
    wire[index] ^= data.draw(st.integers(1, 255))
    # A corrupted length makes the decoder wait for up to one longest frame before the CRC
    # can fail; the frames that keep coming on a live link (here: followers) flush it.
    follower = Frame(0x81, 9, b"telemetry")
    stream = bytes(wire) + encode_frame(follower.type, follower.seq, follower.payload) * 8
    received = FrameDecoder().feed(stream)
    assert received
    assert all(got == follower for got in received)
    assert received[-1] == follower


def test_impossible_length_resyncs_at_once() -> None:
    decoder = FrameDecoder()
    good = encode_frame(0x81, 1, b"x")
    assert decoder.feed(b"\xa5\x5a\xff" + good) == [Frame(0x81, 1, b"x")]


def test_buffer_is_bounded_by_two_frames() -> None:
    decoder = FrameDecoder()
    decoder.feed(b"\xa5\x5a\x40" + b"\x00" * 10_000)  # a header promising 64 bytes, then junk
    assert decoder.dropped_bytes > 9_000
    assert decoder.feed(encode_frame(1, 1)) == [Frame(1, 1, b"")]


@pytest.mark.parametrize(
    ("frame_type", "seq", "payload"), [(256, 0, b""), (0, -1, b""), (0, 0, b"x" * 65)]
)
def test_encoder_refuses_what_does_not_fit(frame_type: int, seq: int, payload: bytes) -> None:
    with pytest.raises(ValueError):
        encode_frame(frame_type, seq, payload)
