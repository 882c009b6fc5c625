"""`HeaterThermostat`: the heater as a HAP-python accessory with one Thermostat service,
its characteristics set from the pure mapping (firmware/homekit/mapping.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pyhap.accessory import Accessory

from firmware.homekit.mapping import DISPLAY_UNITS, PROPERTIES, ThermostatView, settings_patch
from firmware.homekit.setup_code import CATEGORY_THERMOSTAT

log = logging.getLogger(__name__)


class HeaterThermostat(Accessory):
    category = CATEGORY_THERMOSTAT

    def __init__(
        self,
        driver: Any,
        name: str,
        *,
        serial: str,
        model: str,
        version: str,
        on_patch: Callable[[dict[str, object]], None],
    ) -> None:
        super().__init__(driver, name)
        self.set_info_service(
            firmware_revision=version, manufacturer="Hearth", model=model, serial_number=serial
        )
        service = self.add_preload_service("Thermostat")
        self.chars = {
            name: service.configure_char(name, properties=props)
            for name, props in PROPERTIES.items()
        }
        for name in ("CurrentTemperature", "TargetTemperature", DISPLAY_UNITS):
            self.chars.setdefault(name, service.get_characteristic(name))
        service.setter_callback = self._written
        self._on_patch = on_patch

    def _written(self, values: dict[str, object]) -> None:
        """A write from a Home app (on the loop). Raising refuses it: HAP-python answers
        the controller with an error status for every characteristic in the write."""
        patch = settings_patch(values)
        if patch:
            self._on_patch(patch)

    def show(self, view: ThermostatView) -> None:
        """Set the characteristics that differ from the heater's state (HAP-python
        notifies subscribed Home apps of each change)."""
        for name, value in view.values().items():
            char = self.chars[name]
            if char.get_value() != value:
                char.set_value(value)

    def setup_message(self) -> None:
        """HAP-python prints the setup code to stdout here; the heater shows it only to
        its owner (docs/homekit.md), so nothing is printed."""
