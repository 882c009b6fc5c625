"""`History`: the heater's own record of the last 48 hours (one sample a minute) and the
last 90 days (one an hour), pure and bounded (docs/http-api.md, "History").

A sample is `(t_unix, values)` with one value (or None: unknown) per `FIELDS` entry.
Minutes keep the last reading seen in that minute; an hour is closed when the first
sample of a later hour arrives: gauges (room, target, power, hashrate) are the mean of
the hour's known minute values, counters (energy, earnings) the hour's last value.
Both rings are bounded by count and by age, so memory and the stored file stay flat
however long the heater runs. The clock is the caller's: nothing here reads the time.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

FIELDS = ("room_c", "target_c", "power_w", "hashrate_ths", "energy_kwh", "earnings_sat")
# Counters: an hour keeps its last value; the others (gauges) the hour's mean.
COUNTERS = frozenset({"energy_kwh", "earnings_sat"})
# Decimal places kept per field (sensor and meter resolution; keeps payloads small).
DIGITS = {
    "room_c": 2,
    "target_c": 2,
    "power_w": 1,
    "hashrate_ths": 3,
    "energy_kwh": 4,
    "earnings_sat": 3,
}
MINUTE_S = 60
HOUR_S = 3600
MINUTE_SPAN_S = 48 * HOUR_S
HOUR_SPAN_S = 90 * 24 * HOUR_S
MINUTE_SLOTS = MINUTE_SPAN_S // MINUTE_S  # 2880
HOUR_SLOTS = HOUR_SPAN_S // HOUR_S  # 2160

Value = float | None
Row = tuple[int, tuple[Value, ...]]


@dataclass(frozen=True)
class Span:
    name: str  # "48h" or "90d", as `?span=` names it
    interval_s: int
    keep_s: int
    slots: int


MINUTES = Span("48h", MINUTE_S, MINUTE_SPAN_S, MINUTE_SLOTS)
HOURS = Span("90d", HOUR_S, HOUR_SPAN_S, HOUR_SLOTS)
SPANS = {span.name: span for span in (MINUTES, HOURS)}


def _clean(field: str, value: object) -> Value:
    """A finite number rounded to the field's digits, or None."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value):
        return None
    return round(float(value), DIGITS[field])


def values_from(sample: Mapping[str, object]) -> tuple[Value, ...]:
    return tuple(_clean(field, sample.get(field)) for field in FIELDS)


class History:
    def __init__(self) -> None:
        self.minutes: deque[Row] = deque(maxlen=MINUTE_SLOTS)
        self.hours: deque[Row] = deque(maxlen=HOUR_SLOTS)

    def add(self, t_unix: float, sample: Mapping[str, object]) -> None:
        """Record a reading taken at `t_unix`; one older than the newest kept minute is
        ignored (the rings stay in time order)."""
        minute = int(t_unix // MINUTE_S) * MINUTE_S
        values = values_from(sample)
        if self.minutes and minute < self.minutes[-1][0]:
            return
        if self.minutes and minute == self.minutes[-1][0]:
            self.minutes[-1] = (minute, values)
        else:
            if self.minutes and minute // HOUR_S != self.minutes[-1][0] // HOUR_S:
                self._close_hour(self.minutes[-1][0] // HOUR_S * HOUR_S)
            self.minutes.append((minute, values))
        self._trim(minute)

    def _close_hour(self, hour: int) -> None:
        rows = [values for t, values in self.minutes if hour <= t < hour + HOUR_S]
        if not rows or (self.hours and self.hours[-1][0] >= hour):
            return
        self.hours.append((hour, hour_values(rows)))

    def _trim(self, now: int) -> None:
        for ring, span in ((self.minutes, MINUTES), (self.hours, HOURS)):
            while ring and ring[0][0] <= now - span.keep_s:
                ring.popleft()

    def rows(self, span: Span) -> list[Row]:
        return list(self.minutes if span is MINUTES else self.hours)

    def document(self, span: Span) -> dict[str, object]:
        """The `/api/history` answer (and the MQTT `history/*` payload) for `span`."""
        return {
            "interval_s": span.interval_s,
            "fields": list(FIELDS),
            "samples": [[t, *values] for t, values in self.rows(span)],
        }

    # ---- keeping it on disk ------------------------------------------------------------

    def to_dict(self) -> dict[str, object]:
        return {
            "fields": list(FIELDS),
            "minutes": [[t, *v] for t, v in self.minutes],
            "hours": [[t, *v] for t, v in self.hours],
        }

    @classmethod
    def from_dict(cls, data: object, *, now_unix: float) -> History:
        """A stored history back; ValueError names what is wrong. Samples dated after
        `now_unix` (a clock set back, a faster simulated clock before) are dropped."""
        if not isinstance(data, dict):
            raise ValueError("history: not an object")
        if data.get("fields") != list(FIELDS):
            raise ValueError(f"history: fields {data.get('fields')!r} are not {list(FIELDS)}")
        history = cls()
        for key, ring, span in (("minutes", history.minutes, MINUTES),
                                ("hours", history.hours, HOURS)):  # fmt: skip
            rows = _rows(key, data.get(key), span)
            ring.extend(row for row in rows if row[0] <= now_unix)
        history._trim(int(now_unix))
        return history


def _rows(key: str, raw: object, span: Span) -> list[Row]:
    if not isinstance(raw, list):
        raise ValueError(f"history.{key}: not a list")
    rows: list[Row] = []
    for i, item in enumerate(raw[-span.slots :]):
        if not isinstance(item, list) or len(item) != len(FIELDS) + 1:
            raise ValueError(f"history.{key}[{i}]: not [t, {', '.join(FIELDS)}]")
        t = item[0]
        if isinstance(t, bool) or not isinstance(t, int) or t % span.interval_s:
            raise ValueError(f"history.{key}[{i}]: time {t!r} is not a whole {span.name} slot")
        if rows and t <= rows[-1][0]:
            raise ValueError(f"history.{key}[{i}]: time {t} is not after {rows[-1][0]}")
        values = tuple(_clean(f, v) for f, v in zip(FIELDS, item[1:], strict=True))
        if any(v is None and raw_v is not None for v, raw_v in zip(values, item[1:], strict=True)):
            raise ValueError(f"history.{key}[{i}]: values must be numbers or null")
        rows.append((t, values))
    return rows


def hour_values(rows: Iterable[Sequence[Value]]) -> tuple[Value, ...]:
    """One hour's row from its minute rows (gauges averaged, counters last known)."""
    columns = list(zip(*rows, strict=True))
    out: list[Value] = []
    for field, column in zip(FIELDS, columns, strict=True):
        known = [v for v in column if v is not None]
        if not known:
            out.append(None)
        elif field in COUNTERS:
            out.append(known[-1])
        else:
            out.append(round(sum(known) / len(known), DIGITS[field]))
    return tuple(out)
