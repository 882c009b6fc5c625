"""Open-window detection: a fast temperature drop while the heater keeps heating means
cold air is pouring in. Heating that air is waste, so the heater pauses.

The reading is lightly filtered (quantisation and noise would otherwise look like
drops). A drop of `drop_c` below the highest filtered value of the last `within_s`
pauses heating for `pause_s`, but only if the heater was on for that window and the
`lookback_s` before it, never turned down by more than `turn_down` of its power at the
start. In a small room the air follows the heater within minutes, so the heater's own
switch-off or turn-down (a relay test's low phase, the PID backing off, a lowered
target) drops the air fast too, for a while after the fact; with a window open the
thermostat turns *up*, so this tells the two apart. And the room must have
fallen below the target by half the drop: a room coming down from above its target
is the thermostat's business, not a window's. A drop that goes on during the pause
extends it.
"""

from __future__ import annotations

import math
from collections import deque


class WindowDetector:
    def __init__(
        self,
        drop_c: float = 0.6,
        within_s: float = 300.0,
        pause_s: float = 1200.0,
        filter_s: float = 30.0,
        turn_down: float = 0.1,
        lookback_s: float = 600.0,
    ) -> None:
        for key, value in (("drop_c", drop_c), ("within_s", within_s), ("pause_s", pause_s)):
            if not math.isfinite(value) or value <= 0:
                raise ValueError(f"window detector {key} = {value!r}; allowed: a number > 0")
        self.drop_c = drop_c
        self.within_s = within_s
        self.pause_s = pause_s
        self.filter_s = filter_s
        self.turn_down = turn_down
        self.lookback_s = lookback_s
        self.paused_until_s = -math.inf
        self.detections = 0
        self._filtered: float | None = None
        self._last_s: float | None = None
        self._history: deque[tuple[float, float, float]] = deque()  # (t, filtered, watts)

    def paused(self, now_s: float) -> bool:
        return now_s < self.paused_until_s

    def update(self, now_s: float, room_c: float, heater_w: float, target_c: float) -> bool:
        """Feed one reading, the watts the heater is putting out and the target it heats
        to; True while paused."""
        dt = 0.0 if self._last_s is None else max(0.0, now_s - self._last_s)
        self._last_s = now_s
        if self._filtered is None:
            self._filtered = room_c
        else:
            alpha = 1.0 if self.filter_s <= 0 else 1.0 - math.exp(-dt / self.filter_s)
            self._filtered += (room_c - self._filtered) * alpha
        history = self._history
        history.append((now_s, self._filtered, heater_w))
        span = self.within_s + self.lookback_s
        while len(history) > 1 and history[1][0] <= now_s - span:
            history.popleft()
        start_s, _, start_w = history[0]
        full_window = now_s - start_s >= span
        kept_heating = start_w > 0 and all(
            w >= start_w * (1.0 - self.turn_down) for _, _, w in history
        )
        peak = max(value for t, value, _ in history if t >= now_s - self.within_s)
        below = self._filtered <= target_c - self.drop_c / 2.0
        if full_window and kept_heating and below and peak - self._filtered >= self.drop_c:
            self.paused_until_s = now_s + self.pause_s
            self.detections += 1
            history.clear()
            history.append((now_s, self._filtered, heater_w))
        return self.paused(now_s)
