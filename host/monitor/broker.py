"""Which broker the monitor connects to: `--broker HOST:PORT`, or the virtual heater's
embedded broker, whose credentials it writes to state/sim/broker-credentials.json."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

VIRTUAL_HEATER_CREDENTIALS = Path("state/sim/broker-credentials.json")
DEFAULT_MQTT_PORT = 1883


class BrokerChoiceError(ValueError):
    """Why no broker could be chosen, worded for the person at the terminal."""


@dataclass(frozen=True)
class BrokerTarget:
    host: str
    port: int
    username: str | None = None
    password: str | None = None


def parse_address(text: str) -> tuple[str, int]:
    """`host`, `host:port`, `[v6]:port`."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    else:
        host, port_text = text, ""
    if not host:
        raise BrokerChoiceError(f"no host in broker address {text!r}")
    if not port_text:
        return host, DEFAULT_MQTT_PORT
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise BrokerChoiceError(f"bad port in broker address {text!r}")
    return host, int(port_text)


def choose_broker(
    address: str | None,
    username: str | None,
    password: str | None,
    credentials: Path = VIRTUAL_HEATER_CREDENTIALS,
) -> BrokerTarget:
    if address is not None:
        host, port = parse_address(address)
        return BrokerTarget(host, port, username, password)
    try:
        raw = json.loads(credentials.read_text())
    except FileNotFoundError:
        raise BrokerChoiceError(
            f"no --broker given and {credentials} does not exist: start the virtual heater "
            "(make run) or pass --broker HOST:PORT"
        ) from None
    except (OSError, ValueError) as exc:
        raise BrokerChoiceError(f"cannot read {credentials}: {exc}") from None
    if not isinstance(raw, dict):
        raise BrokerChoiceError(f"{credentials} is not a JSON object")
    saved_host, saved_port = raw.get("host"), raw.get("port")
    user, secret = raw.get("username"), raw.get("password")
    if (
        not isinstance(saved_host, str)
        or not isinstance(saved_port, int)
        or isinstance(saved_port, bool)
    ):
        raise BrokerChoiceError(f"{credentials} lacks a host and port")
    return BrokerTarget(
        saved_host,
        saved_port,
        username if username is not None else user if isinstance(user, str) else None,
        password if password is not None else secret if isinstance(secret, str) else None,
    )
