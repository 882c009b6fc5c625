"""PMBus data formats and status bits (PMBus Power System Management Protocol
Specification, Part II, rev. 1.3): the parts' own register maps live beside their
drivers (`tps546.py`).

LINEAR11 (Part II §7.3): a 16-bit word, bits 15:11 a signed 5-bit exponent N, bits 10:0
a signed 11-bit mantissa Y; value = Y · 2^N. Used for READ_VIN, READ_IOUT,
READ_TEMPERATURE_1 and the limits that are not output voltages.

ULINEAR16 (Part II §8.3.1, "VOUT_MODE linear"): an unsigned 16-bit mantissa V with the
exponent taken from VOUT_MODE bits 4:0 (signed 5-bit), bits 6:5 = 00 selecting the
linear mode (bit 7, PMBus 1.3's relative flag for the limits, does not change it);
value = V · 2^N. Used for VOUT_COMMAND, VOUT_MAX/MIN and READ_VOUT.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


class FormatError(ValueError):
    """A value a PMBus format cannot carry (out of range, not finite, a non-linear mode)."""


def _signed(value: int, bits: int) -> int:
    return value - (1 << bits) if value & (1 << (bits - 1)) else value


def decode_linear11(word: int) -> float:
    exponent = _signed((word >> 11) & 0x1F, 5)
    mantissa = _signed(word & 0x7FF, 11)
    return math.ldexp(mantissa, exponent)


def encode_linear11(value: float) -> int:
    """The LINEAR11 word nearest `value`, with the smallest exponent whose mantissa fits
    (the most resolution the format allows)."""
    if not math.isfinite(value):
        raise FormatError(f"LINEAR11 cannot carry {value!r}")
    for exponent in range(-16, 16):
        mantissa = round(math.ldexp(value, -exponent))
        if -1024 <= mantissa <= 1023:
            return ((exponent & 0x1F) << 11) | (mantissa & 0x7FF)
    raise FormatError(f"LINEAR11 cannot carry {value!r} (beyond 1023 · 2^15)")


def vout_mode_exponent(vout_mode: int) -> int:
    """The ULINEAR16 exponent from a VOUT_MODE byte; FormatError for a non-linear mode."""
    mode = (vout_mode >> 5) & 0x03
    if mode != 0:
        raise FormatError(f"VOUT_MODE 0x{vout_mode:02x}: mode {mode:02b}, only linear (00)")
    return _signed(vout_mode & 0x1F, 5)


def decode_ulinear16(word: int, exponent: int) -> float:
    return math.ldexp(word & 0xFFFF, exponent)


def encode_ulinear16(value: float, exponent: int) -> int:
    if not math.isfinite(value) or value < 0:
        raise FormatError(f"ULINEAR16 cannot carry {value!r}")
    word = round(math.ldexp(value, -exponent))
    if word > 0xFFFF:
        raise FormatError(f"ULINEAR16 with exponent {exponent} cannot carry {value!r}")
    return word


@dataclass(frozen=True)
class StatusBit:
    register: str  # "word", "vout", "iout", "input", "temperature", "cml"
    mask: int
    name: str
    alarm: str | None  # the rail alarm code it raises, None = information only


# Part II §17.1 STATUS_BYTE/STATUS_WORD, §17.3-17.7 the status bytes. The alarm column is
# Hearth's mapping: faults, and the warnings that call for a safe action before the part
# acts itself (over-current, over-temperature, input under-voltage); output OV/UV
# warnings and CML flags are reported, not alarmed.
STATUS_BITS: tuple[StatusBit, ...] = (
    StatusBit("word", 0x8000, "VOUT (a STATUS_VOUT bit is set)", None),
    StatusBit("word", 0x4000, "IOUT/POUT (a STATUS_IOUT bit is set)", None),
    StatusBit("word", 0x2000, "INPUT (a STATUS_INPUT bit is set)", None),
    StatusBit("word", 0x1000, "MFR_SPECIFIC", None),
    StatusBit("word", 0x0800, "POWER_GOOD# (power is not good)", "vr_pgood_low"),
    StatusBit("word", 0x0200, "OTHER", None),
    StatusBit("word", 0x0080, "BUSY", None),
    StatusBit("word", 0x0040, "OFF (not converting)", None),
    StatusBit("word", 0x0020, "VOUT_OV_FAULT", "vr_overvoltage"),
    StatusBit("word", 0x0010, "IOUT_OC_FAULT", "vr_overcurrent"),
    StatusBit("word", 0x0008, "VIN_UV_FAULT", "vr_input_undervoltage"),
    StatusBit("word", 0x0004, "TEMPERATURE (a STATUS_TEMPERATURE bit is set)", None),
    StatusBit("word", 0x0002, "CML (a STATUS_CML bit is set)", None),
    StatusBit("vout", 0x80, "VOUT_OV_FAULT", "vr_overvoltage"),
    StatusBit("vout", 0x40, "VOUT_OV_WARNING", None),
    StatusBit("vout", 0x20, "VOUT_UV_WARNING", None),
    StatusBit("vout", 0x10, "VOUT_UV_FAULT", "vr_undervoltage"),
    StatusBit("vout", 0x08, "VOUT_MAX_MIN_WARNING (command clamped)", None),
    StatusBit("vout", 0x04, "TON_MAX_FAULT (output did not rise in time)", "vr_undervoltage"),
    StatusBit("iout", 0x80, "IOUT_OC_FAULT", "vr_overcurrent"),
    StatusBit("iout", 0x20, "IOUT_OC_WARNING", "vr_overcurrent"),
    StatusBit("input", 0x80, "VIN_OV_FAULT", "vr_input_overvoltage"),
    StatusBit("input", 0x20, "VIN_UV_WARNING", "vr_input_undervoltage"),
    StatusBit("input", 0x10, "VIN_UV_FAULT", "vr_input_undervoltage"),
    StatusBit("input", 0x08, "UNIT_OFF_FOR_INSUFFICIENT_INPUT", "vr_input_undervoltage"),
    StatusBit("temperature", 0x80, "OT_FAULT", "vr_overtemp"),
    StatusBit("temperature", 0x40, "OT_WARNING", "vr_overtemp"),
    StatusBit("cml", 0x80, "invalid or unsupported command", None),
    StatusBit("cml", 0x40, "invalid or unsupported data", None),
    StatusBit("cml", 0x20, "packet error check failed", None),
    StatusBit("cml", 0x10, "memory fault", None),
    StatusBit("cml", 0x08, "processor fault", None),
    StatusBit("cml", 0x02, "other communication fault", None),
)
