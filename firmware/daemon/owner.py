"""What the owner sets besides the heat settings: the hostname and the pool list, with
the rules for keeping them across restarts (docs/daemon.md, "Persistent store")."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from firmware.pool import PoolConfig
from firmware.store.secret_box import SecretBox

log = logging.getLogger(__name__)


def pools_fingerprint(pools: list[PoolConfig]) -> str:
    """A digest of a pool list (passwords included, never stored in clear by this)."""
    data = [[p.url, p.user, p.password, p.ca_file] for p in pools]
    return hashlib.sha256(json.dumps(data).encode()).hexdigest()


@dataclass
class OwnerData:
    hostname: str
    pools: list[PoolConfig]
    hostname_set: bool = False  # True once the owner named it over the HTTP API
    pools_edited: bool = False  # True once the owner changed the list over the HTTP API
    # The pool list as the config file (with provisioning) gives it: a list changed over
    # the HTTP API is kept only while this stays the same (see restore_pools).
    pools_base: str = field(default="")
    # Seals the pool passwords kept in the store (None: kept as they are, for tests).
    box: SecretBox | None = None

    def __post_init__(self) -> None:
        self.pools_base = pools_fingerprint(self.pools)

    def set_hostname(self, hostname: str) -> None:
        self.hostname = hostname
        self.hostname_set = True

    def set_pools(self, pools: list[PoolConfig]) -> None:
        self.pools = pools
        self.pools_edited = True

    def edited_pools(self, pools: tuple[tuple[str, str, str | None], ...]) -> list[PoolConfig]:
        """An API pool list as configs: a None password keeps the current one, and the CA
        file stays with its pool while the URL is the same."""
        current = dict(enumerate(self.pools))
        configs = []
        for i, (url, user, password) in enumerate(pools):
            keep = current[i].password if i in current else "x"
            ca_file = current[i].ca_file if i in current and current[i].url == url else ""
            configs.append(
                PoolConfig(url, user, keep if password is None else password, ca_file=ca_file)
            )
        return configs

    # ---- the store's `identity` and `pools` sections ----------------------------------

    def identity_section(self) -> dict[str, Any]:
        return {"hostname": self.hostname, "owner_set": self.hostname_set}

    def pools_section(self) -> dict[str, Any] | None:
        if not self.pools_edited:
            return None
        return {
            "base": self.pools_base,
            "list": [
                {
                    "url": p.url,
                    "user": p.user,
                    "password": self.box.seal(p.password) if self.box else p.password,
                    "ca_file": p.ca_file,
                }
                for p in self.pools
            ],
        }

    def restore_identity(self, data: Any) -> None:
        """A hostname the owner set over the API is kept; otherwise it follows the system
        (and the device id), as at first start."""
        if data.get("owner_set") is not True:
            return
        hostname = data["hostname"]
        if not isinstance(hostname, str) or not hostname:
            raise ValueError(f"hostname {hostname!r}")
        self.set_hostname(hostname)

    def restore_pools(self, data: Any) -> None:
        """A pool list the owner set over the HTTP API wins over the config file, until
        the config's own list (or `hearth provision`) changes: then the new config wins."""
        if not isinstance(data, dict):
            return  # an older store kept every list, edited or not: the config decides
        if data["base"] != self.pools_base:
            log.info("pools: the config file's list changed since the HTTP edit; using it")
            return
        pools = [
            PoolConfig(
                p["url"],
                p["user"],
                self.box.open(p["password"]) if self.box else p["password"],
                ca_file=p.get("ca_file", ""),
            )
            for p in data["list"]
        ]
        if not pools:
            raise ValueError("empty pool list")
        self.set_pools(pools)
