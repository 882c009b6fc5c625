"""Closed loops for the heat tests: a controller driving a simulated room."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

from firmware.heat import Thermostat
from hw.sim.room import ROOMS, Climate, Room

DT_S = 10.0
MIN_W, MAX_W = 46.5, 502.0


def still_room(name: str, start_c: float = 20.0, seed: int = 1) -> Room:
    """A room at its own mean outdoor temperature, constant, and no sun, settled at
    `start_c`: disturbances come only from the test."""
    params = ROOMS[name]
    still = Climate(
        outdoor_mean_c=params.climate.outdoor_mean_c,
        outdoor_swing_c=0.0,
        sunrise_hour=12.0,
        sunset_hour=12.0,
    )
    room = Room(dataclasses.replace(params, climate=still), seed=seed)
    room.settle(start_c)
    return room


@dataclass
class Trace:
    t_s: list[float] = field(default_factory=list)
    air_c: list[float] = field(default_factory=list)
    watts: list[float] = field(default_factory=list)

    def after(self, t_s: float) -> Trace:
        i = next((k for k, t in enumerate(self.t_s) if t >= t_s), len(self.t_s))
        return Trace(self.t_s[i:], self.air_c[i:], self.watts[i:])

    def rms(self, target_c: float) -> float:
        return (sum((a - target_c) ** 2 for a in self.air_c) / len(self.air_c)) ** 0.5

    def cycles(self) -> int:
        return sum(1 for a, b in zip(self.watts, self.watts[1:], strict=False) if a == 0 < b)


def run(
    thermostat: Thermostat,
    room: Room,
    hours: float,
    target: Callable[[float], float],
    start_s: float = 0.0,
    events: Callable[[float, Room], None] | None = None,
) -> Trace:
    trace = Trace()
    watts = 0.0
    for k in range(int(hours * 3600 / DT_S)):
        now = start_s + k * DT_S
        if events is not None:
            events(now, room)
        state = room.step(DT_S, watts)
        watts = thermostat.update(now + DT_S, state.sensor_c, target(now + DT_S))
        trace.t_s.append(now + DT_S)
        trace.air_c.append(state.air_c)
        trace.watts.append(watts)
    return trace


def tuned(name: str, target_c: float = 20.0) -> tuple[Thermostat, Room, float]:
    """A thermostat that has run its relay test in a still room; returns the time."""
    room = still_room(name, target_c)
    thermostat = Thermostat(MIN_W, MAX_W)
    hours = 0.0
    while thermostat.tuning.source != "relay":
        run(thermostat, room, 1.0, lambda _t: target_c, start_s=hours * 3600)
        hours += 1.0
        assert hours < 12, f"no relay result in {name}: {thermostat.last_relay_failure}"
    return thermostat, room, hours * 3600
