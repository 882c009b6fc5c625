"""A network miner seen as a board by the power planner (`firmware.heat.planner`).

A miner has no chips or PLL Hearth controls, only watts, so its operating point carries
the watts asked in `frequency_mhz` (one "chip", no voltage): `point_for(w)` and
`watts_of(point)` convert. The planner over a `MinerBoard` is then the identity on watts
from 1 W up to the miner's maximum, and the level mapper, not the thermostat's duty
cycler, turns those watts into the miner's settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from firmware.miner.actuators import Actuator
from firmware.work import OperatingPoint

MINER_IDLE = OperatingPoint(frequency_mhz=0.0, voltage_mv=0, active_chips=0, duty=0.0)


def point_for(watts: float) -> OperatingPoint:
    if watts <= 0:
        return MINER_IDLE
    return OperatingPoint(frequency_mhz=watts, voltage_mv=0, active_chips=1)


def watts_of(point: OperatingPoint) -> float:
    if point.active_chips == 0 or point.duty == 0:
        return 0.0
    return point.frequency_mhz * point.duty


@dataclass(frozen=True)
class MinerBoard:
    actuator: Actuator
    step_w: float = 1.0

    @property
    def chip_count(self) -> int:
        return 1

    @property
    def frequency_min_mhz(self) -> float:
        return self.step_w

    @property
    def voltage_step_mv(self) -> int:
        return 1

    def frequency_steps(self) -> tuple[float, ...]:
        n = int(self.actuator.max_w // self.step_w)
        return tuple(self.step_w * i for i in range(1, n + 1))

    def min_voltage_mv(self, frequency_mhz: float) -> int:
        return 0

    def power_w(
        self, frequency_mhz: float, voltage_mv: float, active_chips: int | None = None
    ) -> float:
        return frequency_mhz if active_chips != 0 else 0.0

    def hashrate_ghs(self, frequency_mhz: float, active_chips: int | None = None) -> float:
        return frequency_mhz if active_chips != 0 else 0.0  # more watts, more hashes

    def max_w(self) -> float:
        return self.actuator.max_w
