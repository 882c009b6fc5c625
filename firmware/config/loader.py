"""Read `hearth.toml` into a `HearthConfig`, refusing anything wrong before start-up.

ESPHome style: a wrong key, type or range raises `ConfigError` naming the full key
(`mqtt.port`), the value, and what is allowed. Unknown keys are errors too, so a typo
never silently falls back to a default. Tables and keys left out take the defaults
documented in `hearth.example.toml`.
"""

from __future__ import annotations

import math
import pathlib
import re
import ssl
import tomllib
from dataclasses import replace
from typing import Any

from firmware.config.error import ConfigError
from firmware.config.provisioned import applied_keys, overlay
from firmware.config.schema import (
    EMBEDDED_BROKER,
    MODES,
    PRESETS,
    TARGET_MAX_C,
    TARGET_MIN_C,
    AsicConfig,
    DeviceConfig,
    HearthConfig,
    HeatConfig,
    HttpConfig,
    MqttConfig,
    PoolEntry,
    SimConfig,
    StoreConfig,
    SupervisorConfig,
    UpdateConfig,
)
from firmware.config.secret import Secret
from firmware.update import provision

DEVICE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
# MQTT topic levels may not hold wildcards; keep the prefix to plain path characters.
TOPIC_PREFIX = re.compile(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$")
HOST_PORT = re.compile(r"^(?P<host>[A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):(?P<port>[0-9]{1,5})$")
POOL_URL = re.compile(r"^stratum\+(tcp|ssl)://[A-Za-z0-9.-]+:[0-9]{1,5}/?$")
DEFAULT_STATE_DIR = "/var/lib/hearth"
# Room models of hw/sim/room (the firmware reads only their names, never the simulator).
SIM_ROOMS = ("snug", "living", "hall")


class _Table:
    """One TOML table being read: every key is taken at most once; leftovers are unknown."""

    def __init__(self, source: str, prefix: str, data: object) -> None:
        if not isinstance(data, dict):
            raise ConfigError(prefix or "file", data, "a table", source)
        self.source = source
        self.prefix = prefix
        self.data: dict[str, Any] = data
        self.taken: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def fail(self, name: str, value: object, allowed: str) -> ConfigError:
        return ConfigError(self.key(name), value, allowed, self.source)

    def get(self, name: str, default: object) -> object:
        self.taken.add(name)
        return self.data.get(name, default)

    def text(
        self,
        name: str,
        default: str,
        pattern: re.Pattern[str] | None = None,
        allowed: str = "a string",
    ) -> str:
        value = self.get(name, default)
        if not isinstance(value, str):
            raise self.fail(name, value, allowed)
        if pattern is not None and not pattern.fullmatch(value):
            raise self.fail(name, value, allowed)
        return value

    def choice(self, name: str, default: str, options: tuple[str, ...]) -> str:
        value = self.get(name, default)
        if value not in options:
            raise self.fail(name, value, " | ".join(options))
        return str(value)

    def flag(self, name: str, default: bool) -> bool:
        value = self.get(name, default)
        if not isinstance(value, bool):
            raise self.fail(name, value, "true | false")
        return value

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        value = self.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(name, value, f"an integer {low}..{high}")
        return value

    def number(self, name: str, default: float, low: float, high: float) -> float:
        value = self.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(name, value, f"a number {low}..{high}")
        number = float(value)
        if not math.isfinite(number) or not low <= number <= high:
            raise self.fail(name, value, f"a number {low}..{high}")
        return number

    def secret(self, name: str, default: str = "") -> Secret:
        value = self.get(name, default)
        if not isinstance(value, str):
            raise self.fail(name, value, "a string")
        return Secret(value)

    def table(self, name: str) -> _Table:
        return _Table(self.source, self.key(name), self.get(name, {}))

    def done(self) -> None:
        extra = sorted(set(self.data) - self.taken)
        if extra:
            raise self.fail(extra[0], self.data[extra[0]], "no such key (unknown)")


def load_config(path: pathlib.Path | str) -> HearthConfig:
    """Parse and validate a TOML file; raises ConfigError (never a half-built config)."""
    source = str(path)
    try:
        text = pathlib.Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError("file", source, f"a readable file ({exc.strerror})", source) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("file", source, f"valid TOML ({exc})", source) from exc
    config = parse_config(data, source=source)
    if config.update.root is None:
        return config
    return _with_provisioned(config, data, config.update.root / "state")


def _with_provisioned(
    config: HearthConfig, data: dict[str, Any], state_dir: pathlib.Path
) -> HearthConfig:
    """The file's config with the owner's provisioned settings over it. Settings that
    cannot be read or used leave the file's config as it is, and say why: a heater must
    still start (and heat safely) when its provisioning is damaged."""
    try:
        settings = provision.load(state_dir)
    except (OSError, ValueError) as exc:
        return replace(config, provisioning_error=f"{state_dir / provision.FILE_NAME}: {exc}")
    keys = tuple(applied_keys(settings))
    if not keys:
        return config
    try:
        merged = parse_config(overlay(data, settings), source=config.source)
    except (ConfigError, ValueError) as exc:
        return replace(config, provisioning_error=f"provisioned settings not usable: {exc}")
    return replace(merged, provisioned=keys)


def parse_config(data: dict[str, Any], source: str = "<config>") -> HearthConfig:
    top = _Table(source, "", data)
    device = _device(top.table("device"))
    asic = _asic(top.table("asic"))
    pools = _pools(top, source)
    mqtt = _mqtt(top.table("mqtt"))
    http = _http(top.table("http"))
    supervisor_table = top.table("supervisor")
    supervisor = SupervisorConfig(port=supervisor_table.text("port", ""))
    supervisor_table.done()
    heat = _heat(top.table("heat"))
    store_table = top.table("store")
    store = StoreConfig(save_interval_s=store_table.number("save_interval_s", 5.0, 0.5, 600.0))
    store_table.done()
    sim = _sim(top.table("sim"))
    update = _update(top.table("update"))
    top.done()
    return HearthConfig(
        device=device,
        asic=asic,
        pools=pools,
        mqtt=mqtt,
        http=http,
        supervisor=supervisor,
        heat=heat,
        store=store,
        sim=sim,
        update=update,
        source=source,
    )


def _device(t: _Table) -> DeviceConfig:
    device_id = t.text(
        "id", "hearth", DEVICE_ID, "1-64 characters a-z 0-9 _ - starting with a letter or digit"
    )
    name = t.text("name", "Hearth heater")
    if not name.strip() or len(name) > 64:
        raise t.fail("name", name, "a non-empty string of at most 64 characters")
    board = t.text("board", "hearth-400")
    if not board.strip():
        raise t.fail("board", board, "a board profile name (hw/boards/<name>.toml) or a path")
    state_dir = t.text("state_dir", DEFAULT_STATE_DIR)
    if not state_dir.strip():
        raise t.fail("state_dir", state_dir, "a directory path")
    clock_speed = t.number("clock_speed", 1.0, 0.1, 10000.0)
    t.done()
    return DeviceConfig(
        id=device_id,
        name=name,
        board=board,
        state_dir=pathlib.Path(state_dir),
        clock_speed=clock_speed,
    )


def _update(t: _Table) -> UpdateConfig:
    root = t.text("root", "")
    config = UpdateConfig(
        root=pathlib.Path(root) if root.strip() else None,
        confirm_timeout_s=t.number("confirm_timeout_s", 180.0, 5.0, 3600.0),
        supervisor_console=t.text("supervisor_console", ""),
    )
    t.done()
    return config


def _asic(t: _Table) -> AsicConfig:
    config = AsicConfig(
        port=t.text("port", ""),
        cpu_threads=t.integer("cpu_threads", 1, 1, 64),
        ticket_difficulty=t.number("ticket_difficulty", 0.0, 0.0, 1e12),
    )
    t.done()
    return config


def _pools(top: _Table, source: str) -> tuple[PoolEntry, ...]:
    raw = top.get("pool", [])
    if not isinstance(raw, list) or not raw:
        raise ConfigError(
            "pool",
            raw,
            "one or more [[pool]] tables (url, user, password), in failover order",
            source,
        )
    pools: list[PoolEntry] = []
    for i, entry in enumerate(raw):
        t = _Table(source, f"pool[{i}]", entry)
        url = t.text("url", "", POOL_URL, "stratum+tcp://host:port or stratum+ssl://host:port")
        if not 0 < int(url.rstrip("/").rsplit(":", 1)[1]) < 65536:
            raise t.fail("url", url, "a port 1..65535")
        user = t.text("user", "")
        if not user.strip():
            raise t.fail("user", user, "a non-empty string (usually address.worker)")
        ca_file = _ca_file(t, url)
        pools.append(
            PoolEntry(
                url=url.rstrip("/"),
                user=user,
                password=t.secret("password", "x"),
                ca_file=ca_file,
            )
        )
        t.done()
    return tuple(pools)


def _ca_file(t: _Table, url: str) -> pathlib.Path | None:
    """A pool's own CA certificate: only for stratum+ssl, and it must load as PEM."""
    value = t.text("ca_file", "")
    if not value.strip():
        return None
    if not url.startswith("stratum+ssl://"):
        raise t.fail("ca_file", value, "only with a stratum+ssl:// url")
    try:
        ssl.create_default_context().load_verify_locations(cafile=value)
    except (OSError, ssl.SSLError) as exc:
        raise t.fail("ca_file", value, f"a readable PEM CA certificate ({exc})") from None
    return pathlib.Path(value)


def _mqtt(t: _Table) -> MqttConfig:
    broker = t.text("broker", EMBEDDED_BROKER)
    match = HOST_PORT.fullmatch(broker)
    if broker != EMBEDDED_BROKER and (match is None or not 0 < int(match["port"]) < 65536):
        raise t.fail("broker", broker, f"{EMBEDDED_BROKER!r} or 'HOST:PORT' with a port 1..65535")
    ca = t.text("ca_file", "")
    config = MqttConfig(
        broker=broker,
        username=t.text("username", ""),
        password=t.secret("password"),
        tls=t.flag("tls", False),
        ca_file=pathlib.Path(ca) if ca else None,
        prefix=t.text(
            "prefix", "hearth", TOPIC_PREFIX, "topic levels of A-Z a-z 0-9 _ - joined by /"
        ),
        discovery=t.flag("discovery", True),
        discovery_prefix=t.text(
            "discovery_prefix", "homeassistant", TOPIC_PREFIX, "topic levels of A-Z a-z 0-9 _ -"
        ),
        embedded_port=t.integer("embedded_port", 1883, 0, 65535),
    )
    if config.password and not config.username:
        raise t.fail("username", "", "a username whenever mqtt.password is set")
    t.done()
    return config


def _http(t: _Table) -> HttpConfig:
    config = HttpConfig(
        port=t.integer("port", 80, 0, 65535),
        bind=t.text("bind", "0.0.0.0"),
        token=t.secret("token"),
        username=t.text("username", ""),
        password=t.secret("password"),
        write_auth=t.flag("write_auth", True),
    )
    if bool(config.username) != bool(config.password):
        raise t.fail(
            "password" if config.username else "username",
            "",
            "http.username and http.password set together (basic auth) or both empty",
        )
    if config.token and len(config.token.value) < 16:
        raise t.fail("token", config.token.value, "at least 16 characters")
    t.done()
    return config


def _heat(t: _Table) -> HeatConfig:
    config = HeatConfig(
        mode=t.choice("mode", "heat", MODES),
        preset=t.choice("preset", "none", PRESETS),
        target_c=t.number("target_c", 20.0, TARGET_MIN_C, TARGET_MAX_C),
        power_limit_w=t.number("power_limit_w", 0.0, 0.0, 10000.0),
    )
    t.done()
    return config


def _sim(t: _Table) -> SimConfig:
    config = SimConfig(
        speed=t.number("speed", 60.0, 0.1, 10000.0),
        duration_s=t.number("duration_s", 0.0, 0.0, 365 * 86400.0),
        room=t.choice("room", "living", SIM_ROOMS),
        room_start_c=t.number("room_start_c", 17.0, -20.0, 40.0),
    )
    t.done()
    return config
