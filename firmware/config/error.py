"""The one error a bad configuration raises: it names the key, the value and what is allowed."""

from __future__ import annotations


class ConfigError(ValueError):
    """Start-up stops on this before anything is started (nothing half-configured)."""

    def __init__(self, key: str, value: object, allowed: str, source: str = "") -> None:
        self.key = key
        self.value = value
        self.allowed = allowed
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{key} = {_shown(key, value)}; allowed: {allowed}")


# Keys whose values are secrets: an error about them must not print the value either.
SECRET_KEYS = frozenset({"password", "token"})


def _shown(key: str, value: object) -> str:
    if key.rsplit(".", 1)[-1] in SECRET_KEYS and value is not None:
        return "'***'"
    return repr(value)
