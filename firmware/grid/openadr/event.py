"""An OpenADR event as openleadr hands it to the VEN (a dict of its parsed
oadrDistributeEvent: `event_descriptor`, `active_period`, `event_signals`) read into plain
values with unix-second times. Anything the heater cannot follow is refused with a reason
naming the field and value (`OptOut`); the VEN then opts out and changes nothing."""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from firmware.validation import shown


class OptOut(ValueError):
    """The VEN opts out of this event; the message is the reason (logged, and the event
    changes nothing)."""


@dataclass(frozen=True)
class Interval:
    start_s: float  # unix seconds
    end_s: float
    value: float  # the signal payload


@dataclass(frozen=True)
class Signal:
    name: str  # "SIMPLE", "LOAD_DISPATCH", "LOAD_CONTROL", ...
    type: str  # "level", "setpoint", "x-loadControlCapacity", ...
    intervals: tuple[Interval, ...]
    scale: float = 1.0  # the signal's measurement SI scale ("k" = 1000) for watts


@dataclass(frozen=True)
class AdrEvent:
    event_id: str
    modification: int
    status: str  # far, near, active, completed, cancelled
    start_s: float
    end_s: float
    startafter_s: float  # randomisation: the VEN starts within this after start_s
    signals: tuple[Signal, ...]


SI_SCALES = {"none": 1.0, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9}


def read_event(event: Mapping[str, Any]) -> AdrEvent:
    """The event's values; raises `OptOut` naming what is missing or wrong."""
    descriptor = _table(event, "event_descriptor")
    event_id = descriptor.get("event_id")
    if not isinstance(event_id, str) or not event_id:
        raise OptOut(f"event_descriptor.event_id = {shown(event_id)}: allowed: a non-empty id")
    modification = descriptor.get("modification_number", 0)
    if isinstance(modification, bool) or not isinstance(modification, int) or modification < 0:
        raise OptOut(
            f"event_descriptor.modification_number = {shown(modification)}:"
            " allowed: an integer >= 0"
        )
    status = str(descriptor.get("event_status", "far"))
    period = _table(event, "active_period")
    start = _time(period.get("dtstart"), "active_period.dtstart")
    duration = _seconds(period.get("duration"), "active_period.duration")
    if duration <= 0:
        raise OptOut(
            f"active_period.duration = {shown(period.get('duration'))}: allowed: a positive "
            "duration (open-ended events are not followed)"
        )
    startafter = _startafter(period.get("tolerance"))
    raw_signals = event.get("event_signals")
    if isinstance(raw_signals, Mapping):  # openleadr's other shape: {"event_signals": [...]}
        raw_signals = raw_signals.get("event_signals")
    if not isinstance(raw_signals, Sequence) or isinstance(raw_signals, str) or not raw_signals:
        raise OptOut(f"event_signals = {shown(raw_signals)}: allowed: one or more signals")
    signals = tuple(_signal(s, i) for i, s in enumerate(raw_signals))
    return AdrEvent(
        event_id=event_id,
        modification=modification,
        status=status,
        start_s=start,
        end_s=start + duration,
        startafter_s=startafter,
        signals=signals,
    )


def _table(parent: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = parent.get(key) if isinstance(parent, Mapping) else None
    if not isinstance(value, Mapping):
        raise OptOut(f"{key} = {shown(value)}: allowed: a table")
    return value


def _time(value: object, key: str) -> float:
    if not isinstance(value, datetime.datetime) or value.tzinfo is None:
        raise OptOut(f"{key} = {shown(value)}: allowed: a time with its UTC offset")
    return value.timestamp()


def _seconds(value: object, key: str) -> float:
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    raise OptOut(f"{key} = {shown(value)}: allowed: a duration")


def _startafter(tolerance: object) -> float:
    """`tolerance.tolerate.startafter` (as parsed) or `tolerance.startafter` (as built)."""
    if tolerance is None:
        return 0.0
    if not isinstance(tolerance, Mapping):
        raise OptOut(f"active_period.tolerance = {shown(tolerance)}: allowed: a table")
    inner = tolerance.get("tolerate", tolerance)
    value = inner.get("startafter") if isinstance(inner, Mapping) else None
    if value is None:
        return 0.0
    seconds = _seconds(value, "active_period.tolerance.startafter")
    if seconds < 0:
        raise OptOut(f"active_period.tolerance.startafter = {shown(value)}: allowed: >= 0")
    return seconds


def _signal(raw: object, index: int) -> Signal:
    key = f"event_signals[{index}]"
    if not isinstance(raw, Mapping):
        raise OptOut(f"{key} = {shown(raw)}: allowed: a table")
    name, kind = raw.get("signal_name"), raw.get("signal_type")
    if not isinstance(name, str) or not isinstance(kind, str):
        raise OptOut(f"{key}: signal_name {shown(name)}, signal_type {shown(kind)}: allowed: names")
    intervals = raw.get("intervals")
    if not isinstance(intervals, Sequence) or isinstance(intervals, str) or not intervals:
        raise OptOut(f"{key}.intervals = {shown(intervals)}: allowed: one or more intervals")
    out = []
    for i, interval in enumerate(intervals):
        where = f"{key}.intervals[{i}]"
        if not isinstance(interval, Mapping):
            raise OptOut(f"{where} = {shown(interval)}: allowed: a table")
        start = _time(interval.get("dtstart"), f"{where}.dtstart")
        length = _seconds(interval.get("duration"), f"{where}.duration")
        value = interval.get("signal_payload")
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or length <= 0
        ):
            raise OptOut(
                f"{where}: signal_payload {shown(value)},"
                f" duration {shown(interval.get('duration'))}:"
                " allowed: a finite number over a positive duration"
            )
        out.append(Interval(start, start + length, float(value)))
    return Signal(name, kind, tuple(sorted(out, key=lambda i: i.start_s)), _scale(raw, key))


def _scale(raw: Mapping[str, Any], key: str) -> float:
    measurement = raw.get("measurement")
    if not isinstance(measurement, Mapping):
        return 1.0
    scale = measurement.get("scale", "none") or "none"
    if scale not in SI_SCALES:
        raise OptOut(
            f"{key}.measurement.scale = {shown(scale)}: allowed: one of {', '.join(SI_SCALES)}"
        )
    return SI_SCALES[scale]
