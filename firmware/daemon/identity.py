"""Who the heater is on the network: firmware version, MAC address, hostname."""

from __future__ import annotations

import importlib.metadata
import re
import socket
import uuid

FALLBACK_VERSION = "0.0.0"


def firmware_version() -> str:
    try:
        return importlib.metadata.version("hearth")
    except importlib.metadata.PackageNotFoundError:
        return FALLBACK_VERSION


def mac_address() -> str:
    """The first interface's MAC, as AxeOS prints it (upper-case, colon-separated)."""
    node = uuid.getnode()
    return ":".join(f"{(node >> shift) & 0xFF:02X}" for shift in range(40, -1, -8))


def default_hostname(device_id: str) -> str:
    host = socket.gethostname().split(".")[0]
    if re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?", host):
        return host
    return re.sub(r"[^A-Za-z0-9-]", "-", device_id)[:32].strip("-") or "hearth"
