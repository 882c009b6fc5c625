"""A board profile: what a hashboard is, read from `hw/boards/<name>.toml` as data.

The power planner picks operating points from it (`frequency_steps`, `min_voltage_mv`,
`power_w`, `hashrate_ghs`); the ASIC driver takes the chip model, count and UART
speeds; the safety code takes the thermal limits.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path

from firmware.board.power_model import PowerModel
from firmware.board.thermal_limits import ThermalLimits
from firmware.parts.catalog import PartConfig
from firmware.work import OperatingPoint

# Chip families the ASIC driver knows (firmware/asic/bm*.py).
SUPPORTED_CHIP_MODELS = ("BM1366", "BM1368", "BM1370", "BM1397")


@dataclass(frozen=True)
class BoardProfile:
    name: str
    description: str
    chip_model: str  # one of SUPPORTED_CHIP_MODELS
    chip_count: int
    small_cores: int  # per chip; hashes per clock cycle of one chip
    baud_initial: int  # after reset
    baud_fast: int  # after the init sequence's baud switch
    frequency_min_mhz: float
    frequency_max_mhz: float
    frequency_step_mhz: float
    voltage_min_mv: int
    voltage_max_mv: int
    voltage_step_mv: int
    # (frequency MHz, minimum stable core voltage mV), frequencies strictly increasing,
    # covering [frequency_min_mhz, frequency_max_mhz].
    voltage_table: tuple[tuple[float, int], ...]
    default_frequency_mhz: float
    default_voltage_mv: int
    power: PowerModel
    thermal: ThermalLimits
    source: Path | None = None  # the file it was loaded from
    # the parts besides the chips (regulator, meter, fan, sensors): firmware/board/parts.py
    parts: tuple[PartConfig, ...] = ()

    def hashrate_ghs(self, frequency_mhz: float, active_chips: int | None = None) -> float:
        """Expected hashrate in GH/s: each small core tries one nonce per clock, so
        f[MHz] × small cores × chips ÷ 1000 (ESP-Miner computes its expected hashrate
        the same way, for every BM13xx family)."""
        chips = self.chip_count if active_chips is None else active_chips
        if chips < 0 or frequency_mhz < 0:
            raise ValueError(
                f"hashrate_ghs needs non-negative values: {frequency_mhz!r}, {chips!r}"
            )
        return frequency_mhz * self.small_cores * chips / 1000.0

    def power_w(
        self, frequency_mhz: float, voltage_mv: float, active_chips: int | None = None
    ) -> float:
        """Electrical watts drawn from the wall (all of it ends up as heat). See
        `firmware.board.power_model` for the model."""
        chips = self.chip_count if active_chips is None else active_chips
        return self.power.power_w(frequency_mhz, voltage_mv, chips)

    def efficiency_j_th(
        self, frequency_mhz: float, voltage_mv: float, active_chips: int | None = None
    ) -> float:
        """Joules per terahash at an operating point (lower is better)."""
        ths = self.hashrate_ghs(frequency_mhz, active_chips) / 1000.0
        if ths == 0:
            return math.inf
        return self.power_w(frequency_mhz, voltage_mv, active_chips) / ths

    def frequency_steps(self) -> tuple[float, ...]:
        """Every frequency the planner may choose, lowest first."""
        count = round((self.frequency_max_mhz - self.frequency_min_mhz) / self.frequency_step_mhz)
        return tuple(self.frequency_min_mhz + i * self.frequency_step_mhz for i in range(count + 1))

    def min_voltage_mv(self, frequency_mhz: float) -> int:
        """Lowest core voltage at which the chips run stably at `frequency_mhz`: linear
        between table points, rounded up to the regulator's step."""
        if not self.frequency_min_mhz <= frequency_mhz <= self.frequency_max_mhz:
            raise ValueError(
                f"{frequency_mhz} MHz is outside {self.name}'s range "
                f"{self.frequency_min_mhz}..{self.frequency_max_mhz} MHz"
            )
        table = self.voltage_table
        for (f0, v0), (f1, v1) in itertools.pairwise(table):
            if f0 <= frequency_mhz <= f1:
                exact = v0 + (v1 - v0) * (frequency_mhz - f0) / (f1 - f0)
                break
        else:
            exact = float(table[0][1])
        steps = math.ceil(round(exact / self.voltage_step_mv, 9))
        return max(self.voltage_min_mv, min(self.voltage_max_mv, steps * self.voltage_step_mv))

    def default_point(self) -> OperatingPoint:
        return OperatingPoint(
            frequency_mhz=self.default_frequency_mhz,
            voltage_mv=self.default_voltage_mv,
            active_chips=self.chip_count,
        )

    def max_w(self) -> float:
        """The most the heater will draw: the top of the frequency range at its minimum
        stable voltage, or the board's rated power if that is lower."""
        f = self.frequency_max_mhz
        top = self.power_w(f, self.min_voltage_mv(f))
        rated = self.power.rated_w
        return top if rated is None else min(top, rated)

    def min_hashing_w(self) -> float:
        """Draw at the bottom of the frequency range: below it the heater duty-cycles."""
        f = self.frequency_min_mhz
        return self.power_w(f, self.min_voltage_mv(f))
