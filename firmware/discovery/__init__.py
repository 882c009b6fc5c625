"""mDNS/DNS-SD: the heater advertises `_hearth._tcp` and `_http._tcp` with
python-zeroconf so apps on the LAN find it (docs/discovery.md)."""

from firmware.discovery.addresses import advertised_addresses
from firmware.discovery.advertiser import Advertiser
from firmware.discovery.records import HEARTH_TYPE, HTTP_TYPE, HeaterRecord, instance_name

__all__ = [
    "HEARTH_TYPE",
    "HTTP_TYPE",
    "Advertiser",
    "HeaterRecord",
    "advertised_addresses",
    "instance_name",
]
