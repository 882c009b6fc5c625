"""Pairing: a short one-time code, shown to the owner, exchanged by an app on the LAN for
its own MQTT login on the heater's broker (docs/discovery.md, "Pairing")."""

from firmware.pairing.codes import CodeRefused, PairingCodes, TooManyTries
from firmware.pairing.service import PairingService, PairingUnavailable

__all__ = ["CodeRefused", "PairingCodes", "PairingService", "PairingUnavailable", "TooManyTries"]
