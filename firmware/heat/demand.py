"""Demand response: an outside party (the utility, a home energy manager, over MQTT)
asks the heater to shed load now, and later to restore it.

Policy:
* a signal caps electrical power at `limit_w` (0 = stop hashing) from the next control
  tick on, so load is shed within one tick (the daemon ticks every few seconds) and
  the planner drops to the new point at once (going down is never ramp-limited);
* every shed has an end: `duration_s` (at most `MAX_SHED_S`), so a lost "restore"
  message can never leave a house cold; a restore ends it early;
* restoring just lifts the cap; the planner ramps the chips back up within its limits;
* comfort has a floor: while shed, if the room falls below `frost_c` (default 7 °C)
  the cap is ignored, because frozen pipes cost more than any tariff.

The daemon builds `DemandSignal`s from the MQTT `demand` topic (the bridge's format,
docs/mqtt.md). `parse_signal` reads this library's own JSON form (benchmark, tests):
    {"limit_w": 0, "duration_s": 900}     shed to 0 W for 15 min
    {"limit_w": 150}                      cap at 150 W for the default 1 h
    {"restore": true}                     end the shed now
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_SHED_S = 3600.0
MAX_SHED_S = 4 * 3600.0
FROST_C = 7.0


@dataclass(frozen=True)
class DemandSignal:
    limit_w: float | None  # None = restore
    duration_s: float = DEFAULT_SHED_S


def parse_signal(payload: object) -> DemandSignal:
    """A demand-response message (already JSON-decoded); ValueError names what is wrong."""
    if not isinstance(payload, Mapping):
        raise ValueError(f"demand response = {payload!r}; allowed: a JSON object")
    if payload.get("restore") is True and set(payload) == {"restore"}:
        return DemandSignal(limit_w=None)
    unknown = sorted(set(payload) - {"limit_w", "duration_s"})
    if unknown:
        raise ValueError(
            f"demand response {unknown[0]} = {payload[unknown[0]]!r}; allowed keys: "
            'limit_w, duration_s (or {"restore": true} alone)'
        )
    if "limit_w" not in payload:
        raise ValueError("demand response limit_w missing; allowed: a number of watts >= 0")
    limit = payload["limit_w"]
    if (
        isinstance(limit, bool)
        or not isinstance(limit, int | float)
        or not math.isfinite(limit)
        or limit < 0
    ):
        raise ValueError(f"demand response limit_w = {limit!r}; allowed: a number of watts >= 0")
    duration = payload.get("duration_s", DEFAULT_SHED_S)
    if (
        isinstance(duration, bool)
        or not isinstance(duration, int | float)
        or not 0 < duration <= MAX_SHED_S
    ):
        raise ValueError(
            f"demand response duration_s = {duration!r}; allowed: 0 < seconds <= {MAX_SHED_S:.0f}"
        )
    return DemandSignal(limit_w=float(limit), duration_s=float(duration))


class DemandResponse:
    def __init__(self, frost_c: float = FROST_C) -> None:
        self.frost_c = frost_c
        self._limit_w: float | None = None
        self._until_s = -math.inf

    def apply(self, now_s: float, signal: DemandSignal) -> None:
        if signal.limit_w is None:
            self._limit_w, self._until_s = None, -math.inf
            return
        self._limit_w = signal.limit_w
        self._until_s = now_s + min(signal.duration_s, MAX_SHED_S)

    def limit_w(self, now_s: float, room_c: float) -> float | None:
        """The cap in force now, or None."""
        if self._limit_w is None or now_s >= self._until_s:
            self._limit_w = None
            return None
        if room_c < self.frost_c:
            return None
        return self._limit_w

    @property
    def shed_until_s(self) -> float | None:
        return None if self._limit_w is None else self._until_s
