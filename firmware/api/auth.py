"""Who may write: a bearer token or HTTP basic auth, unless the owner turned checks off.

Reads stay open on the LAN (AxeOS tools poll without credentials); every write
(PATCH, POST) needs one of the configured credentials.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from firmware.validation import Secret

REALM = "hearth"


@dataclass(frozen=True)
class WriteAuth:
    required: bool
    token: Secret
    username: str
    password: Secret
    # The owner's choice (`[http] axeos_lan_writes`): AxeOS endpoints take writes from
    # anyone on the LAN, as stock AxeOS does; Hearth's own endpoints never do.
    axeos_open: bool = False

    def allows(self, authorization: str | None) -> bool:
        if not self.required:
            return True
        if not authorization or not authorization.isascii():
            # Credentials are ASCII (base64, URL-safe tokens); other bytes are refused
            # here rather than failing deeper (a non-UTF-8 header once gave a 500).
            return False
        scheme, _, credentials = authorization.strip().partition(" ")
        credentials = credentials.strip()
        if scheme.lower() == "bearer":
            return self.token.matches(credentials)
        if scheme.lower() == "basic" and self.username:
            try:
                decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return False
            user, sep, password = decoded.partition(":")
            # Both halves compared in full whatever the first gives: no timing hint.
            user_ok = Secret(self.username).matches(user)
            password_ok = self.password.matches(password)
            return bool(sep) and user_ok and password_ok
        return False

    def challenge(self) -> str:
        schemes = []
        if self.username:
            schemes.append(f'Basic realm="{REALM}"')
        if self.token:
            schemes.append(f'Bearer realm="{REALM}"')
        return ", ".join(schemes) or f'Bearer realm="{REALM}"'
