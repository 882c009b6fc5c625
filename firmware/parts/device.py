"""One part on an I2C bus: the transactions its driver needs, each turning an `OSError`
from the bus into `PartNotAnswering`. SMBus words are little-endian on the wire (PMBus
parts); `read_be16`/`write_be16` carry the big-endian registers of TI's INA260 and
TMP1075 as two-byte block transfers, low address byte first on the wire.

Drivers call these from a worker thread (the rails use `asyncio.to_thread`); one lock
per bus keeps transactions whole when two threads share it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from firmware.parts.bus import SMBusLike
from firmware.parts.errors import ImpossibleReading, PartNotAnswering

T = TypeVar("T")


class I2cDevice:
    def __init__(
        self,
        bus: SMBusLike,
        address: int,
        part: str,
        *,
        role: str,
        lock: threading.Lock | None = None,
    ) -> None:
        if not 0x08 <= address <= 0x77:
            raise ValueError(f"{part}: 7-bit address 0x08..0x77, got {address!r}")
        self.bus = bus
        self.address = address
        self.part = part
        self.role = role
        self._lock = lock if lock is not None else threading.Lock()

    def _do(self, what: str, call: Callable[[], T]) -> T:
        with self._lock:
            try:
                return call()
            except OSError as exc:
                raise PartNotAnswering(
                    f"{self.role}_not_answering",
                    self.part,
                    self.address,
                    f"no answer to {what} ({exc.strerror or exc})",
                ) from None

    def impossible(self, message: str) -> ImpossibleReading:
        code = f"{self.role}_impossible_reading"
        return ImpossibleReading(code, self.part, self.address, message)

    def read_byte(self, register: int) -> int:
        return self._do(
            f"read byte 0x{register:02x}",
            lambda: self.bus.read_byte_data(self.address, register) & 0xFF,
        )

    def write_byte(self, register: int, value: int) -> None:
        self._do(
            f"write byte 0x{register:02x}",
            lambda: self.bus.write_byte_data(self.address, register, value & 0xFF),
        )

    def send_byte(self, command: int) -> None:
        """An SMBus send-byte: the command code alone (PMBus CLEAR_FAULTS)."""
        self._do(f"send byte 0x{command:02x}", lambda: self.bus.write_byte(self.address, command))

    def read_word(self, register: int) -> int:
        return self._do(
            f"read word 0x{register:02x}",
            lambda: self.bus.read_word_data(self.address, register) & 0xFFFF,
        )

    def write_word(self, register: int, value: int) -> None:
        self._do(
            f"write word 0x{register:02x}",
            lambda: self.bus.write_word_data(self.address, register, value & 0xFFFF),
        )

    def read_block(self, register: int, length: int) -> list[int]:
        data = self._do(
            f"read {length} bytes at 0x{register:02x}",
            lambda: self.bus.read_i2c_block_data(self.address, register, length),
        )
        if len(data) != length:
            raise self.impossible(f"{len(data)} bytes for a {length}-byte read at 0x{register:02x}")
        return [b & 0xFF for b in data]

    def read_be16(self, register: int) -> int:
        high, low = self.read_block(register, 2)
        return high << 8 | low

    def write_be16(self, register: int, value: int) -> None:
        data = [(value >> 8) & 0xFF, value & 0xFF]
        self._do(
            f"write word 0x{register:02x}",
            lambda: self.bus.write_i2c_block_data(self.address, register, data),
        )
