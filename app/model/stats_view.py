"""The stats screen's figures and chart series, from the app's own history of a heater."""

from __future__ import annotations

from dataclasses import dataclass

from app.model.heater import Heater
from app.model.history import Sample
from app.model.units import format_temperature, to_display

Series = list[tuple[float, float]]  # (seconds relative to now, value)
# The chart views: how far back, and which of the heater's own histories fills them.
DAY, WEEK = "day", "week"
VIEW_HOURS = {DAY: 48.0, WEEK: 7 * 24.0}
VIEW_LEVEL = {DAY: "minute", WEEK: "hour"}


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
    samples: int  # readings this app kept while connected, in the window
    window_hours: float
    kept_samples: int = 0  # readings from the heater's own history, in the window
    note: str = ""


def series(points: list[tuple[float, float | None]]) -> Series:
    return [(at, value) for at, value in points if value is not None]


def format_kwh(kwh: float | None) -> str:
    return "—" if kwh is None else f"{kwh:.2f} kWh"


def chart_samples(heater: Heater, view: str, now: float) -> tuple[list[Sample], int, int]:
    """The heater's own history for the view, then what this app saw live after it."""
    start = now - VIEW_HOURS[view] * 3600
    live = heater.history.since(start)
    kept = heater.kept.get(VIEW_LEVEL[view])
    first_live = live[0].at if live else now + 1
    older = [s for s in (kept.samples if kept else ()) if start <= s.at < first_live]
    return [*older, *live], len(older), len(live)


def describe(view: str, kept: int, live: int, problem: str | None, *, sent: bool) -> str:
    """Where the lines come from; `sent`: the heater has sent a history for this view
    (a new heater's may hold nothing older than what the app saw live)."""
    window = "48 hours" if view == DAY else "7 days"
    if kept:
        text = f"The last {window} from the heater's own history"
        then = "1 live reading" if live == 1 else f"{live} live readings"
        return text + (f", then {then}." if live else ".")
    readings = "1 reading" if live == 1 else f"{live} readings"
    head = f"{readings} kept by this app while connected"
    if problem:
        return f"{head}; the heater's history could not be read: {problem}."
    if sent:
        return f"{head}; the heater's own history holds nothing older yet."
    return f"{head}; no history from the heater."


def stats_view(heater: Heater | None, *, units: str, now: float, view: str = DAY) -> StatsView:
    if heater is None:
        return StatsView([], [], [], [], "—", "—", "—", "—", 0, VIEW_HOURS[view])
    samples, kept, live = chart_samples(heater, view, now)

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
        samples=live,
        window_hours=VIEW_HOURS[view],
        kept_samples=kept,
        note=describe(
            view, kept, live, heater.history_problem, sent=VIEW_LEVEL[view] in heater.kept
        ),
    )
