"""What the virtual heater prepares for hearthd's embedded broker before starting it.

hearthd's embedded broker keeps the username and password it finds in
`<state_dir>/broker-credentials.json` (firmware/broker/credentials.py) and only
generates them when that file is missing. So:

- `--mqtt-user U --mqtt-password P` with the embedded broker are written there first:
  the broker then serves exactly that login (a device has no such flags; its owner reads
  the generated one).
- the port of the last run is used again when it is free, so an app or `hearth monitor`
  left running (paho reconnects by itself) finds a restarted `make run` where it was.
"""

from __future__ import annotations

import pathlib
import socket

from firmware.broker import CREDENTIALS_FILE, BrokerCredentials
from firmware.broker.credentials import save_credentials

LOOPBACK = "127.0.0.1"


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        # As the broker's own listener (asyncio) does: a connection of the last run left
        # in TIME_WAIT does not hold the port.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def any_free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def stored_credentials(state_dir: pathlib.Path) -> BrokerCredentials | None:
    try:
        return BrokerCredentials.from_json((state_dir / CREDENTIALS_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None


def embedded_port(state_dir: pathlib.Path) -> int:
    """The last run's broker port if nothing holds it now, else any free port."""
    stored = stored_credentials(state_dir)
    if stored is not None and 1024 <= stored.port <= 65535 and port_is_free(stored.port):
        return stored.port
    return any_free_port()


def seed_login(state_dir: pathlib.Path, port: int, username: str, password: str) -> None:
    """Make the embedded broker serve `username`/`password` (it keeps what it finds)."""
    save_credentials(state_dir, BrokerCredentials(LOOPBACK, port, username, password))
