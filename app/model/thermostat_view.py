"""Everything the thermostat screen shows, as plain values computed from the model."""

from __future__ import annotations

from dataclasses import dataclass

from app.model.earnings import format_sats
from app.model.heater import Heater
from app.model.schedule import TARGET_MAX_C, TARGET_MIN_C
from app.model.units import format_temperature

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


def format_hashrate(ghs: float | None) -> str:
    if ghs is None:
        return "—"
    return f"{ghs / 1000:.2f} TH/s" if ghs >= 1000 else f"{ghs:.0f} GH/s"


def dial_fraction(celsius: float) -> float:
    return (min(TARGET_MAX_C, max(TARGET_MIN_C, celsius)) - TARGET_MIN_C) / (
        TARGET_MAX_C - TARGET_MIN_C
    )


def target_at_fraction(fraction: float) -> float:
    """Inverse of dial_fraction, snapped to the contract's 0.1 °C step."""
    fraction = min(1.0, max(0.0, fraction))
    return round(TARGET_MIN_C + fraction * (TARGET_MAX_C - TARGET_MIN_C), 1)


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
    )
