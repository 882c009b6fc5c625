"""The chip side of the BM13xx wire format, written independently of firmware/asic so a
shared misreading of docs/bm13xx.md ("The protocol") cannot pass both sides.

CRCs are computed bit by bit here (the firmware uses tables), and the response CRC5 is
computed over the exact bit string the chip sends: every byte after the preamble plus
the three flag bits of the last byte.
"""

from __future__ import annotations

from dataclasses import dataclass

HOST_PREAMBLE = b"\x55\xaa"
CHIP_PREAMBLE = b"\xaa\x55"


def crc5_bits(bits: list[int]) -> int:
    """CRC5 (poly 0x05, init 0x1F, MSB first) over a list of bits."""
    reg = 0x1F
    for bit in bits:
        feedback = ((reg >> 4) & 1) ^ bit
        reg = (reg << 1) & 0x1F
        if feedback:
            reg ^= 0x05
    return reg


def _bits(data: bytes) -> list[int]:
    return [(byte >> (7 - i)) & 1 for byte in data for i in range(8)]


def crc5_bytes(data: bytes) -> int:
    return crc5_bits(_bits(data))


def crc16_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE, bit by bit."""
    reg = 0xFFFF
    for byte in data:
        reg ^= byte << 8
        for _ in range(8):
            reg = ((reg << 1) ^ 0x1021) & 0xFFFF if reg & 0x8000 else (reg << 1) & 0xFFFF
    return reg


def encode_response(payload: bytes, is_nonce: bool) -> bytes:
    """A chip response: AA 55, the 7 or 9 payload bytes, then flag bits + CRC5."""
    flags = 0x80 if is_nonce else 0x00
    crc = crc5_bits([*_bits(payload), flags >> 7 & 1, 0, 0])
    return CHIP_PREAMBLE + payload + bytes((flags | crc,))


def register_response(value: int, address: int, register: int, long_form: bool) -> bytes:
    payload = value.to_bytes(4, "big") + bytes((address, register))
    if long_form:
        payload += b"\x00\x00"
    return encode_response(payload, is_nonce=False)


def nonce_response(
    nonce_bytes: bytes, midstate: int, job_byte: int, version_field: int | None
) -> bytes:
    payload = nonce_bytes + bytes((midstate, job_byte))
    if version_field is not None:
        payload += version_field.to_bytes(2, "big")
    return encode_response(payload, is_nonce=True)


@dataclass(frozen=True)
class HostFrame:
    is_job: bool
    broadcast: bool
    command: int
    data: bytes


class HostFrameReader:
    """Splits the host's byte stream into frames the way a chip does: find 55 AA, read
    the length byte, check the CRC; a bad frame is ignored."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self.bad_frames = 0

    def feed(self, data: bytes) -> list[HostFrame]:
        self._buf += data
        out: list[HostFrame] = []
        while True:
            start = self._buf.find(HOST_PREAMBLE)
            if start < 0:
                keep = 1 if self._buf[-1:] == b"\x55" else 0
                del self._buf[: len(self._buf) - keep]
                return out
            del self._buf[:start]
            if len(self._buf) < 4:
                return out
            header, length = self._buf[2], self._buf[3]
            if length < 5:
                self.bad_frames += 1
                del self._buf[:2]
                continue
            if len(self._buf) < length + 2:
                return out
            body = bytes(self._buf[2 : length + 2])
            is_job = bool(header & 0x20)
            if is_job:
                ok = crc16_false(body[:-2]) == int.from_bytes(body[-2:], "big")
                data = body[2:-2]
            else:
                ok = crc5_bytes(body[:-1]) == body[-1]
                data = body[2:-1]
            if not ok:
                self.bad_frames += 1
                del self._buf[:2]
                continue
            del self._buf[: length + 2]
            out.append(HostFrame(is_job, bool(header & 0x10), header & 0x0F, data))
