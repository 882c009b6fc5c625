"""A simulated TMP1075 (datasheet §7.6): big-endian registers, temperature at 0x00 as a
12-bit two's-complement value in the top bits (0.0625 °C per LSB), configuration 0x01,
limits 0x02/0x03, device ID 0x0F = 0x7500. The board sets `temperature_c`."""

from __future__ import annotations

from hw.sim.parts.part import SimPart


class SimTmp1075(SimPart):
    name = "TMP1075"

    def __init__(self, address: int = 0x4A) -> None:
        super().__init__(address)
        self.temperature_c = 25.0
        self.registers = {0x01: 0x00FF, 0x02: 0x4B00, 0x03: 0x5000, 0x0F: 0x7500}
        self.forced: int | None = None

    def _temperature(self) -> int:
        if self.forced is not None:
            return self.forced
        sixteenths = max(-55 * 16, min(125 * 16, round(self.temperature_c * 16)))
        return (sixteenths << 4) & 0xFFFF

    def read(self, register: int, length: int) -> bytes:
        if register == 0x00:
            value = self._temperature()
        elif register in self.registers:
            value = self.registers[register]
        else:
            return super().read(register, length)
        return (value.to_bytes(2, "big") * length)[:length]

    def write(self, register: int, data: bytes) -> None:
        if register not in (0x01, 0x02, 0x03):
            super().write(register, data)
        self.registers[register] = int.from_bytes(data[:2], "big")
