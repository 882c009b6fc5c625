"""Electrical power of a hashboard as a function of frequency, core voltage and chips.

CMOS power per chip is dynamic switching power, proportional to C·V²·f, plus static
leakage, roughly proportional to V over the narrow range a BM13xx runs at. The board
adds a fixed overhead (fans, control board, regulator losses) while it hashes. The
model is calibrated per board from one published operating point (see each
`hw/boards/*.toml` and docs/boards.md): at the calibration point each chip draws
`chip_w`, of which `leakage_fraction` is leakage.

    power_w(f, V, n) = overhead_w + n · (P_leak(V) + P_dyn(f, V))          (n ≥ 1)
    P_leak(V)        = chip_w · leakage_fraction · (V / V0)
    P_dyn(f, V)      = chip_w · (1 − leakage_fraction) · (V / V0)² · (f / f0)
    power_w(f, V, 0) = idle_w      (hashboard rail and fans off, controller awake)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PowerModel:
    overhead_w: float  # fans, control board and regulator losses while hashing
    idle_w: float  # controller alone, hashboard powered down
    calibration_frequency_mhz: float  # f0
    calibration_voltage_mv: float  # V0
    calibration_chip_w: float  # one chip's draw at (f0, V0)
    leakage_fraction: float  # share of calibration_chip_w that is leakage
    source: str  # where the calibration figures come from
    # The most the heater may draw continuously (PSU and thermal design, the rating on
    # its label); None: only the frequency range bounds it.
    rated_w: float | None = None

    def chip_w(self, frequency_mhz: float, voltage_mv: float) -> float:
        """One hashing chip's draw."""
        v = voltage_mv / self.calibration_voltage_mv
        f = frequency_mhz / self.calibration_frequency_mhz
        leak = self.calibration_chip_w * self.leakage_fraction * v
        dynamic = self.calibration_chip_w * (1.0 - self.leakage_fraction) * v * v * f
        return leak + dynamic

    def power_w(self, frequency_mhz: float, voltage_mv: float, active_chips: int) -> float:
        if active_chips < 0 or frequency_mhz < 0 or voltage_mv < 0:
            raise ValueError(
                "power_w needs non-negative values, got "
                f"f={frequency_mhz!r} MHz, V={voltage_mv!r} mV, chips={active_chips!r}"
            )
        if active_chips == 0:
            return self.idle_w
        return self.overhead_w + active_chips * self.chip_w(frequency_mhz, voltage_mv)
