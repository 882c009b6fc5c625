"""Energy drawn (kWh, monotonic) integrated from the power the heater reports."""

from __future__ import annotations

import math
from typing import Any

SNAPSHOT_VERSION = 1


class EnergyMeter:
    """`max_step_s`: a gap longer than this (suspend, clock jump) is not integrated:
    better to miss a few watt-hours than to book hours of power that never happened."""

    def __init__(self, max_step_s: float = 60.0) -> None:
        self.max_step_s = max_step_s
        self.kwh = 0.0
        self._last: tuple[float, float] | None = None  # (time s, watts)

    def record(self, now_s: float, watts: float) -> None:
        """Power `watts` applies from `now_s` on; integrates the previous interval."""
        if self._last is not None:
            then, previous_w = self._last
            dt = now_s - then
            if 0 < dt <= self.max_step_s:
                self.kwh += previous_w * dt / 3_600_000.0
        self._last = (now_s, max(0.0, watts))

    def snapshot(self) -> dict[str, Any]:
        return {"version": SNAPSHOT_VERSION, "kwh": self.kwh}

    def restore(self, data: Any) -> None:
        if not isinstance(data, dict) or data.get("version") != SNAPSHOT_VERSION:
            raise ValueError("energy snapshot: not a version 1 object")
        kwh = data.get("kwh")
        if isinstance(kwh, bool) or not isinstance(kwh, int | float):
            raise ValueError(f"energy snapshot: kwh {kwh!r} is not a number")
        if not math.isfinite(kwh) or kwh < 0:
            raise ValueError(f"energy snapshot: kwh {kwh!r} must be finite and >= 0")
        self.kwh = float(kwh)
