"""How the bridge reaches its broker: address, credentials, TLS, MQTT protocol."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Protocol = Literal["3.1.1", "5"]
PROTOCOLS: tuple[Protocol, ...] = ("3.1.1", "5")


@dataclass(frozen=True)
class TlsConfig:
    """TLS towards the broker. `ca_file=None` trusts the system's CA store.

    `insecure=True` skips the host-name check (a self-signed certificate on a broker
    reached by IP address); the chain is still verified against `ca_file`.
    """

    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    insecure: bool = False


@dataclass(frozen=True)
class BridgeConfig:
    host: str
    port: int = 1883
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: TlsConfig | None = None
    # None: "hearth-<device id>", stable across restarts, which a persistent session needs.
    client_id: str | None = None
    keepalive_s: int = 30
    # amqtt (the embedded broker) speaks 3.1.1 only; Mosquitto speaks both.
    protocol: Protocol = "3.1.1"
    reconnect_min_s: int = 1
    reconnect_max_s: int = 60
    # Telemetry-driven state updates at most this often; a `set` publishes at once.
    state_min_interval_s: float = 1.0
    # State is republished at least this often even when nothing changed (docs/mqtt.md, "state").
    state_heartbeat_s: float = 10.0
    # How often the bridge checks that its own subscriptions still deliver (a probe sent
    # to its `set` topic must come back), resubscribing when they do not.
    probe_interval_s: float = 30.0

    def __post_init__(self) -> None:
        problems = list(self.problems())
        if problems:
            raise ValueError("; ".join(problems))

    def problems(self) -> list[str]:
        found: list[str] = []
        if not self.host:
            found.append("mqtt host: must not be empty")
        if not 1 <= self.port <= 65535:
            found.append(f"mqtt port: {self.port!r} is not in 1..65535")
        if self.protocol not in PROTOCOLS:
            found.append(f"mqtt protocol: {self.protocol!r} is not one of {', '.join(PROTOCOLS)}")
        if not 5 <= self.keepalive_s <= 3600:
            found.append(f"mqtt keepalive_s: {self.keepalive_s!r} is not in 5..3600")
        if self.password is not None and self.username is None:
            found.append("mqtt password: given without a username")
        if not 1 <= self.reconnect_min_s <= self.reconnect_max_s <= 3600:
            found.append(
                f"mqtt reconnect_min_s/reconnect_max_s: {self.reconnect_min_s!r}/"
                f"{self.reconnect_max_s!r} must satisfy 1 <= min <= max <= 3600"
            )
        if not 0.0 <= self.state_min_interval_s <= self.state_heartbeat_s <= 10.0:
            found.append(
                f"mqtt state_min_interval_s/state_heartbeat_s: {self.state_min_interval_s!r}/"
                f"{self.state_heartbeat_s!r} must satisfy 0 <= min <= heartbeat <= 10"
            )
        if not 0.1 <= self.probe_interval_s <= 3600:
            found.append(f"mqtt probe_interval_s: {self.probe_interval_s!r} is not in 0.1..3600")
        if self.tls is not None and (self.tls.cert_file is None) != (self.tls.key_file is None):
            found.append("mqtt tls: cert_file and key_file go together")
        return found
