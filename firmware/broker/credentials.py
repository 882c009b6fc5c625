"""Generated broker credentials, kept in the state directory across restarts.

Two files, both mode 0600:
- `broker-credentials.json` = {"host", "port", "username", "password"}: what a client
  (the app, `make app`, Home Assistant's set-up) needs to connect. Plain text because the
  owner must be able to read it; it never leaves the state directory.
- `broker-passwd`: `username:<argon2 hash>` lines, the user database of amqtt's
  FileAuthPlugin (the broker itself never holds the plain password on disk twice).
"""

from __future__ import annotations

import json
import os
import pathlib
import secrets
from dataclasses import asdict, dataclass

from pwdlib import PasswordHash
from pwdlib.exceptions import PwdlibError
from pwdlib.hashers.argon2 import Argon2Hasher

from firmware.store.atomic_file import write_atomic

CREDENTIALS_FILE = "broker-credentials.json"
PASSWORD_FILE = "broker-passwd"
DEFAULT_USERNAME = "hearth"
# 24 random bytes, URL-safe: typed into the app once, never guessed.
PASSWORD_BYTES = 24


@dataclass(frozen=True)
class BrokerCredentials:
    host: str
    port: int
    username: str
    password: str

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> BrokerCredentials:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("broker credentials: not a JSON object")
        host, port = data.get("host"), data.get("port")
        username, password = data.get("username"), data.get("password")
        if not isinstance(host, str) or not host:
            raise ValueError(f"broker credentials: host must be a non-empty string, got {host!r}")
        if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535:
            raise ValueError(f"broker credentials: port must be 0..65535, got {port!r}")
        if not isinstance(username, str) or not username or ":" in username:
            raise ValueError("broker credentials: username must be a non-empty string without ':'")
        if not isinstance(password, str) or not password:
            raise ValueError("broker credentials: password must be a non-empty string")
        return cls(host=host, port=port, username=username, password=password)


def write_private_file(path: pathlib.Path, text: str) -> None:
    """Atomic replace of a 0600 file: a power cut leaves the old or the new file, never half."""
    write_atomic(path, text.encode("utf-8"), keep_previous=False)


def load_or_create_credentials(state_dir: pathlib.Path, host: str, port: int) -> BrokerCredentials:
    """The stored credentials with `host`/`port` brought up to date, or new ones.

    An unreadable or corrupt file is replaced by fresh credentials (clients must then be
    given the new password) rather than leaving the heater without a broker.
    """
    path = state_dir / CREDENTIALS_FILE
    try:
        stored = BrokerCredentials.from_json(path.read_text(encoding="utf-8"))
        username, password = stored.username, stored.password
    except (OSError, ValueError):
        username, password = DEFAULT_USERNAME, secrets.token_urlsafe(PASSWORD_BYTES)
    credentials = BrokerCredentials(host=host, port=port, username=username, password=password)
    save_credentials(state_dir, credentials)
    return credentials


def save_credentials(state_dir: pathlib.Path, credentials: BrokerCredentials) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / CREDENTIALS_FILE
    try:
        current = path.read_text(encoding="utf-8")
    except OSError:
        current = None
    if current != credentials.to_json():
        write_private_file(path, credentials.to_json())
    os.chmod(path, 0o600)


def write_password_file(state_dir: pathlib.Path, credentials: BrokerCredentials) -> pathlib.Path:
    """The amqtt user database for `credentials`, re-hashed only when the password changed."""
    path = state_dir / PASSWORD_FILE
    hasher = PasswordHash((Argon2Hasher(),))
    try:
        user, _, stored_hash = path.read_text(encoding="utf-8").strip().partition(":")
        if user == credentials.username and hasher.verify(credentials.password, stored_hash):
            return path
    except (OSError, ValueError, PwdlibError):
        pass
    write_private_file(path, f"{credentials.username}:{hasher.hash(credentials.password)}\n")
    return path
