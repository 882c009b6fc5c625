"""Everything the thermostat screen shows, as plain values computed from the model."""

from __future__ import annotations

import time
from dataclasses import dataclass

from app.model.earnings import format_sats
from app.model.heater import Heater
from app.model.heater_state import HeaterState
from app.model.schedule import TARGET_MAX_C, TARGET_MIN_C
from app.model.units import CELSIUS, format_temperature, setpoint_c, to_display

ACTION_WORDS = {"heating": "Heating", "idle": "Idle", "off": "Off", "fault": "Fault"}


@dataclass(frozen=True)
class ThermostatView:
    heater_name: str
    online: bool
    room_text: str
    target_text: str
    target_c: float | None  # the dial's position (pending value while unconfirmed)
    target_fraction: float  # 0..1 along the dial
    room_fraction: float | None
    target_pending: bool
    status_text: str  # "Heating · 820 W", "Offline", ...
    action: str | None
    mode: str | None
    mode_pending: bool
    preset: str | None
    preset_pending: bool
    message: str
    power_text: str = "—"
    hashrate_text: str = "—"
    earned_text: str = "—"
    notices: tuple[str, ...] = ()  # pool down, power held back: in plain words


# Why the heater's power is held back (state `limited_by`, docs/mqtt.md), in words.
LIMIT_WORDS = {
    "owner": "Power held to {limit} by your power cap",
    "quiet_hours": "Quiet hours: power held back",
    "demand": "The grid asked for less power: heating held back",
    "openadr": "Your utility asked for less power (demand response): heating held back",
    "solar": "Following your solar surplus: heating held back",
    "tariff": "Electricity is dear right now: heating held back",
}


def format_clock(unix_s: float, now: float) -> str:
    """The local time of `unix_s`: "18:00", or "Tue 18:00" when not within the day."""
    moment = time.localtime(unix_s)
    same_day = time.localtime(now)[:3] == moment[:3] or 0 <= unix_s - now < 12 * 3600
    return time.strftime("%H:%M" if same_day else "%a %H:%M", moment)


def notices_for(state: HeaterState, now: float) -> tuple[str, ...]:
    """What the owner should know beyond the numbers: the pool is down, power is shed."""
    found: list[str] = []
    if state.pool == "offline" or "pool_offline" in state.alarms:
        where = f" ({state.pool_url})" if state.pool_url else ""
        found.append(f"Pool unreachable{where}: not mining, no earnings. The heater keeps heating.")
    if state.limited_by is not None:
        limit = "—" if state.power_limit_w is None else f"{state.power_limit_w:.0f} W"
        template = LIMIT_WORDS.get(state.limited_by, "Power held back ({by})")
        text = template.format(limit=limit, by=state.limited_by)
        if state.limited_until is not None and state.limited_until > now:
            text += f" until {format_clock(state.limited_until, now)}"
        found.append(text + ".")
    return tuple(found)


def format_hashrate(ghs: float | None) -> str:
    if ghs is None:
        return "—"
    return f"{ghs / 1000:.2f} TH/s" if ghs >= 1000 else f"{ghs:.0f} GH/s"


def dial_fraction(celsius: float) -> float:
    return (min(TARGET_MAX_C, max(TARGET_MIN_C, celsius)) - TARGET_MIN_C) / (
        TARGET_MAX_C - TARGET_MIN_C
    )


def target_at_fraction(fraction: float, units: str = CELSIUS) -> float:
    """Inverse of dial_fraction, snapped to the display step of `units` (0.1 °C, 0.5 °F)
    and sent as the contract's 0.1 °C value."""
    fraction = min(1.0, max(0.0, fraction))
    celsius = TARGET_MIN_C + fraction * (TARGET_MAX_C - TARGET_MIN_C)
    return min(TARGET_MAX_C, max(TARGET_MIN_C, setpoint_c(to_display(celsius, units), units)))


def thermostat_view(
    heater: Heater | None, *, units: str, now: float, message: str
) -> ThermostatView:
    if heater is None or heater.state is None:
        return ThermostatView(
            heater_name="No heater yet" if heater is None else heater.name,
            online=False,
            room_text="—",
            target_text="—",
            target_c=None,
            target_fraction=0.0,
            room_fraction=None,
            target_pending=False,
            status_text="Looking for heaters on the broker…",
            action=None,
            mode=None,
            mode_pending=False,
            preset=None,
            preset_pending=False,
            message=message,
        )
    state = heater.state
    online = heater.online(now)
    shown_target = heater.shown("target_c")
    target = float(shown_target) if isinstance(shown_target, int | float) else None
    mode, preset = heater.shown("mode"), heater.shown("preset")
    if not online:
        status = "Offline — last seen values"
    elif state.action is None:
        status = "Status unknown"
    elif state.action == "heating" and state.power_w is not None:
        status = f"Heating · {state.power_w:.0f} W"
    else:
        status = ACTION_WORDS[state.action]
    return ThermostatView(
        heater_name=heater.name,
        online=online,
        room_text=format_temperature(state.room_c, units, with_unit=False),
        target_text=format_temperature(target, units, with_unit=False),
        target_c=target,
        target_fraction=0.0 if target is None else dial_fraction(target),
        room_fraction=None if state.room_c is None else dial_fraction(state.room_c),
        target_pending=heater.pending.is_pending("target_c"),
        status_text=status,
        action=state.action if online else None,
        mode=mode if isinstance(mode, str) else None,
        mode_pending=heater.pending.is_pending("mode"),
        preset=preset if isinstance(preset, str) else None,
        preset_pending=heater.pending.is_pending("preset"),
        message=message or (heater.pending.last_error or ""),
        power_text="—" if state.power_w is None else f"{state.power_w:.0f} W",
        hashrate_text=format_hashrate(state.hashrate_ghs),
        earned_text=format_sats(state.earned_sats),
        notices=notices_for(state, now) if online else (),
    )
