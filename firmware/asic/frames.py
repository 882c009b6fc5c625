"""Host → chip frames of the BM13xx serial protocol (docs/bm13xx.md, "Host → chip frames").

    55 AA | header | length | data ... | CRC

header = TYPE | GROUP | CMD; length counts header through CRC. Commands end in a CRC5
byte, jobs in a big-endian CRC16. Encoders are pure functions; `decode_host_frame`
reads a frame back (for logs and tests) and refuses anything malformed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from firmware.asic.crc import crc5, crc16

PREAMBLE = b"\x55\xaa"

TYPE_JOB = 0x20
TYPE_COMMAND = 0x40
GROUP_ALL = 0x10
GROUP_SINGLE = 0x00


class Command(IntEnum):
    SET_ADDRESS = 0
    WRITE_REGISTER = 1
    READ_REGISTER = 2
    CHAIN_INACTIVE = 3


class FrameError(ValueError):
    """A host frame that does not follow the protocol."""


def command_frame(command: Command, data: bytes, *, broadcast: bool) -> bytes:
    header = TYPE_COMMAND | (GROUP_ALL if broadcast else GROUP_SINGLE) | command
    body = bytes((header, len(data) + 3)) + data
    return PREAMBLE + body + bytes((crc5(body),))


def write_register(register: int, value: int, chip: int | None = None) -> bytes:
    """Write a 32-bit register on one chip, or on all (`chip=None`, address byte 0)."""
    _check_byte("register", register)
    if not 0 <= value < 1 << 32:
        raise FrameError(f"register value must fit in 32 bits, got {value!r}")
    address = 0 if chip is None else _check_byte("chip", chip)
    data = bytes((address, register)) + value.to_bytes(4, "big")
    return command_frame(Command.WRITE_REGISTER, data, broadcast=chip is None)


def read_register(register: int, chip: int | None = None) -> bytes:
    _check_byte("register", register)
    address = 0 if chip is None else _check_byte("chip", chip)
    return command_frame(Command.READ_REGISTER, bytes((address, register)), broadcast=chip is None)


def set_address(address: int) -> bytes:
    """Give the first chip that has no address yet (after chain-inactive) this one."""
    return command_frame(
        Command.SET_ADDRESS, bytes((_check_byte("address", address), 0)), broadcast=False
    )


def chain_inactive() -> bytes:
    return command_frame(Command.CHAIN_INACTIVE, b"\x00\x00", broadcast=True)


def job_frame(payload: bytes) -> bytes:
    """Wrap a job payload (family-specific layout) with header 0x21, length and CRC16."""
    if len(payload) + 4 > 0xFF:
        raise FrameError(f"job payload too long: {len(payload)} bytes")
    body = bytes((TYPE_JOB | GROUP_SINGLE | Command.WRITE_REGISTER, len(payload) + 4)) + payload
    return PREAMBLE + body + crc16(body).to_bytes(2, "big")


@dataclass(frozen=True)
class HostFrame:
    """A decoded host frame. For commands `data` excludes the CRC; for jobs it is the
    job payload."""

    is_job: bool
    broadcast: bool
    command: int
    data: bytes


def decode_host_frame(frame: bytes) -> HostFrame:
    if len(frame) < 7 or frame[:2] != PREAMBLE:
        raise FrameError(f"not a host frame: {frame.hex(' ')}")
    header, length = frame[2], frame[3]
    if length != len(frame) - 2:
        raise FrameError(f"length byte {length} but {len(frame) - 2} bytes after the preamble")
    is_job = bool(header & TYPE_JOB)
    if is_job == bool(header & TYPE_COMMAND):
        raise FrameError(f"header {header:#04x} is neither a command nor a job")
    body = frame[2:]
    if is_job:
        if crc16(body[:-2]) != int.from_bytes(body[-2:], "big"):
            raise FrameError("job frame CRC16 mismatch")
        data = bytes(body[2:-2])
    else:
        if body[-1] & 0xE0 or crc5(body[:-1]) != body[-1]:
            raise FrameError("command frame CRC5 mismatch")
        data = bytes(body[2:-1])
    return HostFrame(is_job, bool(header & GROUP_ALL), header & 0x0F, data)


def _check_byte(name: str, value: int) -> int:
    if not 0 <= value <= 0xFF:
        raise FrameError(f"{name} must be a byte, got {value!r}")
    return value
