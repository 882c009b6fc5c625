"""Heaters found on the LAN over mDNS/DNS-SD, and what pairing with one gives the app.

A heater advertises `_hearth._tcp` (docs/discovery.md): port = its HTTP API, TXT `id`,
`name`, `v`, `mqtt` ("HOST:PORT"), `tls` ("0"/"1"), `prefix`, `pair` ("1" while a code
is open). Pairing (`POST /api/pair` with the 6-digit code) answers
`{"id", "name", "mqtt": {"host", "port", "tls", "username", "password", "prefix"}}`.
Both come from the network: each is checked here and refused with a reason naming the
key, never half-used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from app.model.settings import SettingsError, parse_broker_address

HEARTH_SERVICE = "_hearth._tcp.local."
CODE_PATTERN = re.compile(r"\d{6}")


class FoundError(ValueError):
    """An advertisement or a pairing answer the app cannot use."""


@dataclass(frozen=True)
class FoundHeater:
    device_id: str
    name: str
    version: str
    http_host: str  # an address the service resolved to
    http_port: int
    mqtt_host: str
    mqtt_port: int
    tls: bool
    prefix: str
    pairing_open: bool

    @property
    def pair_url(self) -> str:
        host = f"[{self.http_host}]" if ":" in self.http_host else self.http_host
        return f"http://{host}:{self.http_port}/api/pair"


@dataclass(frozen=True)
class Pairing:
    """What pairing gave: where the heater's broker is and the app's own login."""

    device_id: str
    name: str
    host: str
    port: int
    tls: bool
    username: str
    password: str
    prefix: str


def text_of(txt: Mapping[bytes, bytes | None], key: str) -> str:
    raw = txt.get(key.encode())
    return "" if raw is None else raw.decode("utf-8", errors="replace").strip()


def found_from_service(
    instance: str, addresses: list[str], port: int | None, txt: Mapping[bytes, bytes | None]
) -> FoundHeater:
    """One resolved `_hearth._tcp` service (zeroconf's ServiceInfo parts) as a heater."""
    device_id = text_of(txt, "id")
    if not device_id:
        raise FoundError(f"{instance}: TXT id is missing")
    if not addresses or port is None or not 1 <= port <= 65535:
        raise FoundError(f"{instance}: no address or port to reach its HTTP API")
    try:
        mqtt_host, mqtt_port = parse_broker_address(text_of(txt, "mqtt"))
    except SettingsError as error:
        raise FoundError(f"{instance}: TXT mqtt: {error}") from None
    if mqtt_host in ("0.0.0.0", "::"):  # a wildcard bind: the broker is where the API is
        mqtt_host = addresses[0]
    prefix = text_of(txt, "prefix") or "hearth"
    if any(c in prefix for c in "+#"):
        raise FoundError(f"{instance}: TXT prefix {prefix!r} has + or #")
    return FoundHeater(
        device_id=device_id,
        name=text_of(txt, "name") or instance.removesuffix("." + HEARTH_SERVICE),
        version=text_of(txt, "v"),
        http_host=addresses[0],
        http_port=port,
        mqtt_host=mqtt_host,
        mqtt_port=mqtt_port,
        tls=text_of(txt, "tls") == "1",
        prefix=prefix,
        pairing_open=text_of(txt, "pair") == "1",
    )


def check_code(code: str) -> str:
    code = code.strip().replace(" ", "")
    if not CODE_PATTERN.fullmatch(code):
        raise FoundError(f"pairing code {code!r}: type the 6 digits shown on the heater")
    return code


def pairing_from_answer(answer: object) -> Pairing:
    """The `POST /api/pair` answer, checked key by key."""
    if not isinstance(answer, dict) or not isinstance(answer.get("mqtt"), dict):
        raise FoundError("pairing answer: not an object with an mqtt login")
    mqtt = answer["mqtt"]
    texts = {}
    for key in ("host", "username", "password"):
        value = mqtt.get(key)
        if not isinstance(value, str) or not value:
            raise FoundError(f"pairing answer: mqtt.{key} is missing or not text")
        texts[key] = value
    port = mqtt.get("port")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise FoundError(f"pairing answer: mqtt.port {port!r} is not 1–65535")
    prefix = mqtt.get("prefix", "hearth")
    if not isinstance(prefix, str) or not prefix or any(c in prefix for c in "+#"):
        raise FoundError(f"pairing answer: mqtt.prefix {prefix!r} is not a topic prefix")
    device_id, name = answer.get("id"), answer.get("name")
    return Pairing(
        device_id=device_id if isinstance(device_id, str) else "",
        name=name if isinstance(name, str) else "",
        host=texts["host"],
        port=port,
        tls=mqtt.get("tls") is True,
        username=texts["username"],
        password=texts["password"],
        prefix=prefix,
    )
