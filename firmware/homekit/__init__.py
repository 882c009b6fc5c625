"""Apple Home: the heater as a HomeKit thermostat accessory over HAP-python
(docs/homekit.md).

    mapping.py     Hearth state ↔ the Thermostat service's characteristics (pure)
    setup_code.py  the setup code, setup id and X-HM:// setup payload (pure)
    setup_qr.py    that payload as the QR code the Home app scans, an SVG (pure, segno)
    identity.py    the kept identity and pairings files in the state directory
    accessory.py   the HAP-python accessory
    runner.py      the AccessoryDriver on hearthd's loop: start, follow the state, stop
"""

from firmware.homekit.identity import HomeKitIdentity, load_or_create_identity
from firmware.homekit.mapping import ThermostatView, settings_patch, view_of
from firmware.homekit.runner import AccessoryFacts, HomeKitRunner, homekit_addresses
from firmware.homekit.setup_code import new_setup_code, setup_uri

__all__ = [
    "AccessoryFacts",
    "HomeKitIdentity",
    "HomeKitRunner",
    "ThermostatView",
    "homekit_addresses",
    "load_or_create_identity",
    "new_setup_code",
    "settings_patch",
    "setup_uri",
    "view_of",
]
