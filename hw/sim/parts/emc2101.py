"""A simulated EMC2101 (datasheet §6): internal temperature 0x00, external diode 0x01
(high, signed °C) and 0x10 (bits 7:5 eighths), TACH 0x46/0x47 (low/high; RPM =
5 400 000 / TACH, 0xFFFF when stopped), fan configuration 0x4A, fan setting 0x4C
(0..63 of full duty), configuration 0x03 (TACH counted only with bit 2, ALT_TCH, set:
the pin is ALERT otherwise), product ID 0xFD = 0x16, manufacturer 0xFE = 0x5D.

The fan: `max_rpm` at full duty, proportional above `stall_duty` and stopped below;
`stall()` stops it whatever the duty (a seized fan). The board sets `external_c` and
`internal_c`; `diode_fault("open" | "short")` makes the diode read its fault code."""

from __future__ import annotations

from hw.sim.parts.part import SimPart


class SimEmc2101(SimPart):
    name = "EMC2101"

    def __init__(self, address: int = 0x4C, *, max_rpm: float = 6000.0, stall_duty: float = 0.1):
        super().__init__(address)
        self.registers = {0x03: 0x00, 0x04: 0x08, 0x4A: 0x20, 0x4B: 0x3F, 0x4C: 0x00}
        self.max_rpm = max_rpm
        self.stall_duty = stall_duty
        self.stalled = False
        self.external_c = 25.0
        self.internal_c = 25.0
        self.diode = "ok"

    def duty(self) -> float:
        return min(63, self.registers[0x4C]) / 63

    def rpm(self) -> float:
        duty = self.duty()
        if self.stalled or duty < self.stall_duty:
            return 0.0
        return self.max_rpm * duty

    def stall(self, stalled: bool = True) -> None:
        self.stalled = stalled

    def diode_fault(self, kind: str) -> None:
        self.diode = kind

    def _tach(self) -> int:
        if not self.registers[0x03] & 0x04:  # pin 6 is ALERT, not TACH: nothing counted
            return 0xFFFF
        rpm = self.rpm()
        return 0xFFFF if rpm <= 0 else min(0xFFFE, int(5_400_000 / rpm))

    def _external(self) -> tuple[int, int]:
        if self.diode == "open":
            return 0x7F, 0x00
        if self.diode == "short":
            return 0x7F, 0xE0
        eighths = round(self.external_c * 8)
        whole, frac = divmod(eighths, 8)
        return whole & 0xFF, frac << 5

    def read(self, register: int, length: int) -> bytes:
        if register == 0x00:
            value = round(self.internal_c) & 0xFF
        elif register in (0x01, 0x10):
            high, low = self._external()
            value = high if register == 0x01 else low
        elif register in (0x46, 0x47):
            tach = self._tach()
            value = tach & 0xFF if register == 0x46 else tach >> 8
        elif register == 0xFD:
            value = 0x16
        elif register == 0xFE:
            value = 0x5D
        elif register == 0xFF:
            value = 0x00
        elif register in self.registers:
            value = self.registers[register]
        else:
            return super().read(register, length)
        return bytes((value,)) * length

    def write(self, register: int, data: bytes) -> None:
        if register not in self.registers:
            super().write(register, data)
        self.registers[register] = data[0]
