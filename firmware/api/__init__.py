"""The heater's local HTTP API: AxeOS-compatible endpoints plus Hearth's `/api/heater`."""

from firmware.api.auth import WriteAuth
from firmware.api.axeos import PatchError, SystemPatch, asic_info, parse_system_patch, system_info
from firmware.api.facade import HeaterFacade, MinerFacts, PoolView
from firmware.api.server import OPENAPI_FILE, ApiServer, create_app, heater_document

__all__ = [
    "OPENAPI_FILE",
    "ApiServer",
    "HeaterFacade",
    "MinerFacts",
    "PatchError",
    "PoolView",
    "SystemPatch",
    "WriteAuth",
    "asic_info",
    "create_app",
    "heater_document",
    "parse_system_patch",
    "system_info",
]
