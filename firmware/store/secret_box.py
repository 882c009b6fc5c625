"""`SecretBox`: secrets the store must keep (pool passwords the owner set over the HTTP
API) sealed with a device key, so `store.json` never holds them in clear.

The key is 32 random bytes in `store.key` (0600) beside the store, made on first use.
This does not stop someone who can read the whole state directory (they have the key);
it keeps the passwords out of every copy of `store.json` alone: a backup, a support
bundle, a `cat` on screen. Sealing is Fernet (AES-128-CBC + HMAC-SHA256, the
`cryptography` package): a tampered or foreign token is refused, never half-read.
"""

from __future__ import annotations

import base64
import os
import pathlib

from cryptography.fernet import Fernet, InvalidToken

from firmware.store.atomic_file import write_atomic

KEY_FILE = "store.key"
SEALED_KEY = "sealed"


class SecretBox:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    @classmethod
    def in_dir(cls, state_dir: pathlib.Path) -> SecretBox:
        path = state_dir / KEY_FILE
        try:
            key = path.read_bytes()
        except FileNotFoundError:
            key = b""
        if len(key) != 32:
            key = os.urandom(32)
            state_dir.mkdir(parents=True, exist_ok=True)
            write_atomic(path, key, keep_previous=False)
        return cls(key)

    def seal(self, secret: str) -> dict[str, str]:
        return {SEALED_KEY: self._fernet.encrypt(secret.encode("utf-8")).decode("ascii")}

    def open(self, stored: object) -> str:
        """A sealed value back; a plain string (a store written before sealing) as is."""
        if isinstance(stored, str):
            return stored
        if not isinstance(stored, dict) or not isinstance(stored.get(SEALED_KEY), str):
            raise ValueError("a sealed secret must be {\"sealed\": token}")
        try:
            return self._fernet.decrypt(stored[SEALED_KEY].encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise ValueError("a sealed secret does not open with this device's key") from None
