"""The error a bad board profile file raises: it names the key, the value and what is allowed."""

from __future__ import annotations


class BoardProfileError(ValueError):
    """A board profile that cannot be used. Nothing is half-loaded: the loader raises
    before building any `BoardProfile`."""

    def __init__(self, source: str, key: str, value: object, allowed: str) -> None:
        self.source = source
        self.key = key
        self.value = value
        self.allowed = allowed
        super().__init__(f"board profile {source}: {key} = {value!r}; allowed: {allowed}")
