"""A simulated DS4432U current DAC (datasheet: fixed address 0x48, OUT0 at 0xF8 and
OUT1 at 0xF9, bit 7 = source when set, bits 6:0 the magnitude, both 0 at power-up)."""

from __future__ import annotations

from hw.sim.parts.part import SimPart

OUT_REGISTERS = (0xF8, 0xF9)
VRFS_V = 0.997  # datasheet typical


class SimDs4432u(SimPart):
    name = "DS4432U"

    def __init__(self, address: int = 0x48, *, rfs_ohm: tuple[float, float] = (80e3, 80e3)):
        super().__init__(address)
        self.codes = [0, 0]
        self.rfs_ohm = rfs_ohm

    def current_a(self, channel: int) -> float:
        """Current the output sinks (positive) or sources (negative), per the datasheet:
        full scale = VRFS / RFS × 127/16, in 127 steps."""
        code = self.codes[channel]
        full_scale = VRFS_V / self.rfs_ohm[channel] * 127 / 16
        magnitude = full_scale * (code & 0x7F) / 127
        return -magnitude if code & 0x80 else magnitude

    def read(self, register: int, length: int) -> bytes:
        if register not in OUT_REGISTERS:
            return super().read(register, length)
        return bytes((self.codes[OUT_REGISTERS.index(register)],)) * length

    def write(self, register: int, data: bytes) -> None:
        if register not in OUT_REGISTERS:
            super().write(register, data)
        self.codes[OUT_REGISTERS.index(register)] = data[0]
