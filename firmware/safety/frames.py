"""Supervisor link framing, controller side (docs/supervisor-link.md).

    A5 5A | LEN | TYPE | SEQ | PAYLOAD (LEN bytes) | CRC16 (big-endian)

CRC-16/CCITT-FALSE over LEN, TYPE, SEQ and PAYLOAD: `binascii.crc_hqx` with init 0xFFFF.
This is an implementation of its own, not the MicroPython one: tests run the two against
each other over a pty.
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass

SYNC = b"\xa5\x5a"
HEADER_LEN = 5  # sync (2), length, type, seq
CRC_LEN = 2
MAX_PAYLOAD = 64
CRC_INIT = 0xFFFF
# Unparsed bytes kept at most: two of the longest frames.
MAX_BUFFER = 2 * (HEADER_LEN + MAX_PAYLOAD + CRC_LEN)


@dataclass(frozen=True)
class Frame:
    type: int
    seq: int
    payload: bytes


def crc16(data: bytes) -> int:
    return binascii.crc_hqx(data, CRC_INIT)


def encode_frame(frame_type: int, seq: int, payload: bytes = b"") -> bytes:
    if not 0 <= frame_type <= 0xFF or not 0 <= seq <= 0xFF:
        raise ValueError(f"frame type {frame_type} and seq {seq} must be bytes (0..255)")
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"payload of {len(payload)} bytes exceeds {MAX_PAYLOAD}")
    body = bytes((len(payload), frame_type, seq)) + payload
    return SYNC + body + crc16(body).to_bytes(2, "big")


class FrameDecoder:
    """Incremental decoder: feed bytes as they arrive, get whole frames back.

    Garbage is skipped one byte at a time until a sync, a sane length and a matching CRC
    line up, so a valid frame right after noise is never lost."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self.crc_errors = 0
        self.dropped_bytes = 0

    def feed(self, data: bytes) -> list[Frame]:
        self._buf += data
        if len(self._buf) > MAX_BUFFER:
            self._drop(len(self._buf) - MAX_BUFFER)
        frames: list[Frame] = []
        while True:
            start = self._buf.find(SYNC)
            if start < 0:
                keep = 1 if self._buf[-1:] == SYNC[:1] else 0
                self._drop(len(self._buf) - keep)
                return frames
            self._drop(start)
            if len(self._buf) < HEADER_LEN:
                return frames
            length = self._buf[2]
            if length > MAX_PAYLOAD:
                self._drop(1)
                continue
            total = HEADER_LEN + length + CRC_LEN
            if len(self._buf) < total:
                return frames
            body = bytes(self._buf[2 : HEADER_LEN + length])
            if crc16(body) != int.from_bytes(self._buf[total - CRC_LEN : total], "big"):
                self.crc_errors += 1
                self._drop(1)
                continue
            frames.append(Frame(body[1], body[2], body[3:]))
            del self._buf[:total]

    def _drop(self, count: int) -> None:
        if count > 0:
            self.dropped_bytes += count
            del self._buf[:count]
