"""Temperature units: everything is kept in °C (the contract's unit) and converted for display."""

from __future__ import annotations

CELSIUS = "C"
FAHRENHEIT = "F"
UNITS = (CELSIUS, FAHRENHEIT)


def to_display(celsius: float, units: str) -> float:
    return celsius * 9.0 / 5.0 + 32.0 if units == FAHRENHEIT else celsius


def from_display(value: float, units: str) -> float:
    return (value - 32.0) * 5.0 / 9.0 if units == FAHRENHEIT else value


def format_temperature(celsius: float | None, units: str, *, with_unit: bool = True) -> str:
    if celsius is None:
        return "—"
    text = f"{to_display(celsius, units):.1f}"
    return f"{text}°{units}" if with_unit else f"{text}°"


def format_delta(celsius_delta: float, units: str) -> str:
    """A temperature step (no offset), as shown on the step buttons."""
    value = celsius_delta * 9.0 / 5.0 if units == FAHRENHEIT else celsius_delta
    return f"{value:+.1f}°"
