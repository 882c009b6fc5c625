"""The owner's thermostat settings and the one rule for changing them (MQTT `set`,
HTTP PATCH /api/heater): validate every key first, then apply all or nothing.

Settable keys (INTERFACES.md §3): `mode`, `preset`, `target_c` (5.0..30.0, step 0.1),
`power_limit_w` (0 = the board's maximum), `schedule` (weekly setpoints). Safety limits
are not here and cannot be set from the network.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from firmware.config.schema import MODES, PRESETS, TARGET_MAX_C, TARGET_MIN_C

# What each preset heats to (°C); "none" uses target_c.
PRESET_TARGETS_C: dict[str, float] = {"comfort": 21.0, "eco": 18.0, "boost": 23.0, "away": 12.0}
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CLOCK = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")
MAX_SCHEDULE_ENTRIES = 7 * 12
SETTABLE = ("mode", "preset", "target_c", "power_limit_w", "schedule")


@dataclass(frozen=True)
class SchedulePoint:
    day: int  # 0 = Monday
    minute: int  # minutes after midnight
    target_c: float

    def to_json(self) -> dict[str, object]:
        return {
            "day": DAYS[self.day],
            "at": f"{self.minute // 60:02d}:{self.minute % 60:02d}",
            "target_c": self.target_c,
        }


@dataclass(frozen=True)
class HeaterSettings:
    mode: str
    preset: str
    target_c: float
    power_limit_w: float
    schedule: tuple[SchedulePoint, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "preset": self.preset,
            "target_c": self.target_c,
            "power_limit_w": self.power_limit_w,
            "schedule": [point.to_json() for point in self.schedule],
        }


def _target(key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{key} must be a number, got {value!r}")
    if not TARGET_MIN_C <= value <= TARGET_MAX_C:
        raise ValueError(f"{key} {value!r} is outside {TARGET_MIN_C}..{TARGET_MAX_C} °C")
    rounded = round(float(value), 1)
    if abs(rounded - value) > 1e-6:
        raise ValueError(f"{key} {value!r} is not a multiple of 0.1 °C")
    return rounded


def _schedule(value: object) -> tuple[SchedulePoint, ...]:
    if not isinstance(value, list):
        raise ValueError('schedule must be a list of {"day", "at", "target_c"} objects')
    if len(value) > MAX_SCHEDULE_ENTRIES:
        raise ValueError(f"schedule has {len(value)} entries, at most {MAX_SCHEDULE_ENTRIES}")
    points: list[SchedulePoint] = []
    for i, entry in enumerate(value):
        if not isinstance(entry, dict) or set(entry) != {"day", "at", "target_c"}:
            raise ValueError(
                f'schedule[{i}] must be an object with exactly "day", "at", "target_c"'
            )
        day, at = entry["day"], entry["at"]
        days = range(7) if day == "*" else [DAYS.index(day)] if day in DAYS else None
        if days is None:
            raise ValueError(f"schedule[{i}].day {day!r} must be one of {', '.join(DAYS)} or '*'")
        match = CLOCK.match(at) if isinstance(at, str) else None
        if match is None:
            raise ValueError(f"schedule[{i}].at {at!r} must be HH:MM (00:00..23:59)")
        minute = int(match[1]) * 60 + int(match[2])
        target = _target(f"schedule[{i}].target_c", entry["target_c"])
        points.extend(SchedulePoint(d, minute, target) for d in days)
    points.sort(key=lambda p: (p.day, p.minute))
    return tuple(points)


def apply_changes(
    settings: HeaterSettings, changes: Mapping[str, object], max_power_w: float
) -> HeaterSettings:
    """The settings with `changes` applied, or ValueError naming the first bad key."""
    if not changes:
        raise ValueError(f"no settings given; settable: {', '.join(SETTABLE)}")
    unknown = sorted(set(changes) - set(SETTABLE))
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r}; settable: {', '.join(SETTABLE)}")
    updated = settings
    if "mode" in changes:
        if changes["mode"] not in MODES:
            raise ValueError(f"mode {changes['mode']!r} must be one of {', '.join(MODES)}")
        updated = replace(updated, mode=str(changes["mode"]))
    if "target_c" in changes:
        # A target chosen by hand leaves the preset, as a thermostat's dial does.
        updated = replace(updated, target_c=_target("target_c", changes["target_c"]), preset="none")
    if "preset" in changes:
        if changes["preset"] not in PRESETS:
            raise ValueError(f"preset {changes['preset']!r} must be one of {', '.join(PRESETS)}")
        updated = replace(updated, preset=str(changes["preset"]))
    if "power_limit_w" in changes:
        limit = changes["power_limit_w"]
        if (
            isinstance(limit, bool)
            or not isinstance(limit, int | float)
            or not math.isfinite(limit)
        ):
            raise ValueError(f"power_limit_w must be a number, got {limit!r}")
        if not 0 <= limit <= max_power_w:
            raise ValueError(f"power_limit_w {limit!r} is outside 0..{max_power_w:.0f} W")
        updated = replace(updated, power_limit_w=float(limit))
    if "schedule" in changes:
        updated = replace(updated, schedule=_schedule(changes["schedule"]))
    return updated


def settings_from_json(
    data: object, defaults: HeaterSettings, max_power_w: float
) -> HeaterSettings:
    """Stored settings, validated exactly as a `set` would be (ValueError if damaged)."""
    if not isinstance(data, dict):
        raise ValueError("stored settings are not an object")
    ordered = {key: data[key] for key in SETTABLE if key in data}
    extra = sorted(set(data) - set(SETTABLE))
    if extra:
        raise ValueError(f"stored settings have unknown key {extra[0]!r}")
    preset = ordered.pop("preset", None)
    result = apply_changes(defaults, ordered, max_power_w) if ordered else defaults
    if preset is not None:
        result = apply_changes(result, {"preset": preset}, max_power_w)
    return result


def effective_target_c(settings: HeaterSettings, now: datetime.datetime) -> float | None:
    """What the room should be now; None when the heater is off."""
    if settings.mode == "off":
        return None
    if settings.mode == "auto" and settings.schedule:
        minute_of_week = now.weekday() * 1440 + now.hour * 60 + now.minute
        current = settings.schedule[-1]  # before the week's first point: last week's last
        for point in settings.schedule:
            if point.day * 1440 + point.minute <= minute_of_week:
                current = point
        return current.target_c
    if settings.preset != "none":
        return PRESET_TARGETS_C[settings.preset]
    return settings.target_c
