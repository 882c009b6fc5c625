"""The level mapper: the thermostat's continuous watts → one of the miner's settings, so
that the average power follows the demand without wearing the miner. Pure: the caller
passes the monotonic time.

Between two neighbouring settings `lo` ≤ demand ≤ `hi` a first-order sigma-delta
modulator chooses, as `firmware.heat.duty_cycle` does for the Hearth board:

    owed += (demand − delivered)·dt          (clamped to ± span·dwell, no wind-up)
    go to hi once owed > 0, go to lo once owed < 0, each only when the dwell allows

Dwell (`firmware.miner.actuators.ChangeLimits`): stopped ≥ `min_off_s` before starting,
started ≥ `min_on_s` before stopping, ≥ `min_level_s` between changes while hashing, and
never less than 3600 / `max_changes_per_h` between any two changes, so the sliding-hour
count stays within the limit in steady state; a change the count would exceed waits.
An owner's "off" (`owner_off=True`) goes through at once, whatever the dwell; it is
counted too. A power target goes straight to the demand (rounded to its step) when it
differs from the current target by more than `retarget_w`.
"""

from __future__ import annotations

from collections import deque

from firmware.miner.actuators import Actuator, Setting

HOUR_S = 3600.0


class LevelMapper:
    def __init__(self, actuator: Actuator, retarget_fraction: float = 0.02) -> None:
        if not 0 <= retarget_fraction < 1:
            raise ValueError(f"retarget_fraction must be within [0, 1), got {retarget_fraction}")
        self.actuator = actuator
        self.retarget_w = max(actuator.step_w, retarget_fraction * actuator.max_w)
        self.current: Setting = actuator.off
        self.changed_s: float | None = None  # last change of any kind
        self.started_s: float | None = None  # last off → on
        self._owed_j = 0.0
        self._last_s: float | None = None
        self._changes: deque[float] = deque()
        limits = actuator.limits
        spacing = HOUR_S / limits.max_changes_per_h
        self._on_dwell_s = max(limits.min_on_s, spacing)
        self._off_dwell_s = max(limits.min_off_s, spacing)
        self._level_dwell_s = max(limits.min_level_s, spacing)

    def changes_last_hour(self, now_s: float) -> int:
        self._forget(now_s)
        return len(self._changes)

    def update(self, now_s: float, demand_w: float, owner_off: bool = False) -> Setting:
        """The setting the miner should be at now."""
        act = self.actuator
        dt = 0.0 if self._last_s is None else max(0.0, now_s - self._last_s)
        self._last_s = now_s
        demand = min(max(demand_w, act.off.watts), act.max_w)
        if owner_off:
            self._owed_j = 0.0
            if not self.current.off:
                self._switch(act.off, now_s)
            return self.current
        self._owed_j += (demand - self.current.watts) * dt
        lo, hi = act.bracket(demand)
        if lo == hi:
            self._owed_j = 0.0
            want = lo
            if (
                act.continuous
                and not want.off
                and not self.current.off
                and abs(want.watts - self.current.watts) <= self.retarget_w
                and want.watts != act.max_w
            ):
                want = self.current  # close enough: no change for a few watts
        else:
            cap = (hi.watts - lo.watts) * max(self._on_dwell_s, self._off_dwell_s)
            self._owed_j = min(max(self._owed_j, -cap), cap)
            if self._owed_j > 0:
                want = hi
            elif self._owed_j < 0 or self.current not in (lo, hi):
                want = lo
            else:
                want = self.current
        if want != self.current and self._allowed(want, now_s):
            self._switch(want, now_s)
        return self.current

    def _allowed(self, want: Setting, now_s: float) -> bool:
        if self.changes_last_hour(now_s) >= self.actuator.limits.max_changes_per_h:
            return False
        if self.changed_s is None:
            return True
        if self.current.off:
            return now_s - self.changed_s >= self._off_dwell_s
        if want.off:
            started = self.started_s if self.started_s is not None else self.changed_s
            return (
                now_s - started >= self._on_dwell_s
                and now_s - self.changed_s >= self._level_dwell_s
            )
        return now_s - self.changed_s >= self._level_dwell_s

    def _switch(self, setting: Setting, now_s: float) -> None:
        if self.current.off and not setting.off:
            self.started_s = now_s
        self.current = setting
        self.changed_s = now_s
        self._changes.append(now_s)

    def _forget(self, now_s: float) -> None:
        while self._changes and self._changes[0] <= now_s - HOUR_S:
            self._changes.popleft()
