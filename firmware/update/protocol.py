"""The USB update link's wire format (docs/update-protocol.md).

Each packet is `type(1) | seq(2, LE) | payload | CRC-32(4, LE)` (CRC over all before it),
COBS-encoded and ended by a 0x00 byte, so a receiver resynchronises at the next zero after
any line noise. Control payloads are JSON objects; DATA and ACK are binary.
"""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import dataclass
from enum import IntEnum

from cobs import cobs

from firmware.inputs import InputError, loads_strict

PROTOCOL_VERSION = 1
DELIMITER = b"\x00"
MAX_PACKET = 64 * 1024  # decoded bytes; larger frames are line noise or an attack
_HEADER = struct.Struct("<BH")
_CRC = struct.Struct("<I")
DATA_HEADER = struct.Struct("<II")  # offset in the image, uncompressed length


class Kind(IntEnum):
    HELLO = 0x01  # host → device, {"proto": 1}; answered by INFO
    BEGIN = 0x02  # {"size", "sha256", "chunk_size", "compression"}; answered by READY
    DATA = 0x03  # offset, raw length, chunk (zlib if negotiated); answered by ACK
    END = 0x04  # {}; device verifies and installs; answered by DONE or ERROR
    REBOOT = 0x05  # {}; answered by DONE, then the device restarts
    PROVISION = 0x06  # {"settings": {...}}; answered by DONE (masked) or ERROR
    ABORT = 0x07  # {}; forget the partial download
    INFO = 0x81
    READY = 0x82
    ACK = 0x83  # next expected offset (4 bytes LE); a NAK is an ACK that goes back
    DONE = 0x84
    ERROR = 0x8F  # {"code", "message"}


class FrameError(ValueError):
    """A packet that failed its CRC, its COBS decoding, or its shape."""


@dataclass(frozen=True)
class Packet:
    kind: Kind
    seq: int
    payload: bytes

    def json(self) -> dict[str, object]:
        """The control payload: strict bounded JSON (a `[` nested 5000 deep once ended
        the agent in RecursionError), else FrameError."""
        try:
            value = loads_strict(self.payload, max_bytes=MAX_PACKET)
        except InputError as exc:
            raise FrameError(f"{self.kind.name} payload is not JSON: {exc}") from None
        if not isinstance(value, dict):
            raise FrameError(f"{self.kind.name} payload must be a JSON object")
        return value


def encode(kind: Kind, seq: int, payload: bytes = b"") -> bytes:
    body = _HEADER.pack(kind, seq & 0xFFFF) + payload
    return cobs.encode(body + _CRC.pack(zlib.crc32(body))) + DELIMITER


def encode_json(kind: Kind, seq: int, value: dict[str, object]) -> bytes:
    return encode(kind, seq, json.dumps(value, separators=(",", ":")).encode())


def decode(frame: bytes) -> Packet:
    """One frame without its delimiter."""
    try:
        raw = cobs.decode(frame)
    except cobs.DecodeError as exc:
        raise FrameError(f"bad COBS framing: {exc}") from None
    if len(raw) < _HEADER.size + _CRC.size:
        raise FrameError(f"packet too short ({len(raw)} bytes)")
    body, (crc,) = raw[: -_CRC.size], _CRC.unpack(raw[-_CRC.size :])
    if zlib.crc32(body) != crc:
        raise FrameError("CRC-32 mismatch")
    kind_value, seq = _HEADER.unpack(body[: _HEADER.size])
    try:
        kind = Kind(kind_value)
    except ValueError:
        raise FrameError(f"unknown packet type 0x{kind_value:02x}") from None
    return Packet(kind, seq, body[_HEADER.size :])


class Deframer:
    """Splits a byte stream into packets; bad frames are counted and skipped."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.bad_frames = 0
        self.last_error = ""

    def feed(self, data: bytes) -> list[Packet]:
        self._buffer += data
        packets = []
        while (end := self._buffer.find(DELIMITER)) >= 0:
            frame = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            if not frame:
                continue
            try:
                packets.append(decode(frame))
            except FrameError as exc:
                self.bad_frames += 1
                self.last_error = str(exc)
        if len(self._buffer) > 2 * MAX_PACKET:
            # No delimiter in far more than a packet's worth: noise. Keep the tail only.
            self.bad_frames += 1
            del self._buffer[:-MAX_PACKET]
        return packets


def data_payload(offset: int, raw_len: int, chunk: bytes) -> bytes:
    return DATA_HEADER.pack(offset, raw_len) + chunk


def parse_data(payload: bytes) -> tuple[int, int, bytes]:
    if len(payload) < DATA_HEADER.size:
        raise FrameError("DATA packet too short")
    offset, raw_len = DATA_HEADER.unpack(payload[: DATA_HEADER.size])
    return offset, raw_len, payload[DATA_HEADER.size :]


def ack_payload(next_offset: int) -> bytes:
    return struct.pack("<I", next_offset)


def parse_ack(payload: bytes) -> int:
    if len(payload) != 4:
        raise FrameError("ACK payload must be 4 bytes")
    value: int = struct.unpack("<I", payload)[0]
    return value
