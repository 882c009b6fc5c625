"""Heaters as a text table: one row each, fixed columns, cut to the terminal's width.

Pure: rows and the current time in, lines out. Unknown values show as `-`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from host.monitor.fleet import STALE_AFTER_S, Heater

UNKNOWN = "-"


@dataclass(frozen=True)
class Column:
    title: str
    width: int


COLUMNS = (
    Column("HEATER", 16),
    Column("STATUS", 8),
    Column("ROOM/TARGET °C", 14),
    Column("MODE/ACTION", 14),
    Column("POWER W", 8),
    Column("HASHRATE", 10),
    Column("SHARES A/R", 11),
    Column("POOL", 10),
    Column("ALARMS", 20),
)


def render(heaters: Sequence[Heater], now: float, *, width: int = 200) -> list[str]:
    lines = [_join([column.title for column in COLUMNS])]
    lines += [_join(cells(heater, now)) for heater in heaters]
    if not heaters:
        lines.append("(no heaters seen yet)")
    online = sum(1 for heater in heaters if heater.availability == "online")
    lines.append(f"{len(heaters)} heater(s), {online} online")
    return [line[:width].rstrip() for line in lines]


def cells(heater: Heater, now: float) -> list[str]:
    status = heater.availability or "unknown"
    if heater.bad_state is not None:
        bad = f"bad state: {heater.bad_state}"
        return [heater.device_id, status, bad, "", "", "", "", "", ""]
    state = heater.state
    if state is None:
        return [heater.device_id, status] + [UNKNOWN] * (len(COLUMNS) - 2)
    if (
        heater.availability == "online"
        and heater.state_at is not None
        and now - heater.state_at > STALE_AFTER_S
    ):
        status = "stale"
    shares = f"{_count(state.shares_accepted)}/{_count(state.shares_rejected)}"
    return [
        heater.device_id,
        status,
        f"{_celsius(state.room_c)}/{_celsius(state.target_c)}",
        f"{state.mode or UNKNOWN}/{state.action or UNKNOWN}",
        UNKNOWN if state.power_w is None else f"{state.power_w:.0f}",
        _hashrate(state.hashrate_ghs),
        shares,
        state.pool or UNKNOWN,
        ",".join(state.alarms) if state.alarms else "none",
    ]


def _join(values: Sequence[str]) -> str:
    padded = []
    for column, value in zip(COLUMNS, values, strict=True):
        text = value if len(value) <= column.width else value[: column.width - 1] + "…"
        padded.append(text.ljust(column.width))
    # A "bad state" reason spans the columns after STATUS instead of being cut at one.
    if values[2].startswith("bad state"):
        return " ".join([*padded[:2], values[2]])
    return " ".join(padded)


def _celsius(value: float | None) -> str:
    return UNKNOWN if value is None else f"{value:.1f}"


def _count(value: int | None) -> str:
    return UNKNOWN if value is None else str(value)


def _hashrate(ghs: float | None) -> str:
    if ghs is None:
        return UNKNOWN
    if ghs >= 1000:
        return f"{ghs / 1000:.2f} TH/s"
    return f"{ghs:.1f} GH/s"
