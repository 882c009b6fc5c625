"""The owner's settings from `hearth provision`, laid over the config file.

`hearth provision` stores them on the device as `<update root>/state/provisioned.json`
(validated there, firmware/config/provision.py). The config file is the heater's factory
default; what the owner provisioned wins:

| provisioned | becomes |
|---|---|
| `device_name` | `device.id` (the MQTT topic id) and `device.name` |
| `pool_url` (+ `pool_user`, `pool_password`) | the pool list: that one pool |
| `pool_user` / `pool_password` alone | the user / password of every configured pool |
| `mqtt_host` (+ `mqtt_port`, default 1883) | `mqtt.broker = "HOST:PORT"` |
| `mqtt_user`, `mqtt_password` | `mqtt.username`, `mqtt.password` |
| `api_token` | `http.token` |

`wifi_ssid` / `wifi_password` are for the operating system's network set-up, not hearthd.
The merged data goes through the same validation as the file alone.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

DEFAULT_MQTT_PORT = 1883
NOT_FOR_HEARTHD = frozenset({"wifi_ssid", "wifi_password"})


def overlay(data: Mapping[str, Any], settings: Mapping[str, object]) -> dict[str, Any]:
    """A copy of the config file's TOML data with the provisioned settings applied."""
    out: dict[str, Any] = copy.deepcopy(dict(data))
    if "device_name" in settings:
        device = _table(out, "device")
        device["id"] = device["name"] = settings["device_name"]
    _pools(out, settings)
    if "mqtt_host" in settings or "mqtt_port" in settings:
        mqtt = _table(out, "mqtt")
        host = settings.get("mqtt_host") or _current_host(mqtt)
        if host is not None:
            mqtt["broker"] = f"{host}:{settings.get('mqtt_port', DEFAULT_MQTT_PORT)}"
    for key, (table, name) in {
        "mqtt_user": ("mqtt", "username"),
        "mqtt_password": ("mqtt", "password"),
        "api_token": ("http", "token"),
    }.items():
        if key in settings:
            _table(out, table)[name] = settings[key]
    return out


def applied_keys(settings: Mapping[str, object]) -> list[str]:
    return sorted(key for key in settings if key not in NOT_FOR_HEARTHD)


def _table(data: dict[str, Any], name: str) -> dict[str, Any]:
    table = data.setdefault(name, {})
    if not isinstance(table, dict):
        raise ValueError(f"[{name}] is not a table")
    return table


def _current_host(mqtt: Mapping[str, Any]) -> str | None:
    broker = mqtt.get("broker", "embedded")
    if not isinstance(broker, str) or broker == "embedded" or ":" not in broker:
        return None  # a port alone cannot turn the embedded broker into an external one
    return broker.rsplit(":", 1)[0]


def _pools(out: dict[str, Any], settings: Mapping[str, object]) -> None:
    pools = out.get("pool")
    if "pool_url" in settings:
        first = pools[0] if isinstance(pools, list) and pools and isinstance(pools[0], dict) else {}
        entry: dict[str, Any] = {"url": settings["pool_url"]}
        entry["user"] = settings.get("pool_user", first.get("user", ""))
        if "pool_password" in settings or "password" in first:
            entry["password"] = settings.get("pool_password", first.get("password"))
        out["pool"] = [entry]
        return
    if not isinstance(pools, list):
        return
    for pool in pools:
        if not isinstance(pool, dict):
            continue
        if "pool_user" in settings:
            pool["user"] = settings["pool_user"]
        if "pool_password" in settings:
            pool["password"] = settings["pool_password"]
