"""Temperature units: everything is kept in °C (the contract's unit) and converted for display.

In °C the app shows tenths and steps by 0.1/0.5 °C, the contract's resolution. In °F it
shows half degrees (70°F, 70.5°F — never 69.8°F) and steps by 0.5/1 °F, the steps a
Fahrenheit thermostat has. A °F setpoint is sent as the nearest 0.1 °C; that is at most
0.09 °F away, less than half a display step, so it always reads back as the °F value
the owner chose (tests/app/model/test_units.py checks every one).
"""

from __future__ import annotations

CELSIUS = "C"
FAHRENHEIT = "F"
UNITS = (CELSIUS, FAHRENHEIT)
# What the step buttons add, in the units shown.
STEPS = {CELSIUS: (-0.5, -0.1, 0.1, 0.5), FAHRENHEIT: (-1.0, -0.5, 0.5, 1.0)}
# The display resolution in each unit.
RESOLUTION = {CELSIUS: 0.1, FAHRENHEIT: 0.5}


def to_display(celsius: float, units: str) -> float:
    return celsius * 9.0 / 5.0 + 32.0 if units == FAHRENHEIT else celsius


def from_display(value: float, units: str) -> float:
    return (value - 32.0) * 5.0 / 9.0 if units == FAHRENHEIT else value


def snap_display(celsius: float, units: str) -> float:
    """The temperature in the units shown, on that unit's display resolution."""
    step = RESOLUTION.get(units, 0.1)
    return round(round(to_display(celsius, units) / step) * step, 1)


def setpoint_c(display_value: float, units: str) -> float:
    """A setpoint chosen in the units shown, as the contract's 0.1 °C value to send."""
    step = RESOLUTION.get(units, 0.1)
    snapped = round(display_value / step) * step
    return round(from_display(snapped, units), 1)


def format_number(value: float) -> str:
    """70.0 -> "70", 70.5 -> "70.5" (°F); °C keeps its tenth."""
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def format_temperature(celsius: float | None, units: str, *, with_unit: bool = True) -> str:
    if celsius is None:
        return "—"
    shown = snap_display(celsius, units)
    text = format_number(shown) if units == FAHRENHEIT else f"{shown:.1f}"
    return f"{text}°{units}" if with_unit else f"{text}°"


def format_step(step: float, units: str) -> str:
    """A step button's label, in the units shown: "+0.5°", "-1°"."""
    text = format_number(abs(step)) if units == FAHRENHEIT else f"{abs(step):.1f}"
    return f"{'+' if step >= 0 else '-'}{text}°"
