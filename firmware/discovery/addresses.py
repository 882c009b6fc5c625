"""Which IPv4 addresses the heater advertises (and sends mDNS on).

An explicit `[discovery] address` wins. Otherwise the HTTP API's bind address where it
is a LAN address, or, bound to every interface, every non-loopback IPv4 address of the
machine. Loopback is never chosen on its own: nothing on the LAN can reach it, so a
heater (or a test) bound to 127.0.0.1 announces nothing unless told to.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

import ifaddr

WILDCARD = {"", "0.0.0.0", "::"}


def host_ipv4_addresses() -> list[str]:
    found = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if isinstance(ip.ip, str):
                found.append(ip.ip)
    return found


def advertised_addresses(
    configured: str, http_bind: str, candidates: Iterable[str] | None = None
) -> list[str]:
    if configured:
        return [configured]
    if http_bind not in WILDCARD:
        try:
            bound = ipaddress.IPv4Address(http_bind)
        except ValueError:
            return []  # a host name: its address is not ours to guess
        return [] if bound.is_loopback else [http_bind]
    pool = host_ipv4_addresses() if candidates is None else candidates
    return [a for a in dict.fromkeys(pool) if not ipaddress.IPv4Address(a).is_loopback]
