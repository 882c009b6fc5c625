"""The one error every validator raises: the key path, the value, and what is allowed.

    pool[0].url = 'htp://x': allowed: a stratum+tcp:// or stratum+ssl:// URL ...

The path is built from the inside out: a validator raises with an empty path, and each
`table` / `list_of` around it puts its key or index in front (`Invalid.at`). A source
(a file name) is put in front of the message when one is known (`Invalid.within`).
Values of secrets are never printed, nor passwords inside URLs (firmware.validation.mask).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self, TypeVar

from firmware.validation.mask import shown

# Keys whose values are secrets wherever they appear: an error about them never prints
# the value, even when the validator that refused it is not `secret()`.
SECRET_KEYS = frozenset(
    {"password", "token", "api_token", "pool_password", "mqtt_password", "wifi_password"}
)

Segment = str | int
E = TypeVar("E", bound="Invalid")


class Invalid(ValueError):
    """A value that is not allowed. Catch this (or ValueError) around any validation."""

    source_format = "{source}: "

    def __init__(
        self,
        path: Segment | Sequence[Segment],
        value: object,
        allowed: str,
        source: str = "",
        *,
        secret: bool = False,
    ) -> None:
        super().__init__(allowed)
        self.path: tuple[Segment, ...] = (path,) if isinstance(path, str | int) else tuple(path)
        self.value = value
        self.allowed = allowed
        self.source = source
        self.secret = secret

    @property
    def key(self) -> str:
        """The path as written in a message: `pool[0].url`, `schedule.mon[2].at`."""
        out = ""
        for segment in self.path:
            if isinstance(segment, int):
                out += f"[{segment}]"
            elif segment:
                out += f".{segment}" if out else segment
        return out or "value"

    def at(self, *segments: Segment) -> Self:
        """This error with `segments` put in front of its path."""
        return self._copy((*segments, *self.path), self.source)

    def within(self, source: str) -> Self:
        """This error naming the file (or other source) the value came from."""
        return self._copy(self.path, source)

    def as_(self, cls: type[E]) -> E:
        """The same error as a subclass (`ConfigError`, `BoardProfileError`)."""
        return cls(self.path, self.value, self.allowed, source=self.source, secret=self.secret)

    def _copy(self, path: tuple[Segment, ...], source: str) -> Self:
        return type(self)(path, self.value, self.allowed, source=source, secret=self.secret)

    def __str__(self) -> str:
        last = next((s for s in reversed(self.path) if isinstance(s, str)), "")
        value = shown(self.value, self.secret or last in SECRET_KEYS)
        where = self.source_format.format(source=self.source) if self.source else ""
        return f"{where}{self.key} = {value}: allowed: {self.allowed}"
