"""Temperatures inside the virtual heater's case, from the room air and the electrical
power (all of which becomes heat). Assumed figures for a ~400 W fan-forced heater, not
measurements; they only need to put the supervisor's thermistors in a plausible range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Air the fans move, as heat capacity flow: ~60 m³/h × 1.2 kg/m³ × 1005 J/(kg·K) ≈ 20 W/K;
# 400 W then lifts the exhaust ~20 K above the intake.
AIRFLOW_W_PER_K = 20.0
# Hashboard above the intake per watt (heat sink + die), and how fast it follows (s).
BOARD_K_PER_W = 0.075
BOARD_TAU_S = 90.0


@dataclass
class HeaterThermals:
    board_c: float

    def step(self, dt_s: float, intake_c: float, power_w: float) -> None:
        steady = intake_c + BOARD_K_PER_W * power_w
        self.board_c += (steady - self.board_c) * (1.0 - math.exp(-dt_s / BOARD_TAU_S))

    @staticmethod
    def exhaust_c(intake_c: float, power_w: float) -> float:
        return intake_c + power_w / AIRFLOW_W_PER_K
