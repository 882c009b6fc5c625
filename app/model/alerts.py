"""What needs the owner's attention, in plain words with what to do about it.

Alarm codes come from the heater's `state.alarms`; the tables below explain the codes
Hearth's firmware raises. An unknown code (a newer firmware) is still shown, with
generic advice, rather than hidden.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.model.heater_state import HeaterState

CRITICAL = "critical"
WARNING = "warning"
INFO = "info"
SEVERITY_ORDER = {CRITICAL: 0, WARNING: 1, INFO: 2}


@dataclass(frozen=True)
class Alert:
    severity: str
    title: str
    advice: str
    code: str


@dataclass(frozen=True)
class AlarmText:
    severity: str
    title: str
    advice: str


# Alarm codes the firmware puts in `state.alarms`: the daemon's interlocks
# (docs/safety.md, firmware/safety/interlocks.py), the daemon itself
# (firmware/daemon/daemon.py) and the supervisor's latched trip causes, which arrive as
# "supervisor_trip:<cause>" (docs/supervisor-link.md, "Codes").
ALARM_TEXTS: Mapping[str, AlarmText] = {
    "chip_hot": AlarmText(
        CRITICAL,
        "Heating element too hot: power reduced",
        "Clear the air inlet and outlet and keep 30 cm free around the heater. "
        "Full power returns once it has cooled.",
    ),
    "exhaust_hot": AlarmText(
        CRITICAL,
        "Hot air outlet too hot: power reduced",
        "Make sure nothing covers the outlet (curtains, clothes). It recovers by itself.",
    ),
    "chip_temp_unknown": AlarmText(
        WARNING,
        "Heating element temperature unknown: half power",
        "Restart the heater; if this stays, contact support.",
    ),
    "exhaust_temp_unknown": AlarmText(
        WARNING,
        "Outlet temperature unknown: half power",
        "Restart the heater; if this stays, contact support.",
    ),
    "fan_fault": AlarmText(
        CRITICAL,
        "Fan not turning properly: heating limited",
        "Check that nothing blocks the fan. If it happens again, contact support.",
    ),
    "room_hot": AlarmText(
        WARNING,
        "Room very hot: heating stopped",
        "It resumes when the room has cooled by 1 °C. Check the target and the schedule.",
    ),
    "supervisor_lost": AlarmText(
        CRITICAL,
        "Safety controller not answering: heating stopped",
        "Switch the heater off at the wall for 10 seconds, then on again.",
    ),
    "supervisor_unavailable": AlarmText(
        WARNING,
        "Safety controller not connected",
        "The heater runs on its own temperature limits only. Contact support if it stays.",
    ),
    "no_room_sensor": AlarmText(
        WARNING,
        "No room temperature reading",
        "The heater cannot follow the thermostat. Restart it; if this stays, contact support.",
    ),
    "pool_offline": AlarmText(
        WARNING,
        "Mining pool unreachable: no earnings right now",
        "Heating continues. Check the internet connection and the pool settings.",
    ),
    "control_error": AlarmText(
        WARNING,
        "The heater's control software hit an error",
        "It keeps running safely. Restart it if heating does not follow the target.",
    ),
    "store_error": AlarmText(
        WARNING,
        "Settings could not be saved on the heater",
        "Changes work until the next restart. Contact support if this stays.",
    ),
    "store_recovered": AlarmText(
        INFO,
        "The heater recovered its saved settings after a power cut",
        "Nothing to do; check the target and schedule are as you want them.",
    ),
}
# The supervisor's trip causes: it cut the heating element's power on its own.
TRIP_PREFIX = "supervisor_trip:"
TRIP_TEXTS: Mapping[str, AlarmText] = {
    "over_temp": AlarmText(
        CRITICAL,
        "Safety trip: too hot",
        "Clear the vents and let it cool. It stays off until the trip is cleared.",
    ),
    "fan_stall": AlarmText(
        CRITICAL, "Safety trip: fan stopped", "Check the fan is free, then restart the heater."
    ),
    "sensor_open": AlarmText(
        CRITICAL,
        "Safety trip: a temperature sensor is disconnected",
        "Contact support; the heater stays off until repaired.",
    ),
    "sensor_short": AlarmText(
        CRITICAL,
        "Safety trip: a temperature sensor is shorted",
        "Contact support; the heater stays off until repaired.",
    ),
    "tip_over": AlarmText(
        CRITICAL,
        "Safety trip: heater tipped over",
        "Stand it upright on a flat floor, then restart it.",
    ),
    "heartbeat_lost": AlarmText(
        CRITICAL,
        "Safety trip: the controller stopped answering",
        "Switch the heater off at the wall for 10 seconds, then on again.",
    ),
    "watchdog_reset": AlarmText(
        WARNING,
        "The safety controller restarted itself",
        "Nothing to do if it does not repeat; otherwise contact support.",
    ),
}


def alarm_text(code: str) -> AlarmText:
    """The explanation of a code; unknown codes (a newer firmware) get generic advice."""
    if code.startswith(TRIP_PREFIX):
        cause = code.removeprefix(TRIP_PREFIX)
        known = TRIP_TEXTS.get(cause)
        if known is not None:
            return known
        return AlarmText(
            CRITICAL,
            f"Safety trip “{cause}”: heating stopped",
            "Switch the heater off at the wall; contact support with this code.",
        )
    known = ALARM_TEXTS.get(code)
    if known is not None:
        return known
    return AlarmText(
        WARNING,
        f"Heater alarm “{code}”",
        "Restart the heater; if the alarm stays, contact support with this code.",
    )


def alerts_for(
    state: HeaterState | None,
    *,
    online: bool,
    heater_name: str,
    problems: tuple[str, ...] = (),
) -> list[Alert]:
    alerts: list[Alert] = []
    if not online:
        wanted = state is not None and state.mode in ("heat", "auto")
        alerts.append(
            Alert(
                CRITICAL if wanted else WARNING,
                f"{heater_name} is offline" + (": the room is not being heated" if wanted else ""),
                "Check that the heater is plugged in and on your Wi-Fi. "
                "Values shown are from before it went offline.",
                "offline",
            )
        )
    if state is None:
        return alerts
    seen: set[str] = set()
    for code in state.alarms:
        if code in seen:
            continue
        seen.add(code)
        text = alarm_text(code)
        alerts.append(Alert(text.severity, text.title, text.advice, code))
    if state.action == "fault" and not any(a.severity == CRITICAL for a in alerts):
        alerts.append(
            Alert(
                CRITICAL,
                "Heater fault: heating stopped",
                "Switch it off at the wall for 10 seconds and on again. "
                "If it stays in fault, contact support.",
                "fault",
            )
        )
    if not online:
        return sorted(alerts, key=lambda alert: SEVERITY_ORDER[alert.severity])
    if state.pool == "offline" and "pool_offline" not in seen:
        text = ALARM_TEXTS["pool_offline"]
        alerts.append(Alert(text.severity, text.title, text.advice, "pool_offline"))
    elif state.pool == "failover":
        alerts.append(
            Alert(
                INFO,
                "Mining on the backup pool",
                "The main pool is unreachable; earnings continue on the backup.",
                "pool_failover",
            )
        )
    if problems:
        alerts.append(
            Alert(
                INFO,
                "Some readings from the heater could not be understood",
                "They are shown as “—”. Updating the heater or the app usually fixes this. "
                + "; ".join(problems[:3]),
                "bad_state",
            )
        )
    return sorted(alerts, key=lambda alert: SEVERITY_ORDER[alert.severity])
