"""Sees a loop hunting: the filtered error swinging from one side of ±band to the other
again and again, each swing faster than `max_half_period_s`. One overshoot after a
setpoint step is one or two swings; a loop whose gain is too high keeps going."""

from __future__ import annotations


class HuntingMonitor:
    def __init__(self, band_c: float, max_half_period_s: float, swings: int = 5) -> None:
        self.band_c = band_c
        self.max_half_period_s = max_half_period_s
        self.swings = swings
        self._side = 0
        self._times: list[float] = []

    def reset(self) -> None:
        self._side = 0
        self._times.clear()

    def feed(self, now_s: float, error_c: float) -> bool:
        """True once the loop is judged to hunt (and the monitor starts over)."""
        side = 1 if error_c > self.band_c else -1 if error_c < -self.band_c else 0
        if side == 0 or side == self._side:
            return False
        if self._times and now_s - self._times[-1] > self.max_half_period_s:
            self._times.clear()
        self._side = side
        self._times.append(now_s)
        if len(self._times) > self.swings:
            self.reset()
            return True
        return False
