"""A secret string (pool password, broker password, API token) that never prints itself."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from firmware.validation.mask import MASK


@dataclass(frozen=True, repr=False)
class Secret:
    value: str

    def __repr__(self) -> str:
        return f"Secret({MASK!r})" if self.value else "Secret('')"

    def __str__(self) -> str:
        return MASK if self.value else ""

    def __bool__(self) -> bool:
        return bool(self.value)

    def matches(self, candidate: str) -> bool:
        """Constant-time comparison, so a wrong guess takes as long as a near miss."""
        return bool(self.value) and hmac.compare_digest(
            self.value.encode("utf-8"), candidate.encode("utf-8")
        )

    def masked(self) -> str:
        """What reads (HTTP, MQTT, logs) show instead of the value."""
        return MASK if self.value else ""
