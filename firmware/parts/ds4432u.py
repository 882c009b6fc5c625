"""DS4432U: Maxim's two-channel I2C current DAC (fixed address 0x48), on the Bitaxe
Ultra and Max sinking or sourcing current into the feedback node of a TPS40305 buck
converter to trim its output.

Register map (DS4432U datasheet, "Memory Map"/"Current Source Registers"): OUT0 at
0xF8, OUT1 at 0xF9; bit 7 the sign (1 = source, 0 = sink), bits 6:0 the magnitude.
Full-scale current (datasheet equation): I_FS = (V_RFS / R_FS) × (127 / 16), V_RFS =
0.997 V; a code's current is magnitude / 127 × I_FS.

The trimmed output (Kirchhoff at the feedback node, resistors RA from the output to FB
and RB from FB to ground, FB held at the converter's reference V_FB):
    (Vout − V_FB) / RA = V_FB / RB + I_sink      so
    Vout = V_FB × (1 + RA / RB) + RA × I_sink    (sourcing is a negative I_sink)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from firmware.parts.device import I2cDevice

PART = "DS4432U"
REGISTERS = {0: 0xF8, 1: 0xF9}  # OUT0, OUT1
SIGN_SOURCE = 0x80
MAGNITUDE_MAX = 127
V_RFS = 0.997  # datasheet: full-scale reference voltage (typical)


@dataclass(frozen=True)
class DacTrim:
    """The board's feedback network, as data from the board file."""

    channel: int  # 0 = OUT0, 1 = OUT1
    rfs_ohm: float  # the full-scale resistor on the channel's FS pin
    ra_ohm: float  # output -> feedback node
    rb_ohm: float  # feedback node -> ground
    vfb_mv: float  # the converter's feedback reference (TPS40305: 600 mV)

    @property
    def full_scale_a(self) -> float:
        return V_RFS / self.rfs_ohm * MAGNITUDE_MAX / 16

    @property
    def nominal_mv(self) -> float:
        """The output with the DAC at zero."""
        return self.vfb_mv * (1 + self.ra_ohm / self.rb_ohm)

    def sink_a(self, code: int) -> float:
        """The current a code sinks into the feedback node (negative when sourcing)."""
        magnitude = (code & 0x7F) / MAGNITUDE_MAX * self.full_scale_a
        return -magnitude if code & SIGN_SOURCE else magnitude

    def mv_for_code(self, code: int) -> float:
        return self.nominal_mv + self.ra_ohm * self.sink_a(code) * 1000.0

    def code_for_mv(self, mv: float) -> int:
        """The code whose output is nearest `mv` without exceeding it (rounding toward
        the lower voltage, the safe side); ValueError beyond the network's reach."""
        if not self.min_mv() <= mv <= self.max_mv():
            raise ValueError(
                f"{mv:g} mV is beyond the trim range {self.min_mv():.0f}..{self.max_mv():.0f} mV"
            )
        step_mv = self.ra_ohm * self.full_scale_a / MAGNITUDE_MAX * 1000.0
        steps = (mv - self.nominal_mv) / step_mv
        if steps >= 0:
            return min(MAGNITUDE_MAX, math.floor(steps + 1e-9))
        return SIGN_SOURCE | min(MAGNITUDE_MAX, math.ceil(-steps - 1e-9))

    def min_mv(self) -> float:
        return self.mv_for_code(SIGN_SOURCE | MAGNITUDE_MAX)

    def max_mv(self) -> float:
        return self.mv_for_code(MAGNITUDE_MAX)


class Ds4432u:
    def __init__(self, device: I2cDevice, trim: DacTrim) -> None:
        self.device = device
        self.trim = trim

    def read_code(self) -> int:
        return self.device.read_byte(REGISTERS[self.trim.channel])

    def write_code(self, code: int) -> None:
        self.device.write_byte(REGISTERS[self.trim.channel], code)

    def set_vout_mv(self, mv: float) -> float:
        """Write the code for `mv`; returns the output that code gives."""
        code = self.trim.code_for_mv(mv)
        self.write_code(code)
        return self.trim.mv_for_code(code)

    def minimum(self) -> None:
        """The lowest output the network reaches (full-scale source)."""
        self.write_code(SIGN_SOURCE | MAGNITUDE_MAX)
