"""`RoomSensorWatch`: the outside sensor's last reading and its age, and what the control
loop heats on. Pure, clock injected (the control clock: simulated time under `hearth sim`).

A reading is fresh for `stale_s` after it arrived. Fresh: the thermostat uses it. Stale
(or none yet): the heater's own room sensor if it has one; with none, a bounded level,
`fallback_fraction` of the maximum power on average, never full power blind (below the
lowest hashing power it is duty-cycled at that power, with minimum on and off times). No reading for
`stale_s` (counted from the start when none ever came) is the alarm `room_sensor_stale`.
"""

from __future__ import annotations

from dataclasses import dataclass

from firmware.heat.duty_cycle import DutyCycler
from firmware.room_sensor.payload import parse_room_c

STALE_ALARM = "room_sensor_stale"
# The fallback's duty cycle below the lowest hashing power (control-clock seconds).
FALLBACK_MIN_ON_S = 300.0
FALLBACK_MIN_OFF_S = 300.0


@dataclass(frozen=True)
class RoomChoice:
    room_c: float | None  # what the thermostat heats on; None: hold the fallback level
    source: str  # "topic" | "heater" | "fallback"
    stale: bool  # no reading from the topic for stale_s: raise the alarm


class RoomSensorWatch:
    def __init__(
        self,
        field: str,
        stale_s: float,
        fallback_fraction: float,
        started_s: float = 0.0,
        *,
        min_on_s: float = FALLBACK_MIN_ON_S,
        min_off_s: float = FALLBACK_MIN_OFF_S,
    ) -> None:
        if stale_s <= 0:
            raise ValueError(f"stale_s must be positive, got {stale_s}")
        if not 0.0 <= fallback_fraction <= 1.0:
            raise ValueError(f"fallback_fraction must be in 0..1, got {fallback_fraction}")
        self.field = field
        self.stale_s = stale_s
        self.fallback_fraction = fallback_fraction
        self._started_s = started_s
        self._min_on_s, self._min_off_s = min_on_s, min_off_s
        self._duty: DutyCycler | None = None
        self._room_c: float | None = None
        self._at_s: float | None = None
        self.readings = 0  # accepted payloads
        self.refused = 0  # payloads that were not a reading
        self.last_error = ""

    def take(self, payload: bytes, now_s: float) -> float:
        """Parse and record one payload; a ValueError (kept in `last_error`) changes
        nothing, so a broken sensor goes stale rather than steering the heat."""
        try:
            room_c = parse_room_c(payload, self.field)
        except ValueError as exc:
            self.refused += 1
            self.last_error = str(exc)
            raise
        self.record(room_c, now_s)
        return room_c

    def record(self, room_c: float, now_s: float) -> None:
        self._room_c, self._at_s = room_c, now_s
        self.readings += 1

    def age_s(self, now_s: float) -> float:
        """Seconds since the last reading (since the start, when none came yet)."""
        return now_s - (self._at_s if self._at_s is not None else self._started_s)

    def fresh_c(self, now_s: float) -> float | None:
        if self._at_s is None or self.age_s(now_s) > self.stale_s:
            return None
        return self._room_c

    def choose(self, now_s: float, own_c: float | None) -> RoomChoice:
        """What to heat on now, given the heater's own room reading (None: it has none)."""
        stale = self.age_s(now_s) > self.stale_s
        fresh = self.fresh_c(now_s)
        if fresh is not None:
            return RoomChoice(fresh, "topic", stale=False)
        if own_c is not None:
            return RoomChoice(own_c, "heater", stale)
        return RoomChoice(None, "fallback", stale)

    def fallback_w(self, now_s: float, cap_w: float, max_w: float, min_w: float) -> float:
        """The fallback's watts now: `fallback_fraction` of `max_w` (within `cap_w`, the
        caps in force), or, where that is below the lowest hashing power `min_w`,
        `min_w` or 0 averaging to it."""
        if self._duty is None or self._duty.min_w != min_w:
            self._duty = DutyCycler(min_w, self._min_on_s, self._min_off_s)
        return self._duty.update(now_s, min(cap_w, self.fallback_fraction * max_w))
