"""Decoding a heater's retained `state` payload (docs/mqtt.md, "state") without trusting it.

A heater may be older or newer than the app, or simply broken: the payload may not be
JSON, keys may be missing, unknown or of the wrong type. Decoding never raises for a
bad field: the field becomes None (shown as "—") and the problem is listed, so one bad
sensor never blanks the whole screen. A payload that is not a JSON object at all is
refused as a whole and the last good state stays on screen.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

MODES = ("off", "heat", "auto")
PRESETS = ("comfort", "eco", "boost", "away", "none")
ACTIONS = ("heating", "idle", "off", "fault")
POOL_STATES = ("connected", "failover", "offline")

# Number fields of the contract, then Hearth extensions the app uses when present.
NUMBER_FIELDS = (
    "target_c",
    "room_c",
    "power_w",
    "hashrate_ghs",
    "chip_temp_c",
    "fan_rpm",
    "efficiency_j_th",
    "energy_kwh",
    "uptime_s",
    "shares_accepted",
    "shares_rejected",
    "power_limit_w",
    "earned_sats",  # expected satoshis of the accepted shares, running total
    "limited_until",  # unix seconds when the power cap in force ends
)
CHOICE_FIELDS: Mapping[str, tuple[str, ...]] = {
    "mode": MODES,
    "preset": PRESETS,
    "action": ACTIONS,
    "pool": POOL_STATES,
}
TEXT_FIELDS = ("firmware", "name", "pool_url", "backend", "limited_by")
KNOWN_FIELDS = frozenset((*NUMBER_FIELDS, *CHOICE_FIELDS, *TEXT_FIELDS, "alarms", "schedule"))


class StatePayloadError(ValueError):
    """The payload is not a JSON object: nothing in it can be used."""


@dataclass(frozen=True)
class HeaterState:
    mode: str | None = None
    preset: str | None = None
    action: str | None = None
    pool: str | None = None
    target_c: float | None = None
    room_c: float | None = None
    power_w: float | None = None
    hashrate_ghs: float | None = None
    chip_temp_c: float | None = None
    fan_rpm: float | None = None
    efficiency_j_th: float | None = None
    energy_kwh: float | None = None
    uptime_s: float | None = None
    shares_accepted: float | None = None
    shares_rejected: float | None = None
    power_limit_w: float | None = None
    earned_sats: float | None = None
    firmware: str | None = None
    name: str | None = None
    pool_url: str | None = None
    backend: str | None = None
    limited_by: str | None = None  # owner, quiet_hours, demand, openadr, solar, tariff
    limited_until: float | None = None
    alarms: tuple[str, ...] = ()
    schedule: object = None  # only if the heater reports its schedule
    unknown_keys: tuple[str, ...] = ()
    problems: tuple[str, ...] = field(default=(), compare=False)


def as_number(value: object) -> float | None:
    """JSON numbers only: booleans and strings are not numbers, NaN/inf are not readings."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def decode_state(payload: bytes | str) -> HeaterState:
    """Parse one `state` payload; raises StatePayloadError only if it is not a JSON object."""
    try:
        data = json.loads(payload)
    except (ValueError, RecursionError) as error:
        raise StatePayloadError(f"state is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise StatePayloadError(f"state must be a JSON object, got {type(data).__name__}")
    problems: list[str] = []
    values: dict[str, object] = {}
    for key in NUMBER_FIELDS:
        if key not in data or data[key] is None:
            continue
        number = as_number(data[key])
        if number is None:
            problems.append(f"{key}: not a number ({data[key]!r})")
        values[key] = number
    for key, allowed in CHOICE_FIELDS.items():
        raw = data.get(key)
        if raw is None:
            continue
        if raw in allowed:
            values[key] = raw
        else:
            problems.append(f"{key}: {raw!r} is not one of {', '.join(allowed)}")
    for key in TEXT_FIELDS:
        raw = data.get(key)
        if raw is None:
            continue
        if isinstance(raw, str):
            values[key] = raw
        else:
            problems.append(f"{key}: not text ({raw!r})")
    values["alarms"] = decode_alarms(data.get("alarms"), problems)
    values["schedule"] = data.get("schedule")
    unknown = tuple(sorted(str(key) for key in data if key not in KNOWN_FIELDS))
    return HeaterState(
        **values,  # type: ignore[arg-type]
        unknown_keys=unknown,
        problems=tuple(problems),
    )


def decode_alarms(raw: object, problems: list[str]) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append(f"alarms: not a list ({raw!r})")
        return ()
    codes = tuple(str(item) for item in raw if isinstance(item, str) and item)
    if len(codes) != len(raw):
        problems.append("alarms: some entries are not codes")
    return codes
