"""EMC2101: Microchip's fan controller with one external diode and an internal
temperature sensor (fixed address 0x4C), the Bitaxe fan and ASIC-temperature part.

Register map (EMC2101 datasheet §6 "Register Set"): 0x00 internal temperature
(signed °C), 0x03 configuration (bit 2 ALT_TCH: pin 6 is the TACH input), 0x01
external diode high byte (signed °C), 0x10 its low byte (bits 7:5,
0.125 °C steps), 0x46/0x47 TACH reading low/high byte, 0x4A fan configuration, 0x4C
fan setting (0..63 = 0..100 % PWM duty), 0xFD product ID (0x16 EMC2101, 0x28
EMC2101-R), 0xFE manufacturer ID (0x5D).
RPM = 5 400 000 / TACH (datasheet equation, two-pulse fans); TACH 0xFFFF means the fan
is stopped. An open or shorted diode reads 0x7F/0x00 (0x3F8 in 11 bits) or 0x7F/0xE0
(0x3FF).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from firmware.parts.device import I2cDevice

PART = "EMC2101"
REG_INTERNAL_TEMP = 0x00
REG_EXTERNAL_HIGH = 0x01
REG_EXTERNAL_LOW = 0x10
REG_TACH_LOW = 0x46
REG_TACH_HIGH = 0x47
REG_CONFIG = 0x03
CONFIG_ALT_TACH = 0x04
REG_FAN_CONFIG = 0x4A
FAN_CONFIG_MANUAL = 0x23
REG_FAN_SETTING = 0x4C
REG_PRODUCT_ID = 0xFD
REG_MANUFACTURER_ID = 0xFE
PRODUCT_IDS = (0x16, 0x28)
MANUFACTURER_ID = 0x5D
FAN_SETTING_MAX = 63
TACH_RPM_NUMERATOR = 5_400_000
TACH_STOPPED = 0xFFFF
DIODE_OPEN = 0x3F8
DIODE_SHORT = 0x3FF


@dataclass(frozen=True)
class FanReading:
    rpm: float  # 0 when stopped
    duty_pct: float
    external_c: float | None  # None when the diode is open or shorted (named in `diode`)
    internal_c: float
    diode: str = "ok"  # "ok", "open", "short"


class Emc2101:
    def __init__(self, device: I2cDevice) -> None:
        self.device = device

    def configure(self) -> None:
        """Pin 6 as the TACH input (CONFIG 0x03 bit 2, ALT_TCH) and the fan driven from
        the fan setting register rather than the look-up table (FAN_CONFIG 0x4A = 0x23:
        PROG set, the TACH minimum-speed mode bits 1:0), as ESP-Miner sets them."""
        config = self.device.read_byte(REG_CONFIG)
        self.device.write_byte(REG_CONFIG, config | CONFIG_ALT_TACH)
        self.device.write_byte(REG_FAN_CONFIG, FAN_CONFIG_MANUAL)

    def identify(self) -> None:
        product = self.device.read_byte(REG_PRODUCT_ID)
        maker = self.device.read_byte(REG_MANUFACTURER_ID)
        if product not in PRODUCT_IDS or maker != MANUFACTURER_ID:
            raise self.device.impossible(f"IDs 0x{product:02x}/0x{maker:02x} are not an {PART}")

    def set_duty_pct(self, pct: float) -> None:
        if not math.isfinite(pct) or not 0.0 <= pct <= 100.0:
            raise ValueError(f"fan duty is 0..100 %, got {pct!r}")
        self.device.write_byte(REG_FAN_SETTING, round(pct / 100.0 * FAN_SETTING_MAX))

    def read(self) -> FanReading:
        internal = self.device.read_byte(REG_INTERNAL_TEMP)
        high = self.device.read_byte(REG_EXTERNAL_HIGH)
        low = self.device.read_byte(REG_EXTERNAL_LOW)
        tach = self.device.read_byte(REG_TACH_LOW) | self.device.read_byte(REG_TACH_HIGH) << 8
        setting = self.device.read_byte(REG_FAN_SETTING)
        if setting > FAN_SETTING_MAX:
            raise self.device.impossible(f"fan setting {setting} beyond {FAN_SETTING_MAX}")
        eleven = high << 3 | low >> 5
        diode = {DIODE_OPEN: "open", DIODE_SHORT: "short"}.get(eleven, "ok")
        external = None
        if diode == "ok":
            external = (high - 256 if high & 0x80 else high) + (low >> 5) * 0.125
        if tach == 0:
            raise self.device.impossible("TACH reading 0 (an infinite speed)")
        rpm = 0.0 if tach == TACH_STOPPED else TACH_RPM_NUMERATOR / tach
        return FanReading(
            rpm=rpm,
            duty_pct=setting / FAN_SETTING_MAX * 100.0,
            external_c=external,
            internal_c=float(internal - 256 if internal & 0x80 else internal),
            diode=diode,
        )
