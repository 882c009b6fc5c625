"""TMP1075: TI's digital temperature sensor (addresses 0x48..0x4F by its A2..A0 pins).

Register map (TMP1075 datasheet §7.6 "Register Map"), 16-bit big-endian: 0x00
temperature (12 bits left-justified, two's complement, 0.0625 °C/LSB; the four low
bits read 0), 0x01 configuration, 0x02/0x03 low/high limits, 0x0F device ID (0x7500).
Range -55..125 °C.
"""

from __future__ import annotations

from firmware.parts.device import I2cDevice

PART = "TMP1075"
REG_TEMPERATURE = 0x00
REG_CONFIG = 0x01
REG_DEVICE_ID = 0x0F
DEVICE_ID = 0x7500
LSB_C = 0.0625
RANGE_C = (-55.0, 125.0)


class Tmp1075:
    def __init__(self, device: I2cDevice) -> None:
        self.device = device

    def identify(self) -> None:
        ident = self.device.read_be16(REG_DEVICE_ID)
        if ident != DEVICE_ID:
            raise self.device.impossible(f"device ID 0x{ident:04x} is not a {PART}")

    def temperature_c(self) -> float:
        raw = self.device.read_be16(REG_TEMPERATURE)
        if raw & 0x000F:
            raise self.device.impossible(f"temperature 0x{raw:04x} has its reserved bits set")
        value = (raw - 0x10000 if raw & 0x8000 else raw) >> 4
        celsius = value * LSB_C
        if not RANGE_C[0] <= celsius <= RANGE_C[1]:
            raise self.device.impossible(f"{celsius:g} °C is outside {RANGE_C[0]}..{RANGE_C[1]}")
        return celsius
