"""The stats screen's figures and chart series, from the app's own history of a heater."""

from __future__ import annotations

from dataclasses import dataclass

from app.model.heater import Heater
from app.model.units import format_temperature, to_display

Series = list[tuple[float, float]]  # (seconds relative to now, value)
CHART_HOURS = 3.0


@dataclass(frozen=True)
class StatsView:
    room: Series
    target: Series
    power: Series
    hashrate: Series  # TH/s
    energy_today_text: str
    energy_total_text: str
    efficiency_text: str
    room_text: str
    samples: int
    window_hours: float


def series(points: list[tuple[float, float | None]]) -> Series:
    return [(at, value) for at, value in points if value is not None]


def format_kwh(kwh: float | None) -> str:
    return "—" if kwh is None else f"{kwh:.2f} kWh"


def stats_view(heater: Heater | None, *, units: str, now: float) -> StatsView:
    if heater is None:
        return StatsView([], [], [], [], "—", "—", "—", "—", 0, CHART_HOURS)
    start = now - CHART_HOURS * 3600
    samples = heater.history.since(start)

    def temps(values: list[tuple[float, float | None]]) -> Series:
        return [(at, to_display(value, units)) for at, value in series(values)]

    room = temps([(s.at - now, s.room_c) for s in samples])
    target = temps([(s.at - now, s.target_c) for s in samples])
    power = series([(s.at - now, s.power_w) for s in samples])
    hashrate = [
        (at, ghs / 1000) for at, ghs in series([(s.at - now, s.hashrate_ghs) for s in samples])
    ]
    state = heater.state
    efficiency = None if state is None else state.efficiency_j_th
    return StatsView(
        room=room,
        target=target,
        power=power,
        hashrate=hashrate,
        energy_today_text=format_kwh(heater.energy_today_kwh()),
        energy_total_text=format_kwh(None if state is None else state.energy_kwh),
        efficiency_text="—" if efficiency is None else f"{efficiency:.1f} J/TH",
        room_text=format_temperature(None if state is None else state.room_c, units),
        samples=len(samples),
        window_hours=CHART_HOURS,
    )
