"""NTC thermistor conversion with the Beta model.

R(T) = R25 * exp(B * (1/T - 1/T25)), T in kelvin, inverted here to T(R). The divider puts
the NTC on the low side, so the ADC reads ratio = R / (R_series + R) of the reference and
R = R_series * ratio / (1 - ratio). Pure arithmetic, no hardware: it runs on the MCU, in
MicroPython on a PC, and in CPython for tests.
"""

import math

KELVIN_AT_0C = 273.15
T25_K = 298.15

# part number: (R25 in ohms, Beta B25/50 in kelvin)
# Source: Murata "NTC Thermistors for Temperature Sensor" catalog R44E, NCP series table:
#   NCP18XH103F03RB  10 kOhm +-1 %, B25/50 = 3380 K +-1 %
#   NCP18WF104F03RC 100 kOhm +-1 %, B25/50 = 4250 K +-2 %
NTC_PARTS = {
    "NCP18XH103F03RB": (10000.0, 3380.0),
    "NCP18WF104F03RC": (100000.0, 4250.0),
}

# Divider ratios outside this window cannot come from a working thermistor in the
# -40..150 °C range of these parts: the NTC is open (ratio -> 1) or shorted (ratio -> 0).
OPEN_RATIO = 0.98
SHORT_RATIO = 0.02

SENSOR_OK = 0
SENSOR_OPEN = 1
SENSOR_SHORT = 2


def sensor_status(ratio: float) -> int:
    """SENSOR_OK, SENSOR_OPEN or SENSOR_SHORT for a divider ratio in [0, 1]."""
    if ratio >= OPEN_RATIO:
        return SENSOR_OPEN
    if ratio <= SHORT_RATIO:
        return SENSOR_SHORT
    return SENSOR_OK


def resistance_from_ratio(ratio: float, series_ohm: float) -> float:
    return series_ohm * ratio / (1.0 - ratio)


def celsius_from_resistance(ohms: float, part: str) -> float:
    r25, beta = NTC_PARTS[part]
    inverse_kelvin = 1.0 / T25_K + math.log(ohms / r25) / beta
    return 1.0 / inverse_kelvin - KELVIN_AT_0C


def celsius_from_ratio(ratio: float, part: str, series_ohm: float) -> float:
    """Temperature for a divider ratio strictly inside (0, 1)."""
    return celsius_from_resistance(resistance_from_ratio(ratio, series_ohm), part)
