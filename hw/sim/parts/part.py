"""A simulated I2C part as a register machine: the bytes it puts on the wire for a read
at a register and what it does with the bytes written to one. `SimBus` (bus.py) turns
the smbus2 calls into these byte transfers, so byte order is the part's own business,
as on a real wire.

Faults every part has: `stop_answering()` (no acknowledge: the bus raises OSError 121,
EREMOTEIO, as i2c-dev does) until `answer()`.
"""

from __future__ import annotations

import errno
import os


class SimPart:
    name = "part"

    def __init__(self, address: int) -> None:
        self.address = address
        self.answering = True
        self.transactions = 0

    def stop_answering(self) -> None:
        self.answering = False

    def answer(self) -> None:
        self.answering = True

    def check_answering(self) -> None:
        if not self.answering:
            raise OSError(errno.EREMOTEIO, os.strerror(errno.EREMOTEIO))

    # the wire: what a subclass implements
    def read(self, register: int, length: int) -> bytes:
        raise OSError(errno.EREMOTEIO, f"{self.name}: no register 0x{register:02x}")

    def write(self, register: int, data: bytes) -> None:
        raise OSError(errno.EREMOTEIO, f"{self.name}: no register 0x{register:02x}")

    def send(self, command: int) -> None:
        """An SMBus send-byte (the command code alone)."""
        raise OSError(errno.EREMOTEIO, f"{self.name}: no command 0x{command:02x}")
