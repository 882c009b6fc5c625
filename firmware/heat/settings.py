"""The owner's heat settings and the one rule for changing them.

`HeatSettings` is what the owner sets (MQTT `set`, HTTP, the app) and what is persisted;
`apply_update` applies a patch all-or-nothing: the patch is merged into the current
settings and the whole result is validated, so either every key applies or a
`ValueError` names the first bad key, its value and what is allowed, and the current
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
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from firmware.heat.schedule import (
    WeeklySchedule,
    format_clock,
    parse_clock,
    parse_target,
)

MODES = ("off", "heat", "auto")
PRESETS = ("comfort", "eco", "boost", "away", "none")
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
)


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
        }

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, object],
        limits: SettingsLimits,
        defaults: HeatSettings | None = None,
    ) -> HeatSettings:
        """Validate a whole settings object (stored settings; keys missing from an older
        store take `defaults`). Raises ValueError naming the first bad key."""
        if not isinstance(data, Mapping):
            raise ValueError(f"settings = {data!r}; allowed: a JSON object")
        _check_keys(data)
        base = (defaults or cls()).to_dict()
        merged = {**base, **data}
        return cls(
            mode=_choice("mode", merged["mode"], MODES),
            preset=_choice("preset", merged["preset"], PRESETS),
            target_c=parse_target("target_c", merged["target_c"]),
            power_limit_w=_power("power_limit_w", merged["power_limit_w"], limits, zero_ok=True),
            schedule=WeeklySchedule.from_dict(merged["schedule"]),
            quiet_hours=_quiet(merged["quiet_hours"], limits),
            window_detection=_flag("window_detection", merged["window_detection"]),
            cheap_hours=_cheap(merged["cheap_hours"]),
            comfort_band_c=_band(merged["comfort_band_c"]),
        )


def apply_update(
    current: HeatSettings, patch: Mapping[str, object], limits: SettingsLimits
) -> HeatSettings:
    """`current` with `patch` applied, all or nothing (ValueError on any bad key)."""
    if not isinstance(patch, Mapping):
        raise ValueError(f"update = {patch!r}; allowed: a JSON object")
    if not patch:
        raise ValueError(f"update = {{}}; allowed: at least one of {', '.join(SETTABLE)}")
    _check_keys(patch)
    changes = dict(patch)
    if "target_c" in changes and "preset" not in changes:
        changes["preset"] = "none"
    return HeatSettings.from_dict(changes, limits, defaults=current)


def _check_keys(data: Mapping[str, object]) -> None:
    for key in data:
        if key not in SETTABLE:
            raise ValueError(f"{key} = {data[key]!r}; allowed keys: {', '.join(SETTABLE)}")


def _choice(key: str, value: object, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{key} = {value!r}; allowed: {' | '.join(allowed)}")
    return value


def _flag(key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{key} = {value!r}; allowed: true | false")
    return value


def _number(key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{key} = {value!r}; allowed: a number")
    return float(value)


def _power(key: str, value: object, limits: SettingsLimits, zero_ok: bool) -> float:
    watts = _number(key, value)
    low = 0.0 if zero_ok else 1.0
    if not low <= watts <= limits.max_power_w:
        what = "0 (no cap) or " if zero_ok else ""
        raise ValueError(f"{key} = {value!r}; allowed: {what}up to {limits.max_power_w:.0f} W")
    return watts


def _band(value: object) -> float:
    band = _number("comfort_band_c", value)
    if not 0.0 <= band <= COMFORT_BAND_MAX_C or abs(round(band, 1) - band) > 1e-6:
        raise ValueError(
            f"comfort_band_c = {value!r}; allowed: 0.0..{COMFORT_BAND_MAX_C} in 0.1 steps"
        )
    return round(band, 1)


def _quiet(value: object, limits: SettingsLimits) -> QuietHours | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or set(value) != {"from", "to", "limit_w"}:
        raise ValueError(
            f'quiet_hours = {value!r}; allowed: null or {{"from": "HH:MM", "to": "HH:MM", '
            '"limit_w": W}'
        )
    start = parse_clock("quiet_hours.from", value["from"])
    end = parse_clock("quiet_hours.to", value["to"])
    if start == end:
        raise ValueError(f"quiet_hours.to = {value['to']!r}; allowed: a time other than from")
    limit = _power("quiet_hours.limit_w", value["limit_w"], limits, zero_ok=True)
    return QuietHours(start, end, limit)


def _cheap(value: object) -> tuple[CheapPeriod, ...]:
    if not isinstance(value, list | tuple):
        raise ValueError(f'cheap_hours = {value!r}; allowed: a list like ["00:00-07:00"]')
    if len(value) > MAX_CHEAP_PERIODS:
        raise ValueError(
            f"cheap_hours has {len(value)} periods; allowed: at most {MAX_CHEAP_PERIODS}"
        )
    periods: list[CheapPeriod] = []
    for i, text in enumerate(value):
        key = f"cheap_hours[{i}]"
        if not isinstance(text, str) or text.count("-") != 1:
            raise ValueError(f'{key} = {text!r}; allowed: "HH:MM-HH:MM"')
        a, b = text.split("-")
        start, end = parse_clock(key, a), parse_clock(key, b)
        if start == end:
            raise ValueError(f'{key} = {text!r}; allowed: "HH:MM-HH:MM" with two different times')
        periods.append(CheapPeriod(start, end))
    return tuple(periods)
