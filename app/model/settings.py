"""The owner's app settings, kept as JSON in the app's private data folder.

A damaged or hand-edited file never stops the app: each bad value falls back to its
default and the reason is kept to show on the settings screen.
"""

from __future__ import annotations

import json
import os
import pathlib
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from app.model.schedule import TIME_PATTERN
from app.model.units import CELSIUS, UNITS

DEFAULT_PORT = 1883
DEFAULT_PREFIX = "hearth"


@dataclass(frozen=True)
class AppSettings:
    # "" = no broker yet: a new app pairs with a heater found on the LAN (or the owner
    # types a remote broker); nothing pretends 127.0.0.1 is the heater.
    broker_host: str = ""
    broker_port: int = DEFAULT_PORT
    username: str = ""
    password: str = ""
    prefix: str = DEFAULT_PREFIX
    tls: bool = False  # the broker speaks MQTT over TLS (verified against the system's CAs)
    units: str = CELSIUS
    tariff_per_kwh: float = 0.0  # price of 1 kWh of electricity, in the owner's currency
    currency: str = "€"
    btc_price: float = 0.0  # price of 1 BTC in the same currency, entered by the owner
    quiet_start: str = "22:00"
    quiet_end: str = "07:00"
    quiet_power_w: float = 0.0  # 0 = no quiet-hours cap


class SettingsError(ValueError):
    pass


def checked(settings: AppSettings) -> AppSettings:
    """Raise SettingsError naming the setting, the value and what is allowed."""
    if settings.broker_host and not settings.broker_host.strip():
        raise SettingsError("broker address: must not be blank")
    if not 1 <= settings.broker_port <= 65535:
        raise SettingsError(f"broker port: {settings.broker_port} is not 1–65535")
    if settings.units not in UNITS:
        raise SettingsError(f"units: {settings.units!r} is not one of {', '.join(UNITS)}")
    if not 0 <= settings.tariff_per_kwh <= 100:
        raise SettingsError(f"tariff: {settings.tariff_per_kwh} is not 0–100 per kWh")
    if not 0 <= settings.btc_price <= 100_000_000:
        raise SettingsError(f"BTC price: {settings.btc_price} is not 0–100,000,000")
    if not 0 <= settings.quiet_power_w <= 10_000:
        raise SettingsError(f"quiet-hours cap: {settings.quiet_power_w} W is not 0–10000 W")
    for name, text in (("quiet hours from", settings.quiet_start), ("until", settings.quiet_end)):
        if not TIME_PATTERN.fullmatch(text):
            raise SettingsError(f"{name}: {text!r} is not a time like 22:00")
    if not settings.prefix or any(c in settings.prefix for c in "+#"):
        raise SettingsError(f"topic prefix: {settings.prefix!r} must be non-empty, no + or #")
    return settings


def parse_broker_address(text: str) -> tuple[str, int]:
    """`HOST:PORT` or `HOST` (port 1883); `[v6::addr]:PORT` for IPv6."""
    text = text.strip()
    if not text:
        raise SettingsError("broker address: must not be empty")
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port_text = rest.removeprefix(":") or str(DEFAULT_PORT)
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    else:
        host, port_text = text, str(DEFAULT_PORT)
    try:
        port = int(port_text)
    except ValueError:
        raise SettingsError(
            f"broker address {text!r}: port {port_text!r} is not a number"
        ) from None
    if not host or not 1 <= port <= 65535:
        raise SettingsError(f"broker address {text!r}: use HOST:PORT with a port 1–65535")
    return host, port


class SettingsStore:
    def __init__(self, path: pathlib.Path) -> None:
        self.path = path
        self.problems: list[str] = []

    def load(self) -> AppSettings:
        self.problems = []
        try:
            raw = json.loads(self.path.read_text())
        except FileNotFoundError:
            return AppSettings()
        except (OSError, ValueError) as error:
            self.problems.append(f"settings file unreadable, defaults used: {error}")
            return AppSettings()
        if not isinstance(raw, dict):
            self.problems.append("settings file is not a JSON object, defaults used")
            return AppSettings()
        settings = AppSettings()
        for item in fields(AppSettings):
            if item.name not in raw:
                continue
            candidate = coerce(raw[item.name], type(getattr(settings, item.name)))
            try:
                if candidate is None:
                    raise SettingsError("wrong type")
                changes: dict[str, Any] = {item.name: candidate}
                settings = checked(replace(settings, **changes))
            except SettingsError:
                self.problems.append(f"{item.name}: {raw[item.name]!r} ignored")
        return settings

    def save(self, settings: AppSettings) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(asdict(checked(settings)), indent=2) + "\n")
        # The file holds the broker password: owner-only, replaced atomically.
        os.chmod(tmp, 0o600)
        tmp.replace(self.path)


def coerce(value: object, kind: type) -> object:
    """The value as the setting's type, or None when it is of another type."""
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value if type(value) is kind else None
