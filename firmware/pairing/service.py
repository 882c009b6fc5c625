"""`PairingService`: what the HTTP pairing endpoints do, over the codes and the broker.

With the embedded broker, redeeming a code creates the app's own login there
(`firmware/broker/app_logins.py`) with the owner's topic rights; the owner lists and
revokes them. With an external broker the heater cannot make logins, and handing out
the owner's own broker password to whoever holds a code would make it unrevocable:
pairing is refused with a reason (HTTP 409) and the app is set up by hand.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from firmware.broker import EmbeddedBroker
from firmware.pairing.codes import PairingCodes


class PairingUnavailable(Exception):
    """This heater cannot pair apps (an external broker): HTTP 409 with the reason."""


@dataclass(frozen=True)
class MqttEndpoint:
    """Where a paired app connects: the broker as reachable from the LAN."""

    host: str
    port: int
    tls: bool
    prefix: str


class PairingService:
    def __init__(
        self,
        codes: PairingCodes,
        broker: EmbeddedBroker | None,
        endpoint: MqttEndpoint,
        *,
        device_id: str,
        name: str,
        wall_clock: Callable[[], float] = time.time,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self.codes = codes
        self.broker = broker
        self.endpoint = endpoint
        self.device_id = device_id
        self.name = name
        self._wall_clock = wall_clock
        self._on_change = on_change
        self._expiry: asyncio.TimerHandle | None = None

    def _require_broker(self) -> EmbeddedBroker:
        if self.broker is None:
            raise PairingUnavailable(
                f"this heater uses the external broker {self.endpoint.host}:"
                f"{self.endpoint.port}, where it cannot create logins: enter that broker's "
                "address and credentials in the app by hand"
            )
        return self.broker

    def is_open(self) -> bool:
        return self.broker is not None and self.codes.is_open()

    def code(self) -> dict[str, object]:
        """The open code (a new one if none is open) and its seconds left."""
        self._require_broker()
        was_open = self.codes.is_open()
        code, left = self.codes.current()
        if self._expiry is not None:
            self._expiry.cancel()
        # Announce the close when it expires (mDNS TXT pair="0").
        self._expiry = asyncio.get_running_loop().call_later(left, self._on_change)
        if not was_open:
            self._on_change()
        return {"code": code, "expires_in_s": round(left)}

    async def pair(self, code: str, client: str) -> dict[str, object]:
        """The app's new login for a good code; CodeRefused/TooManyTries otherwise."""
        broker = self._require_broker()
        try:
            self.codes.redeem(code)
        finally:
            if not self.codes.is_open():
                self._on_change()
        login, password = await broker.add_app(client, int(self._wall_clock()))
        return {
            "id": self.device_id,
            "name": self.name,
            "mqtt": {
                "host": self.endpoint.host,
                "port": self.endpoint.port,
                "tls": self.endpoint.tls,
                "username": login.username,
                "password": password,
                "prefix": self.endpoint.prefix,
            },
        }

    def clients(self) -> list[dict[str, object]]:
        return [login.public() for login in self._require_broker().apps.all()]

    async def revoke(self, username: str) -> bool:
        return await self._require_broker().revoke_app(username)
