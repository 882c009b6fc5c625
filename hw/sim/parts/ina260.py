"""A simulated INA260 (datasheet §8.6): big-endian 16-bit registers; current 1.25 mA
per LSB two's complement, bus voltage 1.25 mV per LSB, power 10 mW per LSB computed by
the part from the other two; manufacturer ID 0x5449, die ID 0x2270. The board sets
`bus_v` and `current_a`; `force(register, value)` makes an impossible reading."""

from __future__ import annotations

from hw.sim.parts.part import SimPart

MANUFACTURER = 0x5449
DIE = 0x2270


class SimIna260(SimPart):
    name = "INA260"

    def __init__(self, address: int = 0x40) -> None:
        super().__init__(address)
        self.config = 0x6127  # datasheet reset value
        self.bus_v = 0.0
        self.current_a = 0.0
        self.forced: dict[int, int] = {}

    def force(self, register: int, value: int | None) -> None:
        if value is None:
            self.forced.pop(register, None)
        else:
            self.forced[register] = value & 0xFFFF

    def _register(self, register: int) -> int:
        if register in self.forced:
            return self.forced[register]
        amps_lsb = int(self.current_a * 800)  # 1 / 1.25 mA
        volts_lsb = int(self.bus_v * 800)
        registers = {
            0x00: self.config,
            0x01: amps_lsb & 0xFFFF,
            0x02: max(0, min(0xFFFF, volts_lsb)),
            0x03: max(0, min(0xFFFF, int(abs(amps_lsb * volts_lsb) * 1.5625e-6 * 100))),
            0x06: 0,
            0x07: 0,
            0xFE: MANUFACTURER,
            0xFF: DIE,
        }
        if register not in registers:
            raise OSError(121, f"INA260: no register 0x{register:02x}")
        return registers[register]

    def read(self, register: int, length: int) -> bytes:
        return (self._register(register).to_bytes(2, "big") * length)[:length]

    def write(self, register: int, data: bytes) -> None:
        if register != 0x00:
            raise OSError(121, f"INA260: register 0x{register:02x} is read-only here")
        self.config = int.from_bytes(data[:2], "big")
