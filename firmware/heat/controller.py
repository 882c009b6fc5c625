"""The heat controller: everything between the owner's settings and the watts asked of
the power planner, once per control tick. Pure: the caller passes the monotonic time,
the local wall-clock time and the room reading, and applies the answer.

Each tick:
1. mode off → 0 W, action "off".
2. The owner's target: in `auto` with a non-empty schedule, the schedule's; otherwise
   the preset's, or `target_c` when the preset is "none".
3. Tariff shifting moves it within the comfort band (`firmware.heat.tariff`), clamped to
   5.0..30.0 °C and below the board's room limit.
4. The power cap in force is the lowest of: the board's maximum, `power_limit_w`, the
   quiet-hours limit while they last, and a demand-response limit while it lasts.
5. An open window (`WindowDetector`) or a cap below the board's lowest hashing power
   (`min_w`; caps are on instantaneous power) pauses heating: 0 W, action "idle", and
   the thermostat is not fed, so its integral keeps the room's load for when heating
   resumes.
6. Otherwise the thermostat answers within the cap.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from firmware.heat.demand import DemandResponse, DemandSignal
from firmware.heat.settings import PRESET_TARGETS_C, HeatSettings
from firmware.heat.tariff import CheapHours, PriceSchedule, Tariff, target_offset_c
from firmware.heat.thermostat import Thermostat
from firmware.heat.window import WindowDetector
from firmware.validation import TARGET_MAX_C, TARGET_MIN_C

ACTIONS = ("heating", "idle", "off")


@dataclass(frozen=True)
class HeatDecision:
    watts: float  # electrical watts for the planner: 0 or within [min_w, cap]
    action: str  # "heating" | "idle" | "off" (docs/mqtt.md, "state": `action`)
    target_c: float | None  # the effective target now; None when off
    owner_target_c: float | None  # before tariff shifting
    limit_w: float  # the cap in force
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
        demand: DemandResponse | None = None,
    ) -> None:
        self.settings = settings
        self.min_w = min_w
        self.max_w = max_w
        self.room_max_c = room_max_c
        self.thermostat = thermostat or Thermostat(min_w, max_w)
        self.window = window or WindowDetector()
        self.demand = demand or DemandResponse()
        self.prices: PriceSchedule | None = None
        self.last: HeatDecision | None = None

    # --- inputs besides the tick ----------------------------------------------------
    def update_settings(self, settings: HeatSettings) -> None:
        self.settings = settings

    def demand_response(
        self, now_s: float, signal: DemandSignal, *, time_scale: float = 1.0
    ) -> None:
        """`time_scale`: control-clock seconds per signal second (`hearth sim` speed)."""
        self.demand.apply(now_s, signal, time_scale=time_scale)

    def set_prices(self, prices: PriceSchedule | None) -> None:
        """A known price schedule overrides the owner's cheap hours; None drops it."""
        self.prices = prices

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

    def limit_w(
        self, now_s: float, local: datetime.datetime, room_c: float
    ) -> tuple[float, list[str]]:
        s = self.settings
        limit, why = self.max_w, []
        if 0 < s.power_limit_w < limit:
            limit = s.power_limit_w
            why.append("power_limit")
        quiet = s.quiet_hours
        if (
            quiet is not None
            and quiet.active(local.hour * 60 + local.minute)
            and quiet.limit_w < limit
        ):
            limit = quiet.limit_w
            why.append("quiet_hours")
        shed = self.demand.limit_w(now_s, room_c)
        if shed is not None and shed < limit:
            limit = shed
            why.append("demand_response")
        return limit, why

    def tick(self, now_s: float, local: datetime.datetime, room_c: float) -> HeatDecision:
        owner = self.owner_target_c(local)
        if owner is None:
            self.window.update(now_s, room_c, 0.0, TARGET_MIN_C)
            return self._decide(0.0, "off", None, None, 0.0, ())
        tariff: Tariff | None = self.prices or (
            CheapHours(self.settings.cheap_hours) if self.settings.cheap_hours else None
        )
        offset, shift = target_offset_c(tariff, local, self.settings.comfort_band_c)
        target = round(min(TARGET_MAX_C, self.room_max_c, max(TARGET_MIN_C, owner + offset)), 2)
        limit, reasons = self.limit_w(now_s, local, room_c)
        if shift is not None:
            reasons.append(shift)
        heater_w = self.last.watts if self.last is not None else 0.0
        if self.settings.window_detection and self.window.update(now_s, room_c, heater_w, target):
            reasons.append("window_open")
            return self._decide(0.0, "idle", target, owner, limit, tuple(reasons))
        if limit < self.min_w:
            # caps are on instantaneous power (a utility's limit, the fans' noise): a cap
            # the chips cannot run under means no heating, not bursts above the cap
            return self._decide(0.0, "idle", target, owner, limit, tuple(reasons))
        self.thermostat.limit_w = limit
        watts = self.thermostat.update(now_s, room_c, target)
        action = "heating" if watts > 0 else "idle"
        return self._decide(watts, action, target, owner, limit, tuple(reasons))

    def _decide(
        self,
        watts: float,
        action: str,
        target: float | None,
        owner: float | None,
        limit: float,
        reasons: tuple[str, ...],
    ) -> HeatDecision:
        self.last = HeatDecision(watts, action, target, owner, limit, reasons)
        return self.last
