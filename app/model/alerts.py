"""What needs the owner's attention, in plain words with what to do about it.

Alarm codes come from the heater's `state.alarms`; the table below explains the codes
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


# Alarm codes raised by the firmware's supervisor and daemon (docs/safety.md, docs/mqtt.md).
ALARM_TEXTS: Mapping[str, AlarmText] = {
    "overtemp": AlarmText(
        CRITICAL,
        "Heater too hot: heating stopped",
        "Make sure nothing covers the air inlet or outlet. It restarts once it has cooled.",
    ),
    "chip_overtemp": AlarmText(
        CRITICAL,
        "Heating element too hot: power cut",
        "Clear the vents and keep 30 cm free around the heater. It restarts when cool.",
    ),
    "tip_over": AlarmText(
        CRITICAL,
        "Heater tipped over: power cut",
        "Stand the heater upright on a flat floor; it resumes by itself.",
    ),
    "fan_stall": AlarmText(
        CRITICAL,
        "Fan stopped: heating stopped",
        "Check that nothing blocks the fan. If it happens again, contact support.",
    ),
    "sensor_fault": AlarmText(
        WARNING,
        "A temperature sensor is not reading",
        "The heater runs at reduced power. Restart it; if this stays, contact support.",
    ),
    "supervisor_lost": AlarmText(
        CRITICAL,
        "Safety controller not answering: heating stopped",
        "Switch the heater off at the wall for 10 seconds, then on again.",
    ),
    "asic_fault": AlarmText(
        WARNING,
        "Part of the heating element is not working",
        "The heater keeps going with less power. Restart it; if this stays, contact support.",
    ),
    "psu_fault": AlarmText(
        CRITICAL,
        "Power supply problem: heating stopped",
        "Switch off at the wall and contact support.",
    ),
    "pool_offline": AlarmText(
        WARNING,
        "Mining pool unreachable: no earnings right now",
        "Heating continues. Check the internet connection and the pool settings.",
    ),
    "watchdog": AlarmText(
        WARNING,
        "The heater restarted itself after a software hang",
        "Nothing to do if it does not repeat; otherwise update the firmware.",
    ),
}


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
        text = ALARM_TEXTS.get(code)
        if text is None:
            alerts.append(
                Alert(
                    WARNING,
                    f"Heater alarm “{code}”",
                    "Restart the heater; if the alarm stays, contact support with this code.",
                    code,
                )
            )
        else:
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
