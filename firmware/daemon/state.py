"""The MQTT `state` object (docs/mqtt.md, "state"), composed from the parts' readings (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from firmware.pool import PoolStatus
from firmware.work import PowerReadings


@dataclass(frozen=True)
class Readings:
    mode: str
    preset: str
    target_c: float  # the target in force (preset/schedule applied); setting when off
    power_limit_w: float
    room_c: float | None
    chip_temp_c: float | None
    fan_rpm: int | None
    demand_w: float  # what the thermostat asks for
    power_w: float
    hashrate_ghs: float
    paused: bool
    fault: bool
    pool: PoolStatus | None
    energy_kwh: float
    uptime_s: float
    alarms: tuple[str, ...]
    firmware: str
    backend: str
    # The weekly schedule in force (HeatSettings.schedule.to_dict()), so MQTT clients can
    # show and edit it; `set` takes the same shape back.
    schedule: Mapping[str, object] = field(default_factory=dict)
    # The power cap that limits power now (firmware.heat.caps source, None: only the
    # board's maximum) and when it ends (unix seconds, None: until cleared).
    limited_by: str | None = None
    limited_until: float | None = None
    # Solar surplus (firmware.grid.surplus): the house's spare power (W; None without a
    # fresh grid meter reading) and what of it the heater is offered now (W, 0 = none).
    surplus_w: float | None = None
    solar_w: float = 0.0
    # The price schedule in force (PriceSchedule.summary), None: no schedule.
    prices: Mapping[str, object] | None = None
    # What the board's parts measure (None, or None fields, where it has no part for it).
    measured: PowerReadings | None = None


def heater_action(r: Readings) -> str:
    if r.fault:
        return "fault"
    if r.mode == "off" or r.paused:
        return "off"
    return "heating" if r.demand_w > 0 and r.power_w > 0 else "idle"


def compose_state(r: Readings) -> dict[str, object]:
    ths = r.hashrate_ghs / 1000.0
    pool = r.pool
    return {
        "mode": r.mode,
        "preset": r.preset,
        "action": heater_action(r),
        "target_c": r.target_c,
        "room_c": None if r.room_c is None else round(r.room_c, 2),
        "power_w": round(r.power_w, 1),
        "power_limit_w": r.power_limit_w,
        "limited_by": r.limited_by,
        "limited_until": r.limited_until,
        "surplus_w": r.surplus_w,
        "solar_w": round(r.solar_w, 1),
        "prices": None if r.prices is None else dict(r.prices),
        "hashrate_ghs": round(r.hashrate_ghs, 3),
        "chip_temp_c": None if r.chip_temp_c is None else round(r.chip_temp_c, 1),
        "fan_rpm": r.fan_rpm,
        "efficiency_j_th": round(r.power_w / ths, 2) if ths > 0 else None,
        "pool": pool.state if pool is not None else "offline",
        "pool_url": pool.url if pool is not None else None,
        "shares_accepted": pool.shares_accepted if pool is not None else 0,
        "shares_rejected": pool.shares_rejected if pool is not None else 0,
        "earned_sats": round(pool.earned_sats, 3) if pool is not None else 0.0,
        "energy_kwh": round(r.energy_kwh, 5),
        "uptime_s": int(r.uptime_s),
        "alarms": list(r.alarms),
        "firmware": r.firmware,
        "backend": r.backend,
        "schedule": dict(r.schedule),
        **measured_fields(r.measured),
    }


def measured_fields(m: PowerReadings | None) -> dict[str, object]:
    """The board's measurements for the state; null where the board has no part."""
    m = m or PowerReadings()

    def rounded(value: float | None, digits: int) -> float | None:
        return None if value is None else round(value, digits)

    return {
        # power_w comes from the board's meters (input meter, or core rail + the rest)
        "power_measured": m.power_w is not None or m.core_w is not None,
        "input_v": rounded(m.input_v, 2),
        "vout_mv": rounded(m.vout_mv, 0),
        "iout_a": rounded(m.iout_a, 2),
        "vr_temp_c": rounded(m.vr_temp_c, 1),
    }
