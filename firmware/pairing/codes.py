"""`PairingCodes`: one open 6-digit code at a time, valid for 5 minutes, good once.

Pure, with an injected clock. Guessing is bounded by tries, not by who asks (anyone on
the LAN may try, from any address): after `MAX_TRIES` wrong codes the open code is
burnt and every try is refused as too many until the owner asks for a new code, so a
guesser gets at most `MAX_TRIES` chances in a million per code the owner opens.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from firmware.validation import Secret

DIGITS = 6
LIFETIME_S = 300.0
MAX_TRIES = 5


class CodeRefused(Exception):
    """Wrong, expired or already used code (HTTP 403)."""


class TooManyTries(Exception):
    """The code was burnt by wrong tries (HTTP 429)."""


@dataclass
class _Open:
    code: str
    expires_at: float


class PairingCodes:
    def __init__(self, clock: Callable[[], float], *, lifetime_s: float = LIFETIME_S) -> None:
        self._clock = clock
        self.lifetime_s = lifetime_s
        self._open: _Open | None = None
        self._wrong = 0

    def current(self) -> tuple[str, float]:
        """The open code and its seconds left, opening a new one if none is open."""
        now = self._clock()
        if self._open is None or now >= self._open.expires_at or self._wrong >= MAX_TRIES:
            self._open = _Open(f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}", now + self.lifetime_s)
            self._wrong = 0
        return self._open.code, self._open.expires_at - now

    def is_open(self) -> bool:
        now = self._clock()
        return self._open is not None and now < self._open.expires_at and self._wrong < MAX_TRIES

    def redeem(self, code: str) -> None:
        """Accept `code` once (it is closed by this), else raise CodeRefused/TooManyTries."""
        if self._wrong >= MAX_TRIES:
            raise TooManyTries(
                f"{MAX_TRIES} wrong codes: pairing is closed until the owner shows a new code"
            )
        opened = self._open
        if opened is None or self._clock() >= opened.expires_at:
            self._open = None
            raise CodeRefused("no pairing code is open (it expired or was used): ask for a new one")
        if not Secret(opened.code).matches(code):
            self._wrong += 1
            raise CodeRefused("wrong pairing code")
        self._open = None
