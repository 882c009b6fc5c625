"""Reconnect delays: exponential with full jitter, so a fleet of heaters that lost the
same pool does not hammer it back in lock-step."""

from __future__ import annotations

import random


class Backoff:
    def __init__(self, rng: random.Random, initial_s: float, max_s: float) -> None:
        if not 0 < initial_s <= max_s:
            raise ValueError(f"backoff needs 0 < initial ({initial_s}) <= max ({max_s})")
        self._rng = rng
        self._initial = initial_s
        self._max = max_s
        self._attempt = 0

    def next_delay(self) -> float:
        """A delay in [initial/2, ceiling], the ceiling doubling per failure up to max."""
        ceiling = min(self._max, self._initial * 2**self._attempt)
        self._attempt = min(self._attempt + 1, 32)
        return self._rng.uniform(min(self._initial / 2, ceiling), ceiling)

    def reset(self) -> None:
        self._attempt = 0
