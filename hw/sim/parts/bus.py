"""`SimBus`: an I2C bus of simulated parts with the smbus2.SMBus method names.

SMBus transfers as the SMBus specification defines them on the wire: a word is sent
low byte first; an I2C block read/write moves raw bytes. A part missing at an address,
or one that stopped answering, raises OSError(EREMOTEIO) as the Linux i2c-dev driver
does. `before` (optional) runs before each transaction, outside the bus lock: the
simulated board advances its physics there.
"""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Callable

from hw.sim.parts.part import SimPart


class SimBus:
    def __init__(self, parts: list[SimPart], before: Callable[[], None] | None = None) -> None:
        self.parts = {part.address: part for part in parts}
        if len(self.parts) != len(parts):
            raise ValueError("two simulated parts on one address")
        self._before = before
        self.lock = threading.RLock()
        self.transactions = 0

    def _part(self, address: int) -> SimPart:
        if self._before is not None:
            self._before()
        part = self.parts.get(address)
        if part is None:
            text = f"{os.strerror(errno.EREMOTEIO)} (nothing at 0x{address:02x})"
            raise OSError(errno.EREMOTEIO, text)
        part.check_answering()
        part.transactions += 1
        self.transactions += 1
        return part

    def read_byte_data(self, i2c_addr: int, register: int) -> int:
        with self.lock:
            return self._part(i2c_addr).read(register, 1)[0]

    def write_byte_data(self, i2c_addr: int, register: int, value: int) -> None:
        with self.lock:
            self._part(i2c_addr).write(register, bytes((value & 0xFF,)))

    def read_word_data(self, i2c_addr: int, register: int) -> int:
        with self.lock:
            low, high = self._part(i2c_addr).read(register, 2)[:2]
            return low | high << 8

    def write_word_data(self, i2c_addr: int, register: int, value: int) -> None:
        with self.lock:
            self._part(i2c_addr).write(register, bytes((value & 0xFF, (value >> 8) & 0xFF)))

    def read_i2c_block_data(self, i2c_addr: int, register: int, length: int) -> list[int]:
        with self.lock:
            return list(self._part(i2c_addr).read(register, length)[:length])

    def write_i2c_block_data(self, i2c_addr: int, register: int, data: list[int]) -> None:
        with self.lock:
            self._part(i2c_addr).write(register, bytes(b & 0xFF for b in data))

    def write_byte(self, i2c_addr: int, value: int) -> None:
        with self.lock:
            self._part(i2c_addr).send(value & 0xFF)

    def read_byte(self, i2c_addr: int) -> int:
        with self.lock:
            return self._part(i2c_addr).read(-1, 1)[0]

    def close(self) -> None:
        """As smbus2's: nothing to release for a simulated bus."""
