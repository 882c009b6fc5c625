"""The owner's policy and the signal table: an accepted OpenADR event becomes a `Plan`,
the heater's power cap over time. Pure; `now_s` and the randomisation draw are handed in.

SIMPLE levels (OpenADR 2.0 "simple" signal, type level):
    0 normal     no cap
    1 moderate   50 % of the board's maximum power
    2 high       the lowest hashing power (the board's lowest operating point)
    3 special    0 W: no hashing at all

LOAD_DISPATCH (its measurement's scale applies, e.g. kW):
    setpoint     at most this many watts
    delta        the maximum changed by this many watts (negative = shed)
    multiplier   this share of the maximum
LOAD_CONTROL:
    x-loadControlCapacity        this share (0..1) of the maximum
    x-loadControlPercentOffset   the maximum less this many percent
    x-loadControlLevelOffset     a SIMPLE level (0..3) above normal

Every cap is clamped to 0..max. Several signals in one event: the most restrictive wins at
every moment. Randomisation (`tolerance.startafter`): the event's start moves by a draw in
0..startafter, once per event; its end does not move.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable
from dataclasses import dataclass

from firmware.grid.openadr.event import AdrEvent, OptOut, Signal

PARTICIPATION = ("opt_in", "opt_out")
FINISHED = ("completed", "cancelled")


@dataclass(frozen=True)
class Limits:
    max_w: float  # the board's maximum electrical power
    min_w: float  # its lowest hashing power


@dataclass(frozen=True)
class Step:
    start_s: float  # unix seconds
    end_s: float
    max_power_w: float | None  # None: no cap in this step (level 0)


@dataclass(frozen=True)
class Plan:
    event_id: str
    modification: int
    steps: tuple[Step, ...]  # in time order, not overlapping

    @property
    def end_s(self) -> float:
        return self.steps[-1].end_s if self.steps else 0.0


def _level(value: float, limits: Limits) -> float | None:
    if value not in SIMPLE_LEVELS:
        raise OptOut(f"SIMPLE level {value:g}: allowed: 0, 1, 2 or 3")
    return SIMPLE_LEVELS[int(value)](limits)


SIMPLE_LEVELS: dict[int, Callable[[Limits], float | None]] = {
    0: lambda limits: None,  # normal
    1: lambda limits: 0.5 * limits.max_w,  # moderate
    2: lambda limits: limits.min_w,  # high: the lowest hashing power
    3: lambda limits: 0.0,  # special: stop
}

# (signal_name, signal_type) -> the cap for one interval's value (already scaled to watts
# where the signal carries a power), or None for no cap.
SIGNALS: dict[tuple[str, str], Callable[[float, Limits], float | None]] = {
    ("SIMPLE", "level"): _level,
    ("simple", "level"): _level,
    ("LOAD_DISPATCH", "setpoint"): lambda w, limits: w,
    ("LOAD_DISPATCH", "delta"): lambda w, limits: limits.max_w + w,
    ("LOAD_DISPATCH", "multiplier"): lambda x, limits: x * limits.max_w,
    ("LOAD_CONTROL", "x-loadControlCapacity"): lambda x, limits: x * limits.max_w,
    ("LOAD_CONTROL", "x-loadControlPercentOffset"): (
        lambda pct, limits: limits.max_w * (1.0 - pct / 100.0)
    ),
    ("LOAD_CONTROL", "x-loadControlLevelOffset"): _level,
}
# Signals whose payload is a power, so the measurement's scale (kW) applies.
POWER_SIGNALS = frozenset({("LOAD_DISPATCH", "setpoint"), ("LOAD_DISPATCH", "delta")})


def supported() -> str:
    return ", ".join(f"{name}/{kind}" for name, kind in SIGNALS)


def plan_event(
    event: AdrEvent, *, now_s: float, limits: Limits, participation: str, draw: float
) -> Plan:
    """The caps `event` asks for, from now on; `draw` in 0..1 picks the randomised start.
    Raises `OptOut` (the reason) when the owner's policy, the event's status, its times or
    its signals say no."""
    if participation != "opt_in":
        raise OptOut(f"openadr.participation = {participation!r}: the owner opts out of events")
    if event.end_s <= now_s:
        ended = datetime.datetime.fromtimestamp(event.end_s, datetime.UTC)
        raise OptOut(
            f"event {event.event_id}: ended at {ended.isoformat(timespec='seconds')}"
            " (wholly in the past)"
        )
    if event.status in FINISHED:
        raise OptOut(f"event {event.event_id}: status {event.status}")
    for signal in event.signals:
        if (signal.name, signal.type) not in SIGNALS:
            raise OptOut(
                f"event {event.event_id}: signal {signal.name}/{signal.type} is not supported;"
                f" supported: {supported()}"
            )
    start = event.start_s + max(0.0, min(1.0, draw)) * event.startafter_s
    edges = {start, event.end_s}
    for signal in event.signals:
        for interval in signal.intervals:
            edges.update(t for t in (interval.start_s, interval.end_s) if start < t < event.end_s)
    times = sorted(edges)
    steps: list[Step] = []
    for a, b in itertools.pairwise(times):
        if b <= now_s:
            continue
        caps = [w for s in event.signals if (w := _cap_at(s, a, limits)) is not None]
        watts = min(caps) if caps else None
        if steps and steps[-1].max_power_w == watts and steps[-1].end_s == a:
            steps[-1] = Step(steps[-1].start_s, b, watts)
        else:
            steps.append(Step(a, b, watts))
    return Plan(event.event_id, event.modification, tuple(steps))


def _cap_at(signal: Signal, t: float, limits: Limits) -> float | None:
    for interval in signal.intervals:
        if interval.start_s <= t < interval.end_s:
            key = (signal.name, signal.type)
            value = interval.value * (signal.scale if key in POWER_SIGNALS else 1.0)
            watts = SIGNALS[key](value, limits)
            return None if watts is None else max(0.0, min(limits.max_w, watts))
    return None
