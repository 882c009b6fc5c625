"""Read `hearth.toml` into a `HearthConfig`, refusing anything wrong before start-up.

Every table is checked with the validation vocabulary (firmware.validation): a wrong
key, type or range raises `ConfigError` naming the full key (`mqtt.port`), the value,
and what is allowed. Unknown keys are errors too, so a typo never silently falls back
to a default. Tables and keys left out take the defaults documented in
`hearth.example.toml`.
"""

from __future__ import annotations

import ipaddress
import pathlib
import re
import ssl
import tomllib
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from firmware.config import provision
from firmware.config.error import ConfigError
from firmware.config.provisioned import applied_keys, overlay
from firmware.config.schema import (
    EMBEDDED_BROKER,
    AsicConfig,
    BackendConfig,
    DeviceConfig,
    DiscoveryConfig,
    GridMeterConfig,
    HearthConfig,
    HeatConfig,
    HomeKitConfig,
    HttpConfig,
    MqttConfig,
    OpenAdrConfig,
    PoolEntry,
    RoomSensorConfig,
    SimConfig,
    StoreConfig,
    SupervisorConfig,
    UpdateConfig,
)
from firmware.grid.meter import SIGNS, UNITS, field_path, meter_topic
from firmware.grid.openadr.policy import PARTICIPATION
from firmware.grid.openadr.settings import check_tls, vtn_url
from firmware.miner.actuators import ACTUATORS
from firmware.parts.bus import BusSpecError, check_bus_spec
from firmware.validation import (
    Invalid,
    Secret,
    Validator,
    all_of,
    boolean,
    device_id,
    integer,
    list_of,
    mode,
    number,
    one_of,
    pool_url,
    port,
    preset,
    secret,
    string,
    table,
    target_c,
    topic,
    topic_prefix,
)

HOST_PORT = re.compile(r"(?P<host>[A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):(?P<port>[0-9]{1,5})")
DEFAULT_STATE_DIR = "/var/lib/hearth"
# Room models of hw/sim/room (the firmware reads only their names, never the simulator).
SIM_ROOMS = ("snug", "living", "hall")
TOKEN_MIN_LEN = 16
# A stale outside room sensor never leaves the heater above this share of its power.
FALLBACK_MAX_PERCENT = 50.0
# `[room_sensor] field`: a JSON key, or keys joined by dots for nested objects.
_FIELD = string(
    pattern=re.compile(r"([^.\s]+(\.[^.\s]+)*)?"),
    allowed='a JSON key ("temperature"), keys joined by dots for nested objects, or ""',
)


def load_config(path: pathlib.Path | str) -> HearthConfig:
    """Parse and validate a TOML file; raises ConfigError (never a half-built config)."""
    source = str(path)
    try:
        text = pathlib.Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError("file", source, f"a readable file ({exc.strerror})", source) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            "file", source, f"UTF-8 text ({exc.reason} at byte {exc.start})", source
        ) from None
    try:
        data = tomllib.loads(text)
    except ValueError as exc:  # TOMLDecodeError, or an integer of over 4300 digits
        raise ConfigError("file", source, f"valid TOML ({exc})", source) from exc
    except RecursionError:
        raise ConfigError("file", source, "valid TOML (nested too deeply)", source) from None
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
    """Validate already-parsed TOML data; raises ConfigError naming `source`."""
    try:
        config: HearthConfig = _CONFIG(data)
    except Invalid as exc:
        raise exc.as_(ConfigError).within(source) from None
    return replace(config, source=source)


def _text(default: str = "") -> tuple[Validator[str], str]:
    return string(), default


def _broker(value: object) -> str:
    broker = string()(value)
    match = HOST_PORT.fullmatch(broker)
    if broker != EMBEDDED_BROKER and (match is None or not 0 < int(match["port"]) < 65536):
        raise Invalid((), value, f"{EMBEDDED_BROKER!r} or 'HOST:PORT' with a port 1..65535")
    return broker


def _ipv4(value: object) -> str:
    text = string()(value)
    if text:
        try:
            ipaddress.IPv4Address(text)
        except ValueError:
            raise Invalid((), value, 'an IPv4 address such as "192.168.1.20", or ""') from None
    return text


def _token(value: object) -> Secret:
    token = secret()(value)
    if token and len(token.value) < TOKEN_MIN_LEN:
        raise Invalid((), value, f"at least {TOKEN_MIN_LEN} characters", secret=True)
    return token


def _device(d: dict[str, Any]) -> DeviceConfig:
    return DeviceConfig(
        id=d["id"],
        name=d["name"],
        board=d["board"],
        state_dir=pathlib.Path(d["state_dir"]),
        clock_speed=d["clock_speed"],
    )


def _i2c_bus(value: object) -> str:
    bus = string()(value)
    if bus:
        try:
            check_bus_spec(bus)
        except BusSpecError as exc:
            raise Invalid((), value, str(exc).split(": ", 1)[1]) from None
    return bus


# A GPIO line: its offset on the chip or its name (as `gpioinfo` lists it); "" = none.
_GPIO_LINE = string(
    pattern=re.compile(r"([0-9]{1,4}|[A-Za-z][A-Za-z0-9_.-]{0,63})?"),
    allowed='a line offset (17) or name (GPIO17), or "" for none',
)


def _asic(d: dict[str, Any]) -> AsicConfig:
    lines = [key for key in ("reset_gpio", "power_enable_gpio", "pgood_gpio") if d[key]]
    if lines and not d["gpio_chip"]:
        raise Invalid(
            "gpio_chip", "", f"a GPIO chip (/dev/gpiochip0) whenever asic.{lines[0]} is set"
        )
    return AsicConfig(**d)


def _pool(d: dict[str, Any]) -> PoolEntry:
    return PoolEntry(
        url=d["url"].rstrip("/"),
        user=d["user"],
        password=d["password"],
        ca_file=_ca_file(d["ca_file"], d["url"]),
    )


def _ca_file(value: str, url: str) -> pathlib.Path | None:
    """A pool's own CA certificate: only for stratum+ssl, and it must load as PEM."""
    if not value.strip():
        return None
    if not url.startswith("stratum+ssl://"):
        raise Invalid("ca_file", value, "only with a stratum+ssl:// url")
    try:
        ssl.create_default_context().load_verify_locations(cafile=value)
    except (OSError, ssl.SSLError, ValueError) as exc:
        raise Invalid("ca_file", value, f"a readable PEM CA certificate ({exc})") from None
    return pathlib.Path(value)


def _mqtt(d: dict[str, Any]) -> MqttConfig:
    if d["password"] and not d["username"]:
        raise Invalid("username", "", "a username whenever mqtt.password is set")
    return MqttConfig(
        broker=d["broker"],
        username=d["username"],
        password=d["password"],
        tls=d["tls"],
        ca_file=pathlib.Path(d["ca_file"]) if d["ca_file"] else None,
        prefix=d["prefix"],
        discovery=d["discovery"],
        discovery_prefix=d["discovery_prefix"],
        embedded_port=d["embedded_port"],
    )


def _http(d: dict[str, Any]) -> HttpConfig:
    if bool(d["username"]) != bool(d["password"]):
        raise Invalid(
            "password" if d["username"] else "username",
            "",
            "http.username and http.password set together (basic auth) or both empty",
        )
    return HttpConfig(**d)


def _backend(d: dict[str, Any]) -> BackendConfig:
    if d["kind"] == "miner" and not d["host"]:
        raise Invalid("host", "", "the miner's address (backend.kind = \"miner\")")
    return BackendConfig(**d)


def _room_sensor(d: dict[str, Any]) -> RoomSensorConfig:
    if d["field"] and not d["topic"]:
        raise Invalid("topic", "", "the sensor's MQTT topic whenever room_sensor.field is set")
    return RoomSensorConfig(**d)


def _openadr(d: dict[str, Any]) -> OpenAdrConfig:
    if d["vtn_url"] and not d["ven_name"]:
        raise Invalid(
            "ven_name", "", "this heater's name at the VTN whenever openadr.vtn_url is set"
        )
    files = {k: d[k].strip() for k in ("cert_file", "key_file", "ca_file")}
    check_tls(d["vtn_url"], files["cert_file"], files["key_file"], d["key_passphrase"].value,
              files["ca_file"])  # fmt: skip
    paths = {k: pathlib.Path(v) if v else None for k, v in files.items()}
    return OpenAdrConfig(**{**d, **paths})


def _update(d: dict[str, Any]) -> UpdateConfig:
    return UpdateConfig(
        root=pathlib.Path(d["root"]) if d["root"].strip() else None,
        confirm_timeout_s=d["confirm_timeout_s"],
        supervisor_console=d["supervisor_console"],
    )


def _section(
    fields: dict[str, tuple[Validator[Any], object]], build: Callable[[dict[str, Any]], Any]
) -> tuple[Validator[Any], object]:
    """A table whose keys are all optional (name → (validator, default)), then built."""
    schema = table(
        optional={key: check for key, (check, _) in fields.items()},
        defaults={key: default for key, (_, default) in fields.items()},
    )
    return all_of(schema, build), {}


def _build(cls: type) -> Callable[[dict[str, Any]], Any]:
    return lambda d: cls(**d)


_POOL = all_of(
    table(
        required={
            "url": pool_url(),
            "user": string(blank=False, allowed="a non-empty string (usually address.worker)"),
        },
        optional={"password": secret(), "ca_file": string()},
        defaults={"password": "x", "ca_file": ""},
    ),
    _pool,
)

_TABLES: dict[str, tuple[Validator[Any], object]] = {
    "device": _section(
        {
            "id": (device_id(), "hearth"),
            "name": (
                string(
                    max_len=64, blank=False, allowed="a non-empty string of at most 64 characters"
                ),
                "Hearth heater",
            ),
            "board": (
                string(
                    blank=False, allowed="a board profile name (hw/boards/<name>.toml) or a path"
                ),
                "hearth-400",
            ),
            "state_dir": (string(blank=False, allowed="a directory path"), DEFAULT_STATE_DIR),
            "clock_speed": (number(0.1, 10000.0), 1.0),
        },
        _device,
    ),
    "asic": _section(
        {
            "port": _text(),
            "cpu_threads": (integer(1, 64), 1),
            "ticket_difficulty": (number(0.0, 1e12), 0.0),
            "i2c_bus": (_i2c_bus, ""),
            "gpio_chip": _text(),
            "reset_gpio": (_GPIO_LINE, ""),
            "power_enable_gpio": (_GPIO_LINE, ""),
            "pgood_gpio": (_GPIO_LINE, ""),
        },
        _asic,
    ),
    "backend": _section(
        {
            "kind": (one_of("asic", "cpu", "miner"), "asic"),
            "host": _text(),
            "type": (
                one_of("", *ACTUATORS, allowed=f"one of {', '.join(ACTUATORS)} or \"\" (detect)"),
                "",
            ),
            "username": _text(),
            "password": (secret(), ""),
        },
        _backend,
    ),
    "pool": (
        list_of(
            _POOL,
            min_len=1,
            allowed="one or more [[pool]] tables (url, user, password), in failover order",
        ),
        [],
    ),
    "mqtt": _section(
        {
            "broker": (_broker, EMBEDDED_BROKER),
            "username": _text(),
            "password": (secret(), ""),
            "tls": (boolean(), False),
            "ca_file": _text(),
            "prefix": (
                topic_prefix(),
                "hearth",
            ),
            "discovery": (boolean(), True),
            "discovery_prefix": (
                topic_prefix(),
                "homeassistant",
            ),
            "embedded_port": (port(0), 1883),
        },
        _mqtt,
    ),
    "http": _section(
        {
            "port": (port(0), 80),
            "bind": _text("0.0.0.0"),
            "token": (_token, ""),
            "username": _text(),
            "password": (secret(), ""),
            "write_auth": (boolean(), True),
            "axeos_lan_writes": (boolean(), False),
        },
        _http,
    ),
    "discovery": _section(
        {"mdns": (boolean(), True), "address": (_ipv4, "")}, _build(DiscoveryConfig)
    ),
    "homekit": _section(
        {"enabled": (boolean(), False), "port": (port(), 51826), "bind": (_ipv4, "0.0.0.0")},
        _build(HomeKitConfig),
    ),
    "grid_meter": _section(
        {
            "topic": (all_of(string(), lambda t: meter_topic()(t) if t else t), ""),
            "field": (field_path, ""),
            "sign": (one_of(*SIGNS), "import_positive"),
            "unit": (one_of(*UNITS), "W"),
            "stale_s": (number(5.0, 3600.0), 60.0),
        },
        _build(GridMeterConfig),
    ),
    "supervisor": _section({"port": _text()}, _build(SupervisorConfig)),
    "room_sensor": _section(
        {
            "topic": (topic(), ""),
            "field": (_FIELD, ""),
            "stale_minutes": (number(1.0, 24 * 60.0), 10.0),
            "fallback_percent": (number(0.0, FALLBACK_MAX_PERCENT), 25.0),
        },
        _room_sensor,
    ),
    "openadr": _section(
        {
            "vtn_url": (vtn_url, ""),
            "ven_name": _text(),
            "ven_id": _text(),
            "cert_file": _text(),
            "key_file": _text(),
            "key_passphrase": (secret(), ""),
            "ca_file": _text(),
            "vtn_fingerprint": _text(),
            "participation": (one_of(*PARTICIPATION), "opt_in"),
        },
        _openadr,
    ),
    "heat": _section(
        {
            "mode": (mode(), "heat"),
            "preset": (preset(), "none"),
            "target_c": (target_c(), 20.0),
            "power_limit_w": (number(0.0, 10000.0), 0.0),
        },
        _build(HeatConfig),
    ),
    "store": _section({"save_interval_s": (number(0.5, 600.0), 5.0)}, _build(StoreConfig)),
    "sim": _section(
        {
            "speed": (number(0.1, 10000.0), 60.0),
            "duration_s": (number(0.0, 365 * 86400.0), 0.0),
            "room": (one_of(*SIM_ROOMS), "living"),
            "room_start_c": (number(-20.0, 40.0), 17.0),
        },
        _build(SimConfig),
    ),
    "update": _section(
        {
            "root": _text(),
            "confirm_timeout_s": (number(5.0, 3600.0), 180.0),
            "supervisor_console": _text(),
        },
        _update,
    ),
}


def _hearth(d: dict[str, Any]) -> HearthConfig:
    tables = {key: value for key, value in d.items() if key != "pool"}
    return HearthConfig(pools=tuple(d["pool"]), **tables)


_CONFIG = all_of(
    table(
        optional={key: check for key, (check, _) in _TABLES.items()},
        defaults={key: default for key, (_, default) in _TABLES.items()},
        allowed="a TOML document of tables",
    ),
    _hearth,
)
