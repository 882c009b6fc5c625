"""`hearth sim` options: a hearth TOML (optional) with command-line flags on top.

Every flag has a config-file equivalent (docs/cli.md, docs/config.md); flags win. The result is
the hearthd config the virtual heater generates, plus the simulator's own settings.
"""

from __future__ import annotations

import argparse
import copy
import pathlib
import tomllib
from dataclasses import dataclass
from typing import Any

from firmware.config import ConfigError, HearthConfig, parse_config

DEFAULT_STATE_DIR = pathlib.Path("state/sim")
DEFAULT_DEVICE_ID = "hearth-sim"
DEFAULT_POOL_USER = "bc1qhearthsimxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.virtual"
# Placeholder for the local demo pool's address until it has a port.
LOCAL_POOL = "local"

# flag attribute -> (table, key) in the config file
FLAG_KEYS: dict[str, tuple[str, str]] = {
    "board": ("device", "board"),
    "device_id": ("device", "id"),
    "state_dir": ("device", "state_dir"),
    "broker": ("mqtt", "broker"),
    "mqtt_user": ("mqtt", "username"),
    "mqtt_password": ("mqtt", "password"),
    "http_port": ("http", "port"),
    "asic_port": ("asic", "port"),
    "speed": ("sim", "speed"),
    "duration": ("sim", "duration_s"),
    "homekit": ("homekit", "enabled"),
}


@dataclass(frozen=True)
class SimPlan:
    data: dict[str, Any]  # the hearthd config as TOML data (pool url may be LOCAL_POOL)
    config: HearthConfig  # the same, validated
    local_pool: bool  # start the demo pool and point the config at it
    embedded_port_given: bool  # keep the configured embedded broker port


def read_config_file(path: str) -> dict[str, Any]:
    try:
        text = pathlib.Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError("file", path, f"a readable file ({exc.strerror})", path) from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("file", path, f"valid TOML ({exc})", path) from exc


def plan(args: argparse.Namespace) -> SimPlan:
    """Merge the config file and the flags; raises ConfigError naming the bad key."""
    data: dict[str, Any] = copy.deepcopy(read_config_file(args.config)) if args.config else {}
    source = args.config or "hearth sim flags"
    data.setdefault("device", {}).setdefault("id", DEFAULT_DEVICE_ID)
    data["device"].setdefault("state_dir", str(DEFAULT_STATE_DIR))
    embedded_port_given = "embedded_port" in data.get("mqtt", {})
    for attribute, (table, key) in FLAG_KEYS.items():
        value = getattr(args, attribute)
        if value is not None:
            data.setdefault(table, {})[key] = str(value) if attribute == "state_dir" else value
    if args.pool:
        users = [p.get("user") for p in data.get("pool", []) if isinstance(p, dict)]
        user = next((u for u in users if isinstance(u, str) and u), DEFAULT_POOL_USER)
        data["pool"] = [{"url": url, "user": user} for url in args.pool]
    local_pool = not data.get("pool")
    if local_pool:
        data["pool"] = [{"url": "stratum+tcp://127.0.0.1:1", "user": DEFAULT_POOL_USER}]
    config = parse_config(data, source=source)
    check_embedded_login(config, source)
    return SimPlan(data, config, local_pool, embedded_port_given)


def check_embedded_login(config: HearthConfig, source: str) -> None:
    """With the embedded broker, a given login is the one it serves (host/sim/embedded_login.py):
    it needs both halves, and amqtt's password file cannot hold a ':' in a username."""
    mqtt = config.mqtt
    if not mqtt.embedded or not (mqtt.username or mqtt.password):
        return
    if ":" in mqtt.username:
        raise ConfigError("mqtt.username", mqtt.username, "a username without ':'", source)
    if not mqtt.password:
        raise ConfigError(
            "mqtt.password",
            None,
            "a password whenever mqtt.username is set for the embedded broker "
            "(--mqtt-user U --mqtt-password P)",
            source,
        )
