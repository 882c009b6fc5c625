"""Owner settings written over USB by `hearth provision`, validated on the device.

They are stored as `provisioned.json` (mode 0600) in `<update root>/state/`; hearthd
lays them over its config file (firmware/config/provisioned.py). Every
value is checked before anything is written; secrets are never echoed back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

from firmware.store.atomic_file import write_atomic
from firmware.validation import (
    MASK,
    Invalid,
    Validator,
    device_id,
    pool_url,
    port,
    string,
    table,
)

FILE_NAME = "provisioned.json"
SECRET_KEYS = frozenset({"wifi_password", "pool_password", "mqtt_password", "api_token"})

_HOST = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,252}")


def _wifi_password(value: object) -> str:
    # WPA2-PSK passphrases are 8..63 characters; empty means an open network.
    text = string()(value)
    if text and not 8 <= len(text) <= 63:
        raise Invalid((), value, "empty (open network) or 8 to 63 characters (WPA2)", secret=True)
    return text


SCHEMA: dict[str, Validator[object]] = {
    "device_name": device_id(),
    "wifi_ssid": string(min_len=1, max_len=32),
    "wifi_password": _wifi_password,
    "pool_url": pool_url(),
    "pool_user": string(min_len=1, max_len=128),
    "pool_password": string(max_len=128),
    "mqtt_host": string(pattern=_HOST, allowed="a host name or IP address"),
    "mqtt_port": port(),
    "mqtt_user": string(max_len=64),
    "mqtt_password": string(max_len=128),
    "api_token": string(min_len=16, max_len=128),
}
_SETTINGS = table(optional=SCHEMA, allowed="a non-empty JSON object of settings")


def validate(settings: Mapping[str, object]) -> dict[str, object]:
    """All-or-nothing: returns the settings, or raises `Invalid` (a ValueError) naming the
    key, the value (secrets masked) and what is allowed."""
    if not isinstance(settings, Mapping) or not settings:
        raise Invalid("settings", settings, "a non-empty JSON object of settings")
    return _SETTINGS(settings)


def masked(settings: Mapping[str, object]) -> dict[str, object]:
    return {key: MASK if key in SECRET_KEYS and value else value for key, value in settings.items()}


def save(state_dir: Path, settings: Mapping[str, object]) -> dict[str, object]:
    """Validate, merge over what was provisioned before, write atomically (0600)."""
    update = validate(settings)
    path = state_dir / FILE_NAME
    merged = {**load(state_dir), **update}
    state_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(merged, sort_keys=True).encode(), keep_previous=False)
    return masked(merged)


def load(state_dir: Path) -> dict[str, object]:
    path = state_dir / FILE_NAME
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return {}
    except RecursionError:
        raise Invalid("file", str(path), "JSON nested at most a few levels deep") from None
    return validate(data) if data else {}
