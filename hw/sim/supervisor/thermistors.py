"""The simulated board's thermistor circuits: temperature -> voltage on the ADC pin.

The simulator models the hardware on its own (it does not import the firmware): each
thermistor is the low side of a divider from the ADC reference, R(T) from the Beta model
R = R25 * exp(B * (1/T - 1/298.15 K)). Values from the Hearth supervisor board rev A parts
list and Murata catalog R44E (NCP18XH103F03RB: 10 kOhm, B25/50 3380 K; NCP18WF104F03RC:
100 kOhm, B25/50 4250 K).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ADC_VREF = 3.3
KELVIN_AT_0C = 273.15
T25_K = 298.15


@dataclass(frozen=True)
class ThermistorCircuit:
    name: str
    adc_pin: int
    r25_ohm: float
    beta_k: float
    series_ohm: float

    def resistance(self, celsius: float) -> float:
        kelvin = celsius + KELVIN_AT_0C
        return self.r25_ohm * math.exp(self.beta_k * (1.0 / kelvin - 1.0 / T25_K))

    def ratio(self, celsius: float) -> float:
        """Fraction of the reference the ADC sees at this temperature."""
        ohms = self.resistance(celsius)
        return ohms / (self.series_ohm + ohms)

    def volts(self, celsius: float) -> float:
        return self.ratio(celsius) * ADC_VREF


CIRCUITS = (
    ThermistorCircuit("room", 26, 10_000.0, 3380.0, 10_000.0),
    ThermistorCircuit("intake", 27, 10_000.0, 3380.0, 10_000.0),
    ThermistorCircuit("exhaust", 28, 10_000.0, 3380.0, 10_000.0),
    ThermistorCircuit("board", 29, 100_000.0, 4250.0, 100_000.0),
)
BY_NAME = {circuit.name: circuit for circuit in CIRCUITS}

# A broken wire leaves the pin pulled to the reference; a short pulls it to ground.
OPEN_VOLTS = ADC_VREF
SHORT_VOLTS = 0.0
