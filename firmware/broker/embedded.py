"""`EmbeddedBroker`: amqtt running inside the heater's own asyncio loop.

amqtt speaks MQTT 3.1.1 only (docs/mqtt.md, "The embedded broker"): clients, the bridge
included, must connect with protocol MQTTv311. Retained messages and persistent sessions
live in memory, so they last as long as the daemon does, which is as long as the broker
exists.

Hardening (docs/security.md): a CONNECT is authenticated before amqtt's session logic
sees it, connections are capped and must send CONNECT within a deadline
(`connect_guard.py`), and each user may only publish and subscribe what its role needs
(`topic_policy.py`): the heater logs in with its own user, the owner's credentials (the
app, Home Assistant) may send commands but never write the heater's state.
"""

from __future__ import annotations

import asyncio
import logging
import pathlib
import socket
from dataclasses import dataclass
from typing import Any

from firmware.broker.app_logins import AppLogin, AppLogins
from firmware.broker.connect_guard import GuardedBroker
from firmware.broker.credentials import (
    CREDENTIALS_FILE,
    BrokerCredentials,
    load_or_create_credentials,
    load_or_create_heater_login,
    save_credentials,
    write_password_file,
)

log = logging.getLogger(__name__)

DEFAULT_PORT = 1883
FILE_AUTH_PLUGIN = "firmware.broker.reloading_auth.ReloadingFileAuth"
ANONYMOUS_AUTH_PLUGIN = "amqtt.plugins.authentication.AnonymousAuthPlugin"
TOPIC_POLICY_PLUGIN = "firmware.broker.topic_policy.HearthTopicPolicy"
# Bound to every interface, the broker is reached locally through the loopback address.
WILDCARD_HOSTS = {"0.0.0.0", "::", ""}


@dataclass(frozen=True)
class BrokerInfo:
    """Where clients connect, and with what (username/password are None when auth is off).

    username/password are the owner's (app, Home Assistant); heater_username/password
    the heater's own, for its bridge only."""

    host: str
    port: int
    username: str | None
    password: str | None
    credentials_file: pathlib.Path | None
    heater_username: str | None = None
    heater_password: str | None = None

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"


def connect_host(bind_host: str) -> str:
    return "127.0.0.1" if bind_host in WILDCARD_HOSTS else bind_host


class EmbeddedBroker:
    """The heater's own broker. `port=0` picks a free port and reports it in `BrokerInfo`."""

    def __init__(
        self,
        state_dir: pathlib.Path | str,
        *,
        host: str = "0.0.0.0",
        port: int = DEFAULT_PORT,
        authentication: bool = True,
    ) -> None:
        if not 0 <= port <= 65535:
            raise ValueError(f"broker port must be 0..65535 (0 = any free port), got {port}")
        self.state_dir = pathlib.Path(state_dir)
        self.host = host
        self.port = port
        self.authentication = authentication
        self._broker: GuardedBroker | None = None
        self.info: BrokerInfo | None = None
        self.apps = AppLogins(self.state_dir)
        self._logins: tuple[tuple[str, str], ...] = ()

    def _config(self, password_file: pathlib.Path | None, heater_user: str) -> dict[str, Any]:
        plugins: dict[str, Any]
        if password_file is None:
            plugins = {ANONYMOUS_AUTH_PLUGIN: {"allow_anonymous": True}}
        else:
            plugins = {
                FILE_AUTH_PLUGIN: {"password_file": str(password_file)},
                TOPIC_POLICY_PLUGIN: {"heater_user": heater_user},
            }
        return {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}"}},
            "plugins": plugins,
        }

    async def start(self) -> BrokerInfo:
        if self._broker is not None:
            raise RuntimeError("embedded broker already started")
        self.state_dir.mkdir(parents=True, exist_ok=True)
        credentials: BrokerCredentials | None = None
        password_file: pathlib.Path | None = None
        heater: tuple[str, str] | None = None
        if self.authentication:
            credentials = load_or_create_credentials(
                self.state_dir, connect_host(self.host), self.port
            )
            heater = load_or_create_heater_login(self.state_dir)
            # Argon2 hashing takes a noticeable moment: keep it off the event loop.
            self._logins = ((credentials.username, credentials.password), heater)
            password_file = await asyncio.to_thread(
                write_password_file, self.state_dir, *self._logins, hashed=self.apps.hashes()
            )
        broker = GuardedBroker(self._config(password_file, heater[0] if heater else ""))
        await broker.start()
        self._broker = broker
        port = self._bound_port(broker)
        host = connect_host(self.host)
        credentials_file: pathlib.Path | None = None
        if credentials is not None:
            credentials = BrokerCredentials(host, port, credentials.username, credentials.password)
            save_credentials(self.state_dir, credentials)
            credentials_file = self.state_dir / CREDENTIALS_FILE
        self.info = BrokerInfo(
            host=host,
            port=port,
            username=credentials.username if credentials else None,
            password=credentials.password if credentials else None,
            credentials_file=credentials_file,
            heater_username=heater[0] if heater else None,
            heater_password=heater[1] if heater else None,
        )
        log.info(
            "embedded MQTT broker on %s (authentication %s)",
            self.info.url,
            "on" if credentials else "OFF",
        )
        return self.info

    # ---- paired apps (docs/discovery.md, "Pairing") ---------------------------------

    async def add_app(self, client: str, now: int) -> tuple[AppLogin, str]:
        """A new login for a paired app, usable from the next CONNECT on: (login, password)."""
        if not self._logins:
            raise RuntimeError("the embedded broker runs without authentication: nothing to pair")
        login, password = await asyncio.to_thread(self.apps.create, client, now)
        await self._write_users()
        return login, password

    async def revoke_app(self, username: str) -> bool:
        """Remove a paired app's login and drop its connections; False if there is none."""
        if not self.apps.revoke(username):
            return False
        await self._write_users()
        if self._broker is not None:
            await self._broker.disconnect_user(username)
        return True

    async def _write_users(self) -> None:
        await asyncio.to_thread(
            write_password_file, self.state_dir, *self._logins, hashed=self.apps.hashes()
        )

    @staticmethod
    def _bound_port(broker: GuardedBroker) -> int:
        server = broker._servers["default"].instance
        sockets = getattr(server, "sockets", None) or ()
        for sock in sockets:
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                port: int = sock.getsockname()[1]
                return port
        raise RuntimeError("embedded broker: listener has no TCP socket")

    async def stop(self) -> None:
        broker, self._broker = self._broker, None
        if broker is not None:
            await broker.shutdown()

    async def __aenter__(self) -> BrokerInfo:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
