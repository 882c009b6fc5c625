"""Generated broker credentials, kept in the state directory across restarts.

Two files, both mode 0600:
- `broker-credentials.json` = {"host", "port", "username", "password"}: what a client
  (the app, `make app`, Home Assistant's set-up) needs to connect. Plain text because the
  owner must be able to read it; it never leaves the state directory.
- `broker-heater.json` = {"username", "password"}: the heater's own user, the only one
  allowed to write state, availability, results and discovery (`topic_policy.py`). Not
  for the owner: whoever holds it could impersonate the heater.
- `broker-passwd`: `username:<argon2 hash>` lines, the user database of amqtt's
  FileAuthPlugin (the broker itself never holds the plain password on disk twice),
  paired apps' users included (`app_logins.py`).
"""

from __future__ import annotations

import json
import os
import pathlib
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from pwdlib import PasswordHash
from pwdlib.exceptions import PwdlibError
from pwdlib.hashers.argon2 import Argon2Hasher

from firmware.store.atomic_file import write_atomic

CREDENTIALS_FILE = "broker-credentials.json"
PASSWORD_FILE = "broker-passwd"
HEATER_FILE = "broker-heater.json"
DEFAULT_USERNAME = "hearth"
HEATER_USERNAME = "hearth-heater"
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


def load_or_create_heater_login(state_dir: pathlib.Path) -> tuple[str, str]:
    """The heater's own (username, password), created once (0600)."""
    path = state_dir / HEATER_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        username, password = data["username"], data["password"]
        if isinstance(username, str) and isinstance(password, str) and username and password:
            return username, password
    except (OSError, ValueError, TypeError, KeyError):
        pass
    username, password = HEATER_USERNAME, secrets.token_urlsafe(PASSWORD_BYTES)
    state_dir.mkdir(parents=True, exist_ok=True)
    write_private_file(path, json.dumps({"username": username, "password": password}) + "\n")
    return username, password


def write_password_file(
    state_dir: pathlib.Path,
    *logins: tuple[str, str],
    hashed: Mapping[str, str] | None = None,
) -> pathlib.Path:
    """The amqtt user database for `logins` (username, password), re-hashed only when a
    user or password changed, plus `hashed` users (username → argon2 hash: paired apps,
    whose passwords the heater does not keep)."""
    path = state_dir / PASSWORD_FILE
    hasher = PasswordHash((Argon2Hasher(),))
    extra = dict(hashed or {})
    try:
        stored = dict(
            line.partition(":")[::2]
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        )
        if (
            set(stored) == {user for user, _ in logins} | set(extra)
            and all(stored[user] == digest for user, digest in extra.items())
            and all(hasher.verify(password, stored[user]) for user, password in logins)
        ):
            return path
    except (OSError, ValueError, PwdlibError):
        stored = {}
    kept = {
        user: stored[user]
        for user, password in logins
        if user in stored and _verifies(hasher, password, stored[user])
    }
    text = "".join(
        f"{user}:{kept.get(user) or hasher.hash(password)}\n" for user, password in logins
    )
    text += "".join(f"{user}:{digest}\n" for user, digest in extra.items())
    write_private_file(path, text)
    return path


def _verifies(hasher: PasswordHash, password: str, digest: str) -> bool:
    try:
        return hasher.verify(password, digest)
    except (ValueError, PwdlibError):
        return False
