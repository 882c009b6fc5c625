"""Where to mine: a pool URL and credentials, parsed once and checked before use."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from firmware.validation import POOL_SCHEMES, Invalid, pool_url

# URL schemes the client speaks, and whether each wraps the TCP stream in TLS.
SCHEMES: dict[str, bool] = {scheme: scheme == "stratum+ssl" for scheme in POOL_SCHEMES}
_POOL_URL = pool_url()


class PoolConfigError(ValueError):
    """A pool URL or credential that cannot be used; the message names the value."""


@dataclass(frozen=True)
class PoolConfig:
    """One pool in the failover list. The password never appears in repr or logs."""

    url: str
    user: str
    password: str = field(default="x", repr=False)
    # A CA certificate (PEM) trusted for this pool besides the system's: a self-hosted
    # stratum+ssl pool with its own certificate. "" = the system's trust store only.
    ca_file: str = ""
    host: str = field(init=False, default="", compare=False)
    port: int = field(init=False, default=0, compare=False)
    tls: bool = field(init=False, default=False, compare=False)

    def __post_init__(self) -> None:
        host, port, tls = parse_pool_url(self.url)
        if not isinstance(self.user, str) or not self.user.strip():
            raise PoolConfigError(f"pool user for {self.url!r} must be a non-empty string")
        if not isinstance(self.password, str):
            raise PoolConfigError(f"pool password for {self.url!r} must be a string")
        if self.ca_file and not tls:
            raise PoolConfigError(f"pool {self.url!r}: ca_file is for stratum+ssl pools only")
        object.__setattr__(self, "host", host)
        object.__setattr__(self, "port", port)
        object.__setattr__(self, "tls", tls)

    def __str__(self) -> str:
        return f"{self.url} as {self.user}"


def parse_pool_url(url: str) -> tuple[str, int, bool]:
    """`stratum+tcp://host:port` or `stratum+ssl://host:port` -> (host, port, tls), by the
    one pool URL rule (firmware.validation.pool_url); a password in the URL is masked in
    the error."""
    try:
        _POOL_URL(url)
    except Invalid as exc:
        raise PoolConfigError(str(exc.at("pool URL"))) from None
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None  # the rule checked both
    return parts.hostname, parts.port, SCHEMES[parts.scheme]
