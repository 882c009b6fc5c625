"""Owner settings written over USB by `hearth provision`, validated on the device.

They are stored as `provisioned.json` (mode 0600) in `<update root>/state/`; hearthd
lays them over its config file (firmware/config/provisioned.py). Every
value is checked before anything is written; secrets are never echoed back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path

from firmware.store.atomic_file import write_atomic

FILE_NAME = "provisioned.json"
SECRET_KEYS = frozenset({"wifi_password", "pool_password", "mqtt_password", "api_token"})
MASK = "********"

_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
_POOL_URL = re.compile(r"^stratum\+(tcp|ssl)://[A-Za-z0-9.-]+:(\d{1,5})$")


def _text(lo: int, hi: int) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if not isinstance(value, str) or not lo <= len(value) <= hi:
            return f"a string of {lo} to {hi} characters"
        return None

    return check


def _matches(pattern: re.Pattern[str], allowed: str) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if not isinstance(value, str) or not pattern.match(value):
            return allowed
        if pattern is _POOL_URL and not 1 <= int(value.rsplit(":", 1)[1]) <= 65535:
            return allowed
        return None

    return check


def _port(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        return "an integer port from 1 to 65535"
    return None


def _wifi_password(value: object) -> str | None:
    # WPA2-PSK passphrases are 8..63 characters; empty means an open network.
    if not isinstance(value, str) or not (value == "" or 8 <= len(value) <= 63):
        return "empty (open network) or 8 to 63 characters (WPA2)"
    return None


SCHEMA: dict[str, Callable[[object], str | None]] = {
    "device_name": _matches(_NAME, "1-32 of a-z, 0-9 and '-', starting with a letter or digit"),
    "wifi_ssid": _text(1, 32),
    "wifi_password": _wifi_password,
    "pool_url": _matches(_POOL_URL, "stratum+tcp://HOST:PORT or stratum+ssl://HOST:PORT"),
    "pool_user": _text(1, 128),
    "pool_password": _text(0, 128),
    "mqtt_host": _matches(_HOST, "a host name or IP address"),
    "mqtt_port": _port,
    "mqtt_user": _text(0, 64),
    "mqtt_password": _text(0, 128),
    "api_token": _text(16, 128),
}


def validate(settings: Mapping[str, object]) -> dict[str, object]:
    """All-or-nothing: returns the settings, or raises ValueError naming key, value, rule."""
    if not isinstance(settings, Mapping) or not settings:
        raise ValueError("settings must be a non-empty JSON object")
    for key, value in settings.items():
        check = SCHEMA.get(key)
        if check is None:
            raise ValueError(f"unknown setting {key!r}; allowed: {', '.join(sorted(SCHEMA))}")
        problem = check(value)
        if problem is not None:
            shown = MASK if key in SECRET_KEYS else repr(value)
            raise ValueError(f"setting {key!r} = {shown} is not allowed: must be {problem}")
    return dict(settings)


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
    return validate(data) if data else {}
