"""What the heater announces: service types, instance name and TXT records (pure).

The TXT keys are the contract with the app (docs/discovery.md): `id`, `name`, `v`
(firmware version), `mqtt` ("HOST:PORT" of the broker as reachable from the LAN), `tls`
("0"/"1"), `prefix` (MQTT topic prefix), `pair` ("1" while a pairing code is open).
"""

from __future__ import annotations

from dataclasses import dataclass

HEARTH_TYPE = "_hearth._tcp.local."
HTTP_TYPE = "_http._tcp.local."
# A DNS label is at most 63 bytes (RFC 6763 §4.1.1: the instance name is one label).
MAX_LABEL_BYTES = 63


@dataclass(frozen=True)
class HeaterRecord:
    device_id: str
    name: str
    version: str
    http_port: int
    mqtt_host: str
    mqtt_port: int
    mqtt_tls: bool
    prefix: str

    def hearth_txt(self, *, pairing_open: bool) -> dict[str, str]:
        return {
            "id": self.device_id,
            "name": self.name,
            "v": self.version,
            "mqtt": f"{self.mqtt_host}:{self.mqtt_port}",
            "tls": "1" if self.mqtt_tls else "0",
            "prefix": self.prefix,
            "pair": "1" if pairing_open else "0",
        }

    @staticmethod
    def http_txt() -> dict[str, str]:
        return {"path": "/"}


def instance_name(name: str) -> str:
    """The heater's name as one DNS-SD instance label: cut to 63 bytes of UTF-8 on a
    character boundary (any character is allowed in an instance name)."""
    raw = name.strip().encode("utf-8")[:MAX_LABEL_BYTES]
    return raw.decode("utf-8", errors="ignore").strip() or "Hearth heater"


def host_label(device_id: str) -> str:
    """The heater's mDNS host name, `<id>.local.`."""
    return f"{device_id}.local."
