"""`RepeatFilter`: the same log line over and over is let through a few times, then counted.

Lines are "the same" when they come from the same logger at the same level with the same
format string (the arguments, say the junk a pool sent, may differ). In each window of
`window_s` seconds the first `burst` pass; the rest are dropped and counted, and the first
line after the window carries "(N similar lines suppressed in the last W s)". A hostile
peer sending 10 000 bad lines therefore costs a handful of log lines per window.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

WINDOW_S = 10.0
BURST = 5
# Distinct keys remembered; a flood of distinct format strings cannot grow memory.
MAX_KEYS = 512


@dataclass
class _Window:
    started: float
    passed: int = 0
    suppressed: int = 0


class RepeatFilter(logging.Filter):
    def __init__(
        self,
        window_s: float = WINDOW_S,
        burst: int = BURST,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.window_s = window_s
        self.burst = burst
        self._clock = clock
        self._windows: dict[tuple[str, int, str], _Window] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, str(record.msg))
        now = self._clock()
        window = self._windows.get(key)
        if window is None or now - window.started >= self.window_s:
            suppressed = window.suppressed if window is not None else 0
            if window is None and len(self._windows) >= MAX_KEYS:
                self._windows.pop(next(iter(self._windows)))
            self._windows[key] = _Window(started=now, passed=1)
            if suppressed:
                record.msg = (
                    f"{record.msg} ({suppressed} similar lines suppressed in the last "
                    f"{self.window_s:g} s)"
                )
            return True
        if window.passed < self.burst:
            window.passed += 1
            return True
        window.suppressed += 1
        return False
