"""Link framing between the controller and the supervisor (docs/supervisor-link.md).

    A5 5A | LEN | TYPE | SEQ | PAYLOAD (LEN bytes) | CRC16 (big-endian)

CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final XOR) over LEN, TYPE,
SEQ and PAYLOAD. The parser resynchronises on garbage: whatever cannot start a valid frame
is dropped one byte at a time, so a frame that follows noise is still found.
"""

from micropython import const

SYNC = b"\xa5\x5a"
HEADER_LEN = const(5)  # sync (2), length, type, seq
CRC_LEN = const(2)
MAX_PAYLOAD = const(64)
# Unparsed bytes kept at most: two of the longest frames. Beyond that the oldest go.
MAX_BUFFER = const(2 * (5 + 64 + 2))

CRC_INIT = const(0xFFFF)
CRC_POLY = const(0x1021)


def crc16(data: bytes, crc: int = CRC_INIT) -> int:
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ CRC_POLY) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def encode_frame(frame_type: int, seq: int, payload: bytes) -> bytes:
    if len(payload) > MAX_PAYLOAD:
        raise ValueError("payload too long")
    body = bytes((len(payload), frame_type & 0xFF, seq & 0xFF)) + payload
    crc = crc16(body)
    return SYNC + body + bytes((crc >> 8, crc & 0xFF))


class FrameParser:
    """Bytes in, (type, seq, payload) tuples out; counts what it had to throw away."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self.crc_errors = 0
        self.dropped_bytes = 0

    def feed(self, data: bytes) -> list[tuple[int, int, bytes]]:
        self._buf.extend(data)
        if len(self._buf) > MAX_BUFFER:
            excess = len(self._buf) - MAX_BUFFER
            self.dropped_bytes += excess
            self._buf = self._buf[excess:]
        frames: list[tuple[int, int, bytes]] = []
        while True:
            start = self._buf.find(SYNC)
            if start < 0:
                # Keep a trailing first sync byte: its partner may be in the next read.
                keep = 1 if self._buf and self._buf[-1] == SYNC[0] else 0
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
            received = (self._buf[total - 2] << 8) | self._buf[total - 1]
            if crc16(body) != received:
                self.crc_errors += 1
                self._drop(1)
                continue
            frames.append((body[1], body[2], body[3:]))
            self._buf = self._buf[total:]

    def _drop(self, count: int) -> None:
        if count > 0:
            self.dropped_bytes += count
            self._buf = self._buf[count:]
