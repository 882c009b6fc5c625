"""Cross-site write refusal: a write must come from a page of the heater itself, or from
a program (which sends no `Origin`), whatever credential it carries.

A browser that remembers the owner's basic-auth password attaches it to any request a
hostile page makes to the heater, including a cross-site `text/plain` POST that needs no
pre-flight. Browsers always send `Origin` (and `Sec-Fetch-Site`) on such requests, so:
- `Origin`, when present, must name the very host and port of the request's `Host`;
- `Sec-Fetch-Site`, when present, must be `same-origin` or `none` (typed by the user);
- `Host` must be a name the heater answers to on a LAN: an IP literal, `localhost`, a
  single-label name or one under `.local`/`.lan`/`.home.arpa`. This stops DNS rebinding,
  where a hostile domain is made to resolve to the heater and Origin then equals Host.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

LAN_SUFFIXES = (".local", ".lan", ".home.arpa", ".localdomain")
SAME_SITE_FETCHES = frozenset({"same-origin", "none"})


def host_name(host_header: str) -> str:
    """The name part of a Host header (`[::1]:80` -> `::1`, `den.local:8080` -> `den.local`)."""
    if host_header.startswith("["):
        return host_header[1:].partition("]")[0]
    if host_header.count(":") == 1:
        return host_header.partition(":")[0]
    return host_header


def is_lan_host(host_header: str) -> bool:
    name = host_name(host_header).rstrip(".").lower()
    if not name:
        return False
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        pass
    return name == "localhost" or "." not in name or name.endswith(LAN_SUFFIXES)


def cross_site_refusal(host: str | None, origin: str | None, fetch_site: str | None) -> str | None:
    """Why this write is refused, or None when it may go ahead."""
    if host is None or not is_lan_host(host):
        return f"Host {host!r} is not a LAN name of this heater (DNS rebinding?)"
    if fetch_site is not None and fetch_site.lower() not in SAME_SITE_FETCHES:
        return f"cross-site write refused (Sec-Fetch-Site: {fetch_site[:40]})"
    if origin is not None:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or parts.netloc.lower() != host.lower():
            return f"cross-site write refused (Origin {origin[:80]!r} is not {host!r})"
    return None
