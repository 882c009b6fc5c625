"""A room temperature sensor as the firmware sees it: it lags the air (its own thermal
mass and housing), adds noise and reports in fixed steps (a 0.1 °C resolution is
typical of the digital sensors and of a thermistor read by a 12-bit ADC)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass


@dataclass(frozen=True)
class SensorParams:
    lag_s: float = 60.0  # first-order time constant of the sensing element
    noise_c: float = 0.1  # readings scatter uniformly within ±noise_c
    resolution_c: float = 0.1  # reported in multiples of this
    offset_c: float = 0.0  # calibration error

    def __post_init__(self) -> None:
        if self.lag_s < 0 or self.noise_c < 0 or self.resolution_c < 0:
            raise ValueError(f"sensor parameters must be non-negative: {self!r}")


class Sensor:
    def __init__(self, params: SensorParams, initial_c: float, seed: int = 0) -> None:
        self.params = params
        self._element_c = initial_c
        self._rng = random.Random(seed)

    def step(self, dt_s: float, true_c: float) -> None:
        lag = self.params.lag_s
        alpha = 1.0 if lag == 0 else 1.0 - math.exp(-dt_s / lag)
        self._element_c += (true_c - self._element_c) * alpha

    def reset(self, true_c: float) -> None:
        self._element_c = true_c

    def read(self) -> float:
        p = self.params
        value = self._element_c + p.offset_c + self._rng.uniform(-p.noise_c, p.noise_c)
        if p.resolution_c > 0:
            value = round(value / p.resolution_c) * p.resolution_c
        return round(value, 6)
