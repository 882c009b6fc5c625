"""INA260: TI's power monitor with an integrated 2 mΩ shunt (±15 A, 0..36 V bus).

Register map (INA260 datasheet §8.6 "Register Maps"), 16-bit big-endian registers:
0x00 configuration, 0x01 current (two's complement, 1.25 mA/LSB), 0x02 bus voltage
(1.25 mV/LSB), 0x03 power (10 mW/LSB), 0x06 mask/enable, 0x07 alert limit, 0xFE
manufacturer ID (0x5449, "TI"), 0xFF die ID (bits 15:4 = 0x227).
"""

from __future__ import annotations

from dataclasses import dataclass

from firmware.parts.device import I2cDevice

PART = "INA260"
REG_CONFIG = 0x00
REG_CURRENT = 0x01
REG_BUS_VOLTAGE = 0x02
REG_POWER = 0x03
REG_MANUFACTURER_ID = 0xFE
REG_DIE_ID = 0xFF
CURRENT_LSB_A = 0.00125
BUS_VOLTAGE_LSB_V = 0.00125
POWER_LSB_W = 0.010
MANUFACTURER_ID = 0x5449
DIE_ID = 0x227
BUS_VOLTAGE_MAX_V = 36.0  # datasheet: common-mode range 0..36 V
CURRENT_MAX_A = 15.0


@dataclass(frozen=True)
class Ina260Reading:
    bus_v: float
    current_a: float
    power_w: float


class Ina260:
    def __init__(self, device: I2cDevice) -> None:
        self.device = device

    def identify(self) -> None:
        maker = self.device.read_be16(REG_MANUFACTURER_ID)
        die = self.device.read_be16(REG_DIE_ID) >> 4
        if maker != MANUFACTURER_ID or die != DIE_ID:
            raise self.device.impossible(f"IDs 0x{maker:04x}/0x{die:03x} are not an {PART}")

    def read(self) -> Ina260Reading:
        raw_current = self.device.read_be16(REG_CURRENT)
        if raw_current & 0x8000:
            raw_current -= 0x10000
        bus_v = self.device.read_be16(REG_BUS_VOLTAGE) * BUS_VOLTAGE_LSB_V
        current_a = raw_current * CURRENT_LSB_A
        power_w = self.device.read_be16(REG_POWER) * POWER_LSB_W
        # beyond the part's ranges (registers refreshed between the three reads may
        # disagree a little with each other: that is a changing load, not a fault)
        if (
            bus_v > BUS_VOLTAGE_MAX_V
            or abs(current_a) > CURRENT_MAX_A * 1.1
            or power_w > BUS_VOLTAGE_MAX_V * CURRENT_MAX_A * 1.1
        ):
            raise self.device.impossible(
                f"{bus_v:.3f} V, {current_a:.3f} A, {power_w:.2f} W is beyond the part"
            )
        return Ina260Reading(bus_v=bus_v, current_a=current_a, power_w=power_w)
