"""Hashrate over a sliding window, with an injected clock so tests need no sleeping."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable


class RateMeter:
    def __init__(self, clock: Callable[[], float], window_s: float = 10.0) -> None:
        if window_s <= 0:
            raise ValueError(f"window_s must be positive, got {window_s}")
        self._clock = clock
        self._window_s = window_s
        self._started = clock()
        self._events: deque[tuple[float, int]] = deque()
        self._lock = threading.Lock()

    def add(self, hashes: int) -> None:
        with self._lock:
            self._events.append((self._clock(), hashes))

    def rate(self) -> float:
        """Hashes per second over the last window (or since the meter started)."""
        now = self._clock()
        with self._lock:
            while self._events and self._events[0][0] <= now - self._window_s:
                self._events.popleft()
            total = sum(hashes for _, hashes in self._events)
        span = min(self._window_s, now - self._started)
        return total / span if span > 0 else 0.0
