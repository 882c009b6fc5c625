"""The owner's heat settings and the one rule for changing them.

`HeatSettings` is what the owner sets (MQTT `set`, HTTP, the app) and what is persisted;
`apply_update` applies a patch all-or-nothing: the patch is merged into the current
settings and the whole result is validated, so either every key applies or a
`Invalid` (a ValueError, firmware.validation) names the first bad key, its value and
what is allowed, and the current
settings (immutable) are untouched. Safety limits are not settings: they live in the
supervisor and the board profile and cannot be reached from here.

JSON keys (all optional in a patch; see docs/heat.md):

    mode            "off" | "heat" | "auto" (auto = follow the schedule)
    preset          "comfort" | "eco" | "boost" | "away" | "none"
    target_c        5.0..30.0 in 0.1 steps (setting it alone also sets preset "none",
                    as turning a thermostat's dial leaves its preset)
    power_limit_w   0 (no cap: the board's maximum) or a cap in watts up to it
    schedule        weekly setpoints, see firmware.heat.schedule
    quiet_hours     null or {"from": "HH:MM", "to": "HH:MM", "limit_w": W}: a lower
                    power cap (fan noise follows power) for those hours, daily
    window_detection true | false: pause heating on a fast temperature drop
    cheap_hours     ["HH:MM-HH:MM", ...] daily cheap-tariff periods ([] = flat tariff)
    comfort_band_c  0.0..2.0: how far above the target the heater may pre-heat before
                    expensive hours and how far below it may coast during them
    solar           "off" | "surplus_first": with a grid meter (`[grid_meter]`), heat
                    with the house's spare solar power first, up to target + comfort
                    band (firmware.grid.surplus); without a fresh reading it does nothing
    restore_ramp_s  0 (as fast as the chips ramp) or 1..3600: after a grid event's cap
                    (MQTT demand, OpenADR) lifts, power climbs back over this many
                    seconds for a full 0 W → maximum rise (firmware.heat.restore)
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from firmware.heat.schedule import WeeklySchedule, format_clock, parse_clock
from firmware.validation import (
    Invalid,
    Validator,
    all_of,
    boolean,
    list_of,
    mode,
    nullable,
    number,
    one_of,
    preset,
    string,
    table,
    target_c,
)

# What each preset heats to (°C); "none" uses target_c. The same figures as the daemon's
# defaults, so a preset means one temperature everywhere.
PRESET_TARGETS_C: dict[str, float] = {"comfort": 21.0, "eco": 18.0, "boost": 23.0, "away": 12.0}
COMFORT_BAND_MAX_C = 2.0
MAX_CHEAP_PERIODS = 6
SETTABLE = (
    "mode",
    "preset",
    "target_c",
    "power_limit_w",
    "schedule",
    "quiet_hours",
    "window_detection",
    "cheap_hours",
    "comfort_band_c",
    "solar",
    "restore_ramp_s",
)
RESTORE_RAMP_MAX_S = 3600.0
SOLAR_MODES = ("off", "surplus_first")  # the same as firmware.grid.surplus.SOLAR_MODES


@dataclass(frozen=True)
class SettingsLimits:
    """What the hardware allows, from the board profile (not settable)."""

    max_power_w: float


@dataclass(frozen=True)
class QuietHours:
    start_min: int  # minutes after local midnight
    end_min: int  # may be before start_min: the period wraps midnight
    limit_w: float

    def active(self, minute: int) -> bool:
        if self.start_min <= self.end_min:
            return self.start_min <= minute < self.end_min
        return minute >= self.start_min or minute < self.end_min

    def to_dict(self) -> dict[str, object]:
        return {
            "from": format_clock(self.start_min),
            "to": format_clock(self.end_min),
            "limit_w": self.limit_w,
        }


@dataclass(frozen=True)
class CheapPeriod:
    start_min: int
    end_min: int  # may wrap midnight

    def contains(self, minute: int) -> bool:
        if self.start_min <= self.end_min:
            return self.start_min <= minute < self.end_min
        return minute >= self.start_min or minute < self.end_min

    def to_text(self) -> str:
        return f"{format_clock(self.start_min)}-{format_clock(self.end_min)}"


@dataclass(frozen=True)
class HeatSettings:
    mode: str = "heat"
    preset: str = "none"
    target_c: float = 20.0
    power_limit_w: float = 0.0
    schedule: WeeklySchedule = field(default_factory=WeeklySchedule)
    quiet_hours: QuietHours | None = None
    window_detection: bool = True
    cheap_hours: tuple[CheapPeriod, ...] = ()
    comfort_band_c: float = 0.0
    solar: str = "surplus_first"
    restore_ramp_s: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "mode": self.mode,
            "preset": self.preset,
            "target_c": self.target_c,
            "power_limit_w": self.power_limit_w,
            "schedule": self.schedule.to_dict(),
            "quiet_hours": self.quiet_hours.to_dict() if self.quiet_hours else None,
            "window_detection": self.window_detection,
            "cheap_hours": [p.to_text() for p in self.cheap_hours],
            "comfort_band_c": self.comfort_band_c,
            "solar": self.solar,
            "restore_ramp_s": self.restore_ramp_s,
        }

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, object],
        limits: SettingsLimits,
        defaults: HeatSettings | None = None,
    ) -> HeatSettings:
        """Validate a whole settings object (stored settings; keys missing from an older
        store take `defaults`). Raises `Invalid` (a ValueError) naming the first bad key."""
        if not isinstance(data, Mapping):
            raise Invalid("settings", data, "a JSON object")
        base = (defaults or cls()).to_dict()
        return cls(**_schema(limits)({**base, **data}))


def apply_update(
    current: HeatSettings, patch: Mapping[str, object], limits: SettingsLimits
) -> HeatSettings:
    """`current` with `patch` applied, all or nothing (`Invalid` on any bad key)."""
    if not isinstance(patch, Mapping):
        raise Invalid("update", patch, "a JSON object")
    if not patch:
        raise Invalid("update", {}, f"at least one of {', '.join(SETTABLE)}")
    changes = dict(patch)
    if "target_c" in changes and "preset" not in changes:
        changes["preset"] = "none"
    return HeatSettings.from_dict(changes, limits, defaults=current)


@functools.lru_cache(maxsize=8)
def _schema(limits: SettingsLimits) -> Validator[dict[str, Any]]:
    """The settings table for one board's limits; keys in SETTABLE order."""
    power = number(
        0.0, limits.max_power_w, allowed=f"0 (no cap) or up to {limits.max_power_w:.0f} W"
    )
    fields: dict[str, Validator[Any]] = {
        "mode": mode(),
        "preset": preset(),
        "target_c": target_c(),
        "power_limit_w": power,
        "schedule": lambda value: WeeklySchedule.from_dict(value, key=()),
        "quiet_hours": nullable(_quiet(power)),
        "window_detection": boolean(),
        "cheap_hours": all_of(
            list_of(
                _cheap_period,
                max_len=MAX_CHEAP_PERIODS,
                allowed=f'a list like ["00:00-07:00"] of at most {MAX_CHEAP_PERIODS} periods',
            ),
            tuple,
        ),
        "comfort_band_c": number(0.0, COMFORT_BAND_MAX_C, step=0.1),
        "solar": one_of(*SOLAR_MODES),
        "restore_ramp_s": number(
            0.0,
            RESTORE_RAMP_MAX_S,
            step=1.0,
            allowed=f"0 (the chips' own pace) or whole seconds up to {RESTORE_RAMP_MAX_S:.0f}",
        ),
    }
    return table(optional=fields)


def _clock(value: object) -> int:
    return parse_clock((), value)


def _quiet(power: Validator[float]) -> Validator[QuietHours]:
    def build(d: dict[str, Any]) -> QuietHours:
        start, end, limit = d["from"], d["to"], d["limit_w"]
        if start == end:
            raise Invalid("to", format_clock(end), "a time other than from")
        return QuietHours(start, end, limit)

    return all_of(
        table(
            {"from": _clock, "to": _clock, "limit_w": power},
            allowed='{"from": "HH:MM", "to": "HH:MM", "limit_w": W}',
        ),
        build,
    )


_PERIOD_TEXT = string(allowed='"HH:MM-HH:MM"')


def _cheap_period(value: object) -> CheapPeriod:
    text = _PERIOD_TEXT(value)
    if text.count("-") != 1:
        raise Invalid((), value, '"HH:MM-HH:MM"')
    a, b = text.split("-")
    try:
        start, end = _clock(a), _clock(b)
    except Invalid:
        raise Invalid((), value, '"HH:MM-HH:MM" with times 00:00..23:59') from None
    if start == end:
        raise Invalid((), value, '"HH:MM-HH:MM" with two different times')
    return CheapPeriod(start, end)
