"""The accessory's lasting identity, generated on first start and kept in the state
directory: `homekit.json` (0600) holds the setup code, the setup id and the HAP device
id; HAP-python keeps its own file beside it, `homekit-pairings.json`, with the
accessory's long-term key and the controllers (Home apps) paired with it.

The setup code is a credential (whoever knows it can pair while the heater is
unpaired): it is shown only on the heater's page to the signed-in owner and printed by
`hearth sim`, and never logged.
"""

from __future__ import annotations

import json
import logging
import pathlib
import re
import secrets
from dataclasses import asdict, dataclass

from firmware.homekit.setup_code import (
    SETUP_ID,
    new_setup_code,
    new_setup_id,
    setup_uri,
    valid_setup_code,
)
from firmware.store import write_atomic

IDENTITY_FILE = "homekit.json"
PAIRINGS_FILE = "homekit-pairings.json"
DEVICE_ID = re.compile(r"([0-9A-F]{2}:){5}[0-9A-F]{2}")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HomeKitIdentity:
    setup_code: str  # XXX-XX-XXX
    setup_id: str  # 4 characters, the tail of the setup payload
    device_id: str  # the HAP "Device ID" (a MAC-shaped name, not a real MAC)

    def setup_uri(self) -> str:
        return setup_uri(self.setup_code, self.setup_id)


def new_device_id() -> str:
    return ":".join(f"{byte:02X}" for byte in secrets.token_bytes(6))


def _parse(text: str) -> HomeKitIdentity:
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    identity = HomeKitIdentity(
        str(data.get("setup_code")), str(data.get("setup_id")), str(data.get("device_id"))
    )
    if not valid_setup_code(identity.setup_code):
        raise ValueError("setup_code is not a valid setup code")
    if SETUP_ID.fullmatch(identity.setup_id) is None:
        raise ValueError("setup_id is not 4 characters 0-9/A-Z")
    if DEVICE_ID.fullmatch(identity.device_id) is None:
        raise ValueError("device_id is not XX:XX:XX:XX:XX:XX")
    return identity


def load_or_create_identity(state_dir: pathlib.Path) -> HomeKitIdentity:
    """The kept identity, or a new one written before it is used. A damaged file is
    replaced (its pairings, kept by HAP-python apart, stay valid)."""
    path = state_dir / IDENTITY_FILE
    try:
        return _parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        log.warning("HomeKit: %s unreadable (%s); a new setup code is made", path, exc)
    identity = HomeKitIdentity(new_setup_code(), new_setup_id(), new_device_id())
    state_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(path, (json.dumps(asdict(identity)) + "\n").encode(), keep_previous=False)
    return identity
