"""Per-app broker logins made by pairing (docs/discovery.md, "Pairing").

Each paired app gets its own user on the embedded broker, with the owner's topic rights
(`topic_policy.py`: commands only, never the heater's state). They are kept in
`<state_dir>/broker-apps.json` (0600) as username, the app's name, creation time and the
password's argon2 hash: the password itself is handed to the app once and stored nowhere
on the heater. Revoking a login removes it from that file and from the broker's user
database (`broker-passwd`).
"""

from __future__ import annotations

import json
import pathlib
import re
import secrets
from dataclasses import asdict, dataclass

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from firmware.broker.credentials import PASSWORD_BYTES, write_private_file

APPS_FILE = "broker-apps.json"
USERNAME_PREFIX = "app-"
# An app's username: the prefix and 8 random hex digits; nothing else is ever revoked.
USERNAME_RE = re.compile(r"app-[0-9a-f]{8}")
MAX_APPS = 32


@dataclass(frozen=True)
class AppLogin:
    username: str
    client: str  # the app's own name, as it gave it when pairing
    created: int  # unix seconds
    password_hash: str

    def public(self) -> dict[str, object]:
        return {"username": self.username, "client": self.client, "created": self.created}


class AppLogins:
    """The paired apps' logins, read from and written to the state directory."""

    def __init__(self, state_dir: pathlib.Path) -> None:
        self.path = state_dir / APPS_FILE
        self._logins: dict[str, AppLogin] = {login.username: login for login in self._read()}

    def _read(self) -> list[AppLogin]:
        try:
            rows = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        logins = []
        for row in rows if isinstance(rows, list) else []:
            try:
                login = AppLogin(**row)
            except TypeError:
                continue
            if USERNAME_RE.fullmatch(str(login.username)) and isinstance(login.password_hash, str):
                logins.append(login)
        return logins

    def all(self) -> list[AppLogin]:
        return sorted(self._logins.values(), key=lambda login: (login.created, login.username))

    def hashes(self) -> dict[str, str]:
        return {login.username: login.password_hash for login in self._logins.values()}

    def create(self, client: str, now: int) -> tuple[AppLogin, str]:
        """A new login for `client` and its password (argon2: call it off the event loop)."""
        if len(self._logins) >= MAX_APPS:
            raise ValueError(
                f"{MAX_APPS} apps are paired already: revoke one "
                "(DELETE /api/pair/clients/<username>) before pairing another"
            )
        username = USERNAME_PREFIX + secrets.token_hex(4)
        while username in self._logins:
            username = USERNAME_PREFIX + secrets.token_hex(4)
        password = secrets.token_urlsafe(PASSWORD_BYTES)
        digest = PasswordHash((Argon2Hasher(),)).hash(password)
        login = AppLogin(username, client, now, digest)
        self._logins[username] = login
        self._save()
        return login, password

    def revoke(self, username: str) -> bool:
        if self._logins.pop(username, None) is None:
            return False
        self._save()
        return True

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        rows = [asdict(login) for login in self.all()]
        write_private_file(self.path, json.dumps(rows, indent=2) + "\n")
