"""mDNS/DNS-SD: the heater advertises `_hearth._tcp` and `_http._tcp` with
python-zeroconf so apps on the LAN find it (docs/discovery.md).

`Advertiser` is imported on first use: python-zeroconf (~10 MB resident) loads only in
a heater that really advertises, not in one bound to loopback or with `mdns = false`."""

from typing import TYPE_CHECKING, Any

from firmware.discovery.addresses import advertised_addresses
from firmware.discovery.records import HEARTH_TYPE, HTTP_TYPE, HeaterRecord, instance_name

if TYPE_CHECKING:
    from firmware.discovery.advertiser import Advertiser


def __getattr__(name: str) -> Any:
    if name == "Advertiser":
        from firmware.discovery.advertiser import Advertiser

        return Advertiser
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "HEARTH_TYPE",
    "HTTP_TYPE",
    "Advertiser",
    "HeaterRecord",
    "advertised_addresses",
    "instance_name",
]
