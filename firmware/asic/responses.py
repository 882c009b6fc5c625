"""Chip → host frames: parsing a byte stream into responses, resynchronising after noise.

Responses start with `AA 55` and have no length byte: 9 bytes on BM1397, 11 on
BM1366/68/70. The last byte holds the nonce flag (bit 7) and the CRC5 (bits 4..0); the
CRC covers everything after the preamble including the flag bits, so running CRC5 over
bytes 2..end leaves 0 for a good response (docs/bm13xx.md, "Chip → host frames").

The parser scans for the preamble, drops bytes that are not part of a good frame and
counts what it dropped: `bad_crc` frames and `garbage_runs` of stray bytes. A frame with
a bad CRC drops only its preamble, so a good frame hiding inside it is still found.
"""

from __future__ import annotations

from dataclasses import dataclass

from firmware.asic.crc import crc5

PREAMBLE = b"\xaa\x55"
NONCE_FLAG = 0x80


@dataclass(frozen=True, slots=True)
class RegisterResponse:
    chip_address: int
    register: int
    value: int


@dataclass(frozen=True, slots=True)
class NonceResponse:
    nonce_bytes: bytes  # header bytes 76..79 exactly as received
    midstate: int  # b6
    job_byte: int  # b7: job id and core bits, decoded by the chip family
    version_field: int  # b8..b9 big-endian (11-byte form), 0 on BM1397

    @property
    def nonce(self) -> int:
        """As `FoundNonce.nonce`: header bytes 76..79 read little-endian."""
        return int.from_bytes(self.nonce_bytes, "little")

    @property
    def chip_address(self) -> int:
        """Address of the chip that found it: bits 24..17 of the big-endian nonce word."""
        return (int.from_bytes(self.nonce_bytes, "big") >> 17) & 0xFF

    @property
    def core(self) -> int:
        """Core id: the top 7 bits of the big-endian nonce word."""
        return self.nonce_bytes[0] >> 1


Response = RegisterResponse | NonceResponse


class ResponseParser:
    """Incremental parser; `feed` returns the complete good responses found so far."""

    def __init__(self, response_length: int) -> None:
        if response_length not in (9, 11):
            raise ValueError(f"BM13xx responses are 9 or 11 bytes, not {response_length}")
        self.length = response_length
        self._buffer = bytearray()
        self._after_bad_crc = False
        self.frames = 0
        self.bad_crc = 0
        self.garbage_runs = 0
        self.garbage_bytes = 0

    @property
    def bad_frames(self) -> int:
        """Frames dropped: CRC failures plus runs of unframed bytes."""
        return self.bad_crc + self.garbage_runs

    @property
    def wanted(self) -> int:
        """Bytes that complete the frame begun in the buffer (a whole frame if none is):
        what a reader can wait for without holding a finished response back."""
        return self.length - len(self._buffer) if self._buffer else self.length

    def reset(self) -> None:
        self._buffer.clear()
        self._after_bad_crc = False

    def _drop(self, count: int) -> None:
        if count <= 0:
            return
        self.garbage_bytes += count
        if not self._after_bad_crc:
            self.garbage_runs += 1
        self._after_bad_crc = False
        del self._buffer[:count]

    def feed(self, data: bytes) -> list[Response]:
        buf = self._buffer
        buf += data
        out: list[Response] = []
        length = self.length
        while True:
            start = buf.find(PREAMBLE)
            if start < 0:
                # keep a trailing AA: it may be the first half of a preamble
                self._drop(len(buf) - (1 if buf and buf[-1] == 0xAA else 0))
                return out
            self._drop(start)
            if len(buf) < length:
                return out
            body = bytes(buf[2:length])
            if crc5(body) != 0:
                self.bad_crc += 1
                del buf[:2]
                self._after_bad_crc = True
                continue
            self._after_bad_crc = False
            del buf[:length]
            self.frames += 1
            out.append(_decode(body))


def _decode(body: bytes) -> Response:
    if body[-1] & NONCE_FLAG:
        version = (body[6] << 8) | body[7] if len(body) == 9 else 0
        return NonceResponse(body[0:4], body[4], body[5], version)
    return RegisterResponse(
        chip_address=body[4], register=body[5], value=int.from_bytes(body[0:4], "big")
    )
