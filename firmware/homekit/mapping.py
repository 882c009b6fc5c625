"""What the Home app sees of the heater, and what it may change: the Hearth `state`
(docs/mqtt.md) ↔ the HAP Thermostat service's characteristics (pure).

    CurrentTemperature         state room_c (unchanged while the heater has no reading)
    TargetTemperature          state target_c (the target in force); a write is `target_c`
    CurrentHeatingCoolingState Heat while state action is "heating", else Off
    TargetHeatingCoolingState  state mode: off → Off, heat → Heat, auto (the schedule) → Auto;
                               a write is `mode`; Cool is not offered and is refused
    TemperatureDisplayUnits    the Home app's own choice; not a heater setting, not sent

A write becomes one settings patch for `HeaterService.apply_settings`, the path MQTT
`set` takes, so its validation and all-or-nothing rule apply unchanged. A target outside
the heater's range is refused here, before anything is sent (HAP-python itself would
clamp it to the characteristic's bounds, which would apply a value nobody asked for).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from firmware.validation import (
    TARGET_MAX_C,
    TARGET_MIN_C,
    TARGET_STEP_C,
    Invalid,
    one_of,
    target_c,
)

# HAP characteristic values (HAP specification; HAP-python's characteristics.json).
HAP_OFF = 0
HAP_HEAT = 1
HAP_AUTO = 3
MODE_TO_HAP = {"off": HAP_OFF, "heat": HAP_HEAT, "auto": HAP_AUTO}
HAP_TO_MODE = {value: mode for mode, value in MODE_TO_HAP.items()}

# Characteristic names (HAP-python's display names) and the properties the heater sets
# on them: the Home app offers only what the heater takes.
CURRENT_TEMPERATURE = "CurrentTemperature"
TARGET_TEMPERATURE = "TargetTemperature"
CURRENT_STATE = "CurrentHeatingCoolingState"
TARGET_STATE = "TargetHeatingCoolingState"
DISPLAY_UNITS = "TemperatureDisplayUnits"
PROPERTIES: dict[str, dict[str, object]] = {
    TARGET_TEMPERATURE: {
        "minValue": TARGET_MIN_C,
        "maxValue": TARGET_MAX_C,
        "minStep": TARGET_STEP_C,
    },
    CURRENT_STATE: {"ValidValues": {"Off": HAP_OFF, "Heat": HAP_HEAT}},
    TARGET_STATE: {"ValidValues": {"Off": HAP_OFF, "Heat": HAP_HEAT, "Auto": HAP_AUTO}},
}

_TARGET = target_c()
_TARGET_STATE = one_of(*HAP_TO_MODE, allowed="0 (Off), 1 (Heat) or 3 (Auto)")


@dataclass(frozen=True)
class ThermostatView:
    current_c: float | None  # None: no room reading, the Home app keeps the last one
    target_c: float
    current_state: int
    target_state: int

    def values(self) -> dict[str, float | int]:
        """Characteristic name → value, without the ones the heater cannot tell."""
        values: dict[str, float | int] = {
            TARGET_TEMPERATURE: self.target_c,
            CURRENT_STATE: self.current_state,
            TARGET_STATE: self.target_state,
        }
        if self.current_c is not None:
            values[CURRENT_TEMPERATURE] = self.current_c
        return values


def view_of(state: Mapping[str, object]) -> ThermostatView:
    """The Thermostat service's values for a Hearth `state` object."""
    room = state.get("room_c")
    target = state.get("target_c")
    return ThermostatView(
        current_c=float(room) if isinstance(room, int | float) else None,
        target_c=min(max(float(target), TARGET_MIN_C), TARGET_MAX_C)
        if isinstance(target, int | float)
        else TARGET_MIN_C,
        current_state=HAP_HEAT if state.get("action") == "heating" else HAP_OFF,
        target_state=MODE_TO_HAP.get(str(state.get("mode")), HAP_OFF),
    )


def _on_grid(value: object) -> object:
    """A controller's number onto the 0.1 °C grid, as HAP's minStep asks of it (a Home
    app in °F sends converted values such as 22.2222); anything else as it came."""
    if isinstance(value, float) and math.isfinite(value):
        return round(round(value / TARGET_STEP_C) * TARGET_STEP_C, 1)
    return value


def settings_patch(written: Mapping[str, object]) -> dict[str, object]:
    """A HAP write (characteristic name → value) as a settings patch; raises Invalid
    naming the characteristic for a value the heater does not take."""
    patch: dict[str, object] = {}
    if TARGET_TEMPERATURE in written:
        try:
            patch["target_c"] = _TARGET(_on_grid(written[TARGET_TEMPERATURE]))
        except Invalid as exc:
            raise exc.at(TARGET_TEMPERATURE) from None
    if TARGET_STATE in written:
        try:
            patch["mode"] = HAP_TO_MODE[_TARGET_STATE(written[TARGET_STATE])]
        except Invalid as exc:
            raise exc.at(TARGET_STATE) from None
    return patch
