"""Encoder/decoder pairs, property-tested, and cross-checked against the simulator's
independent chip-side implementation (hw/sim/chain/wire.py)."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from firmware.asic import frames
from firmware.asic.crc import crc5, crc16
from firmware.asic.job_payloads import full_header_payload, midstate_job
from firmware.asic.pll import pll_setting
from firmware.asic.responses import NonceResponse, RegisterResponse, ResponseParser
from firmware.asic.ticket_mask import ticket_difficulty, ticket_mask
from firmware.asic.version_rolling import nth_rolled_version
from firmware.hashing import scan
from firmware.work import Job
from hw.sim.chain import wire
from hw.sim.chain.hasher import decode_full_header_job, decode_midstate_job, scan_midstate

u32 = st.integers(0, 2**32 - 1)
byte = st.integers(0, 255)


@given(st.binary(max_size=64))
def test_table_crcs_match_bitwise_crcs(data: bytes) -> None:
    assert crc5(data) == wire.crc5_bytes(data)
    assert crc16(data) == wire.crc16_false(data)


@given(byte, u32, st.none() | byte)
def test_write_register_round_trip(register: int, value: int, chip: int | None) -> None:
    frame = frames.write_register(register, value, chip)
    assert len(frame) == 11
    decoded = frames.decode_host_frame(frame)
    assert (decoded.broadcast, decoded.command) == (chip is None, frames.Command.WRITE_REGISTER)
    assert decoded.data == bytes((chip or 0, register)) + value.to_bytes(4, "big")
    (seen,) = wire.HostFrameReader().feed(frame)
    assert (seen.is_job, seen.broadcast, seen.command, seen.data) == (
        False,
        decoded.broadcast,
        decoded.command,
        decoded.data,
    )


@given(st.binary(min_size=1, max_size=200))
def test_job_frame_round_trip(payload: bytes) -> None:
    frame = frames.job_frame(payload)
    assert frames.decode_host_frame(frame).data == payload
    (seen,) = wire.HostFrameReader().feed(frame)
    assert seen.is_job and seen.data == payload


@given(st.binary(min_size=7, max_size=20), st.integers(0, 200))
def test_corrupted_host_frames_are_refused(frame: bytes, flip: int) -> None:
    good = frames.write_register(0x14, int.from_bytes(frame[:4], "big"))
    bad = bytearray(good)
    bad[2 + flip % (len(bad) - 2)] ^= 1 << (flip % 8)
    try:
        frames.decode_host_frame(bytes(bad))
    except frames.FrameError:
        pass
    else:
        raise AssertionError("a corrupted frame was accepted")
    assert wire.HostFrameReader().feed(bytes(bad)) == []


jobs = st.builds(
    Job,
    job_id=st.just("j"),
    version=u32,
    prev_hash=st.binary(min_size=32, max_size=32),
    merkle_root=st.binary(min_size=32, max_size=32),
    ntime=u32,
    nbits=u32,
    version_mask=st.sampled_from([0, 0x1FFFE000]),
)


@given(jobs, st.integers(0, 127))
def test_full_header_job_is_the_header_the_chip_rebuilds(job: Job, job_id: int) -> None:
    encoded = full_header_payload(job_id, job)
    assert len(encoded.payload) == 82
    seen = decode_full_header_job(encoded.payload)
    assert seen.job_id == job_id and seen.header76 == job.header76()


@settings(max_examples=20)
@given(jobs, st.integers(0, 2**32 - 64))
def test_midstate_job_hashes_like_the_full_header(job: Job, start: int) -> None:
    encoded = midstate_job(4, job)
    seen = decode_midstate_job(encoded.payload)
    assert len(seen.midstates) == len(encoded.versions)
    target = (1 << 252) - 1  # 1 in 16 nonces
    for index, version in enumerate(encoded.versions):
        expected = scan(job.header76(version), start, 64, target)
        assert scan_midstate(seen.midstates[index], seen.header_tail, start, 64, target) == expected


register_responses = st.builds(RegisterResponse, chip_address=byte, register=byte, value=u32)


@st.composite
def nonce_responses(draw: st.DrawFn, long_form: bool) -> NonceResponse:
    return NonceResponse(
        nonce_bytes=draw(st.binary(min_size=4, max_size=4)),
        midstate=draw(byte),
        job_byte=draw(byte),
        version_field=draw(st.integers(0, 0xFFFF)) if long_form else 0,
    )


def encode(response: RegisterResponse | NonceResponse, long_form: bool) -> bytes:
    if isinstance(response, RegisterResponse):
        return wire.register_response(
            response.value, response.chip_address, response.register, long_form
        )
    field = response.version_field if long_form else None
    return wire.nonce_response(response.nonce_bytes, response.midstate, response.job_byte, field)


@st.composite
def response_streams(draw: st.DrawFn) -> tuple[bool, list[RegisterResponse | NonceResponse]]:
    long_form = draw(st.booleans())
    items = draw(st.lists(register_responses | nonce_responses(long_form), max_size=12))
    return long_form, items


@given(response_streams(), st.integers(1, 16))
def test_response_stream_round_trip_in_any_chunks(stream, chunk: int) -> None:
    long_form, items = stream
    data = b"".join(encode(r, long_form) for r in items)
    parser = ResponseParser(11 if long_form else 9)
    out = []
    for i in range(0, len(data), chunk):
        out += parser.feed(data[i : i + chunk])
    assert out == items
    assert parser.bad_frames == 0


no_aa = st.binary(max_size=20).map(lambda b: b.replace(b"\xaa", b"\x00"))


@given(response_streams(), st.lists(no_aa, min_size=13, max_size=13), st.data())
def test_resync_after_garbage_and_bad_crc(stream, noise: list[bytes], data) -> None:
    long_form, items = stream
    items = [
        r
        for r in items
        if b"\xaa" not in encode(r, long_form)[2:]  # no preamble lookalike inside a frame
    ]
    corrupt = [data.draw(st.booleans()) for _ in items]
    wire_bytes = b""
    for i, response in enumerate(items):
        frame = encode(response, long_form)
        if corrupt[i]:
            frame = frame[:-1] + bytes((frame[-1] ^ 0x04,))
        wire_bytes += noise[i] + frame
    wire_bytes += noise[-1]
    parser = ResponseParser(11 if long_form else 9)
    out = parser.feed(wire_bytes)
    assert out == [r for r, bad in zip(items, corrupt, strict=True) if not bad]
    assert parser.bad_crc == sum(corrupt)
    used_noise = noise[: len(items)] + noise[-1:]
    assert parser.garbage_bytes >= sum(map(len, used_noise))


def test_nonce_response_fields() -> None:
    frame = wire.nonce_response(bytes.fromhex("12345678"), 0, 0x4B, 0x0102)
    (response,) = ResponseParser(11).feed(frame)
    assert isinstance(response, NonceResponse)
    assert response.nonce == 0x78563412
    assert response.chip_address == (0x12345678 >> 17) & 0xFF
    assert response.core == 0x12 >> 1
    assert response.version_field == 0x0102


@given(st.integers(1, 2**31))
def test_ticket_mask_bits_are_the_reversed_power_of_two_mask(difficulty: int) -> None:
    mask = ticket_mask(difficulty)
    unreversed = int.from_bytes(
        bytes(int(f"{b:08b}"[::-1], 2) for b in mask.to_bytes(4, "big")), "big"
    )
    assert unreversed == ticket_difficulty(difficulty) - 1
    assert ticket_difficulty(difficulty) <= difficulty < 2 * ticket_difficulty(difficulty)


@given(st.floats(50.0, 800.0))
def test_pll_search_respects_the_rules(target: float) -> None:
    for fb_range in ((60, 200), (144, 235), (160, 239)):
        setting = pll_setting(target, fb_range)
        assert fb_range[0] <= setting.fb_div <= fb_range[1]
        assert setting.postdiv1 > setting.postdiv2 and setting.refdiv in (1, 2)
        assert abs(setting.frequency_mhz - target) <= target * 0.02 or target < 100


@given(u32, st.integers(0, 8))
def test_rolled_versions_only_touch_the_mask(version: int, n: int) -> None:
    mask = 0x1FFFE000
    rolled = nth_rolled_version(version, mask, n)
    assert rolled & ~mask == version & ~mask
    if n:
        assert rolled != version


def test_sha256d_agrees_with_hashlib() -> None:
    from firmware.hashing import sha256d

    assert sha256d(b"abc") == hashlib.sha256(hashlib.sha256(b"abc").digest()).digest()
