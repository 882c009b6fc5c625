"""Below the board's lowest hashing power the heater can only be on (at `min_w`) or
off. A first-order sigma-delta modulator spreads the requested average over time, and
minimum on and off times keep the chips and the power stage from being cycled to death:

    owed += (requested − delivered)·dt
    off → on   once off for ≥ min_off_s and owed > 0
    on  → off  once on  for ≥ min_on_s  and owed < 0

It never returns anything strictly between 0 and `min_w`.
"""

from __future__ import annotations


class DutyCycler:
    def __init__(self, min_w: float, min_on_s: float, min_off_s: float) -> None:
        if min_w < 0 or min_on_s < 0 or min_off_s < 0:
            raise ValueError(
                f"duty cycler needs non-negative values: {min_w=}, {min_on_s=}, {min_off_s=}"
            )
        self.min_w = min_w
        self.min_on_s = min_on_s
        self.min_off_s = min_off_s
        self.on = False
        self.switched_s: float | None = None
        self.cycles = 0  # off → on transitions
        self._owed_j = 0.0
        self._last_s: float | None = None

    def update(self, now_s: float, requested_w: float, *, restart: bool = False) -> float:
        """Watts to apply, given a continuous request in [0, ∞). `restart`: the room
        needs heat now (too cold), so a minimum off time still running is cut short."""
        dt = 0.0 if self._last_s is None else max(0.0, now_s - self._last_s)
        self._last_s = now_s
        held = self.switched_s is not None and now_s - self.switched_s < (
            self.min_on_s if self.on else self.min_off_s
        )
        if restart and not self.on and requested_w > 0:
            held = False
            self._owed_j = max(self._owed_j, 1e-9)  # start at once
        if requested_w >= self.min_w and requested_w > 0:
            self._owed_j = 0.0
            if not self.on and held:
                return 0.0
            self._set(now_s, True)
            return requested_w
        delivered = self.min_w if self.on else 0.0
        self._owed_j += (requested_w - delivered) * dt
        # never owe more than one minimum on-time's worth either way: a long stretch of
        # zero demand must not be "paid back" by a long burst later, and vice versa
        cap = self.min_w * max(self.min_on_s, self.min_off_s, 1.0)
        self._owed_j = max(-cap, min(cap, self._owed_j))
        if not held:
            if self.on and (self._owed_j < 0 or requested_w <= 0):
                self._set(now_s, False)
            elif not self.on and self._owed_j > 0 and requested_w > 0:
                self._set(now_s, True)
        return self.min_w if self.on else 0.0

    def _set(self, now_s: float, on: bool) -> None:
        if on == self.on:
            return
        if on:
            self.cycles += 1
        self.on = on
        self.switched_s = now_s
