"""The heat controller: everything between the owner's settings and the watts asked of
the power planner, once per control tick. Pure: the caller passes the monotonic time,
the local wall-clock time and the room reading, and applies the answer.

Each tick:
1. mode off → 0 W, action "off".
2. The owner's target: in `auto` with a non-empty schedule, the schedule's; otherwise
   the preset's, or `target_c` when the preset is "none".
3. Tariff shifting moves it within the comfort band (`firmware.heat.tariff`), clamped to
   5.0..30.0 °C and below the board's room limit.
4. The power cap in force is the lowest of the board's maximum and every `Cap` in the
   `CapStore` (firmware.heat.caps): `power_limit_w` ("owner"), the quiet-hours limit
   while they last ("quiet_hours"), and what outside inputs posted (MQTT demand,
   OpenADR, solar surplus); below the frost floor the grid's caps yield.
5. An open window (`WindowDetector`) or a cap below the board's lowest hashing power
   (`min_w`; caps are on instantaneous power) pauses heating: 0 W, action "idle", and
   the thermostat is not fed, so its integral keeps the room's load for when heating
   resumes.
6. Otherwise the thermostat answers within the cap, or solar surplus (`set_surplus`,
   firmware.grid.surplus) when that offers more: still within the cap.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from firmware.heat.caps import Cap, CapStore
from firmware.heat.demand import DemandSignal, demand_cap
from firmware.heat.settings import PRESET_TARGETS_C, HeatSettings
from firmware.heat.tariff import CheapHours, PriceSchedule, Tariff, target_offset_c
from firmware.heat.thermostat import Thermostat
from firmware.heat.window import WindowDetector
from firmware.validation import TARGET_MAX_C, TARGET_MIN_C

ACTIONS = ("heating", "idle", "off")
# A cap's source as the decision's reason (the owner's limit keeps its settings name).
REASONS = {"owner": "power_limit", "demand": "demand_response"}
SHIFTS = ("preheat", "coast")  # tariff shifting's reasons (firmware.heat.tariff)
# While pre-heating, full power (the cap) until the room is this close to the raised
# target; the thermostat holds it from there (tests/bench/bench_tariff.py chose it).
PREHEAT_FULL_BELOW_C = 0.3


@dataclass(frozen=True)
class HeatDecision:
    watts: float  # electrical watts for the planner: 0 or within [min_w, cap]
    action: str  # "heating" | "idle" | "off" (docs/mqtt.md, "state": `action`)
    target_c: float | None  # the effective target now; None when off
    owner_target_c: float | None  # before tariff shifting
    limit_w: float  # the cap in force
    limited_by: Cap | None  # the cap that sets `limit_w`; None: the board's maximum
    reasons: tuple[str, ...]  # why it is not simply following the target, e.g. "window_open"


class HeatController:
    def __init__(
        self,
        settings: HeatSettings,
        min_w: float,
        max_w: float,
        *,
        room_max_c: float = TARGET_MAX_C,
        thermostat: Thermostat | None = None,
        window: WindowDetector | None = None,
        caps: CapStore | None = None,
    ) -> None:
        self.settings = settings
        self.min_w = min_w
        self.max_w = max_w
        self.room_max_c = room_max_c
        self.thermostat = thermostat or Thermostat(min_w, max_w)
        self.window = window or WindowDetector()
        self.caps = caps or CapStore()
        self.prices: PriceSchedule | None = None
        # What solar surplus offers now (firmware.grid.surplus; 0 = nothing): heat with at
        # least this much, within the caps, while the surplus policy allows.
        self.surplus_w = 0.0
        self.last: HeatDecision | None = None

    # --- inputs besides the tick ----------------------------------------------------
    def update_settings(self, settings: HeatSettings) -> None:
        self.settings = settings

    def demand_response(
        self, now_s: float, signal: DemandSignal, *, time_scale: float = 1.0
    ) -> None:
        """`time_scale`: control-clock seconds per signal second (`hearth sim` speed)."""
        self.post_cap("demand", demand_cap(now_s, signal, time_scale=time_scale))

    def post_cap(self, source: str, cap: Cap | None) -> None:
        """An outside input's cap (None lifts `source`'s)."""
        if cap is None:
            self.caps.clear(source)
        else:
            self.caps.set(cap)

    def set_surplus(self, watts: float) -> None:
        """Solar surplus the heater may draw now (0: none), from the surplus policy."""
        self.surplus_w = max(0.0, watts)

    def set_prices(self, prices: PriceSchedule | None) -> None:
        """A known price schedule overrides the owner's cheap hours; None drops it."""
        self.prices = prices

    def prices_summary(self, local: datetime.datetime) -> dict[str, object] | None:
        """The price schedule in force as the state shows it (None: no schedule), with
        the shift the last decision made from it."""
        if self.prices is None:
            return None
        reasons = self.last.reasons if self.last is not None else ()
        shift = next((r for r in reasons if r in SHIFTS), None)
        return self.prices.summary(local, shift)

    # --- the tick ---------------------------------------------------------------------
    def owner_target_c(self, local: datetime.datetime) -> float | None:
        s = self.settings
        if s.mode == "off":
            return None
        if s.mode == "auto":
            scheduled = s.schedule.target_at(local.weekday(), local.hour * 60 + local.minute)
            if scheduled is not None:
                return scheduled
        if s.preset != "none":
            return PRESET_TARGETS_C[s.preset]
        return s.target_c

    def owner_caps(self, now_s: float, local: datetime.datetime) -> None:
        """Post the owner's own caps from the settings: `power_limit_w` and quiet hours
        (until they end, on the control clock)."""
        s = self.settings
        if s.power_limit_w > 0:
            self.caps.set(Cap("owner", s.power_limit_w, None))
        else:
            self.caps.clear("owner")
        quiet = s.quiet_hours
        minute = local.hour * 60 + local.minute
        if quiet is not None and quiet.active(minute):
            left_min = (quiet.end_min - minute) % (24 * 60) or 24 * 60
            until = now_s + left_min * 60.0 - local.second - local.microsecond / 1e6
            self.caps.set(Cap("quiet_hours", quiet.limit_w, until))
        else:
            self.caps.clear("quiet_hours")

    def limit_w(
        self, now_s: float, local: datetime.datetime, room_c: float | None
    ) -> tuple[float, Cap | None, list[str]]:
        """(the cap in force, the cap that sets it or None for the board's maximum, the
        reasons: every cap in force below the board's maximum)."""
        self.owner_caps(now_s, local)
        caps = [c for c in self.caps.in_force(now_s, room_c) if c.max_power_w < self.max_w]
        why = [REASONS.get(c.source, c.source) for c in caps]
        if not caps:
            return self.max_w, None, why
        return caps[0].max_power_w, caps[0], why

    def tick(self, now_s: float, local: datetime.datetime, room_c: float) -> HeatDecision:
        owner = self.owner_target_c(local)
        if owner is None:
            self.window.update(now_s, room_c, 0.0, TARGET_MIN_C)
            return self._decide(0.0, "off", None, None, 0.0, None, ())
        tariff: Tariff | None = self.prices or (
            CheapHours(self.settings.cheap_hours) if self.settings.cheap_hours else None
        )
        offset, shift = target_offset_c(tariff, local, self.settings.comfort_band_c)
        target = round(min(TARGET_MAX_C, self.room_max_c, max(TARGET_MIN_C, owner + offset)), 2)
        limit, by, reasons = self.limit_w(now_s, local, room_c)
        if shift is not None:
            reasons.append(shift)
        heater_w = self.last.watts if self.last is not None else 0.0
        if self.settings.window_detection and self.window.update(now_s, room_c, heater_w, target):
            reasons.append("window_open")
            return self._decide(0.0, "idle", target, owner, limit, by, tuple(reasons))
        if limit < self.min_w:
            # caps are on instantaneous power (a utility's limit, the fans' noise): a cap
            # the chips cannot run under means no heating, not bursts above the cap
            return self._decide(0.0, "idle", target, owner, limit, by, tuple(reasons))
        self.thermostat.limit_w = limit
        self.thermostat.hold_floor_when_lowered = shift != "coast"
        watts = self.thermostat.update(now_s, room_c, target)
        if shift == "preheat" and room_c < target - PREHEAT_FULL_BELOW_C:
            # Cheap power: store heat at the cap until close to the raised target (the
            # thermostat's gentle setpoint ramp is for comfort, not for storing heat).
            watts = limit
        if self.surplus_w > watts:
            # surplus first: the thermostat keeps at least its own demand, and surplus
            # the policy found spare (within target + band) is taken on top of it
            watts = min(limit, max(self.min_w, self.surplus_w))
            reasons.append("solar_surplus")
        action = "heating" if watts > 0 else "idle"
        return self._decide(watts, action, target, owner, limit, by, tuple(reasons))

    def _decide(
        self,
        watts: float,
        action: str,
        target: float | None,
        owner: float | None,
        limit: float,
        by: Cap | None,
        reasons: tuple[str, ...],
    ) -> HeatDecision:
        self.last = HeatDecision(watts, action, target, owner, limit, by, reasons)
        return self.last
