"""Solar surplus following: heat with the power the house would otherwise export.

Pure, with an injected clock (control-clock seconds). The grid meter reads the house's
net power, import positive; the heater's own draw is inside that reading, so the power
that is really spare is

    surplus = heater draw - grid reading        (export 500 W while drawing 300 W: 800 W)

and following it does not chase its own tail: a heater that takes the surplus moves the
meter to zero, not the surplus.

`SurplusFollower.decide` answers how much the heater may draw from surplus now
(`heat_w`, 0 = nothing); the heat controller heats with the larger of that and the
thermostat's own demand, under every cap in force (docs/heat.md, "Solar surplus"):
- the surplus is smoothed (first-order, `smoothing_s`), so a cloud or a kettle is not
  followed second by second, and changes under `step_w` are not followed at all;
- it starts when the smoothed surplus reaches the chips' lowest power plus
  `start_margin_w`, the room is below the owner's target plus the comfort band (less
  `room_hysteresis_c`), and it has been off `min_off_s`;
- it stops when the surplus no longer covers the chips' lowest power (the meter says
  import: whatever the heater still draws above its own demand would be bought) or the
  room reached target plus band, once it has been on `min_on_s`; so the chips are not
  switched more often than that;
- a reading older than `stale_s`, or none, stops it at once: the plain thermostat.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class SurplusTuning:
    smoothing_s: float = 30.0
    min_on_s: float = 180.0
    min_off_s: float = 180.0
    start_margin_w: float = 30.0
    step_w: float = 20.0
    room_hysteresis_c: float = 0.2


@dataclass(frozen=True)
class SurplusDecision:
    surplus_w: float | None  # smoothed true surplus, W (>= 0); None: no fresh reading
    heat_w: float  # what the heater may draw from surplus now; 0 = nothing


class SurplusFollower:
    def __init__(
        self,
        min_w: float,
        max_w: float,
        *,
        stale_s: float,
        tuning: SurplusTuning | None = None,
    ) -> None:
        self.min_w = min_w
        self.max_w = max_w
        self.stale_s = stale_s
        self.tuning = tuning or SurplusTuning()
        self.grid_w: float | None = None  # the last reading
        self._smoothed: float | None = None
        self._read_at: float | None = None
        self._on = False
        self._switched_at = -math.inf
        self._heat_w = 0.0

    def reading(self, now_s: float, grid_w: float, heater_w: float) -> None:
        """A meter reading (W, import positive) and what the heater drew meanwhile."""
        sample = heater_w - grid_w
        if self._smoothed is None or not self.fresh(now_s):
            self._smoothed = sample
        else:
            assert self._read_at is not None
            dt = max(0.0, now_s - self._read_at)
            alpha = 1.0 - math.exp(-dt / self.tuning.smoothing_s)
            self._smoothed += alpha * (sample - self._smoothed)
        self.grid_w = grid_w
        self._read_at = now_s

    def fresh(self, now_s: float) -> bool:
        return self._read_at is not None and now_s - self._read_at <= self.stale_s

    def decide(
        self, now_s: float, room_c: float | None, target_c: float | None, band_c: float
    ) -> SurplusDecision:
        """`target_c`: the owner's target (None: heating is off); `band_c`: how far above
        it surplus may store heat (the owner's comfort band)."""
        if not self.fresh(now_s) or self._smoothed is None:
            self._switch(now_s, False)
            return SurplusDecision(None, 0.0)
        surplus = max(0.0, self._smoothed)
        if room_c is None or target_c is None:
            self._switch(now_s, False)
            return SurplusDecision(round(surplus, 1), 0.0)
        t = self.tuning
        ceiling = target_c + band_c
        held = now_s - self._switched_at < (t.min_on_s if self._on else t.min_off_s)
        if self._on and not held and (surplus < self.min_w or room_c >= ceiling):
            self._switch(now_s, False)
        elif (
            not self._on
            and not held
            and surplus >= self.min_w + t.start_margin_w
            and room_c < ceiling - t.room_hysteresis_c
        ):
            self._switch(now_s, True)
        if self._on:
            want = min(self.max_w, max(self.min_w, surplus))
            if abs(want - self._heat_w) >= t.step_w or want in (self.min_w, self.max_w):
                self._heat_w = want
        return SurplusDecision(round(surplus, 1), round(self._heat_w, 1))

    def _switch(self, now_s: float, on: bool) -> None:
        if on != self._on:
            self._on = on
            self._switched_at = now_s
        if not on:
            self._heat_w = 0.0
