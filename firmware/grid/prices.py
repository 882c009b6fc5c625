"""Day-ahead price tables: one validated shape (`PriceTable`) whatever format they came
in, and Hearth's own MQTT `prices` JSON (docs/mqtt.md, "prices"):

    {"currency": "EUR", "unit": "kWh", "interval_s": 3600,
     "prices": [{"start": "2024-01-15T00:00:00+01:00", "price": 0.0838}, ...]}

A table is refused whole, with the reason, when anything is wrong: an unknown currency or
unit, an interval other than 15 or 60 minutes, a start without a UTC offset, intervals
that overlap or leave a gap, a price that is not a finite number, too many intervals.
Refused means nothing changes: the schedule in force stays.
"""

from __future__ import annotations

import datetime
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from firmware.heat.tariff import PriceSchedule
from firmware.inputs import bounded_echo

MAX_PRICES_BYTES = 256 * 1024  # a week of quarter hours as ENTSO-E XML is ~150 kB
INTERVALS_S = (900, 3600)  # day-ahead market time units: 15 min (SDAC since 2025) and 1 h
MAX_INTERVALS = 8 * 96  # eight days of quarter hours
# ISO 4217 codes of the currencies Europe's day-ahead markets clear or publish in
# (ENTSO-E `currency_Unit.name`, Nord Pool's areas), and a few more for home systems.
CURRENCIES = frozenset(
    {"EUR", "GBP", "DKK", "NOK", "SEK", "PLN", "CZK", "HUF", "RON", "BGN", "CHF", "USD"}
)
# Price per what, as the factor that turns it into a price per kWh.
UNITS = {"kWh": 1.0, "MWh": 1e-3, "Wh": 1e3}
KNOWN_KEYS = frozenset({"currency", "unit", "interval_s", "prices"})


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class PriceTable:
    """Contiguous intervals of `interval_s` from `starts[0]`, a price per kWh each."""

    currency: str
    interval_s: int
    starts: tuple[datetime.datetime, ...]  # timezone-aware
    prices: tuple[float, ...]  # `currency` per kWh

    @property
    def end(self) -> datetime.datetime:
        return self.starts[-1] + datetime.timedelta(seconds=self.interval_s)

    def schedule(self, tz: datetime.tzinfo | None = None) -> PriceSchedule:
        """The heat controller's schedule, in local wall-clock time (`tz`; None = the
        system's zone), as the controller's clock reads it."""

        def local(t: datetime.datetime) -> datetime.datetime:
            return t.astimezone(tz).replace(tzinfo=None)

        return PriceSchedule.of(
            [(local(t), p) for t, p in zip(self.starts, self.prices, strict=True)],
            end=local(self.end),
            currency=self.currency,
        )

    def to_dict(self) -> dict[str, object]:
        """Hearth's own `prices` object for this table (what the store keeps)."""
        return {
            "currency": self.currency,
            "unit": "kWh",
            "interval_s": self.interval_s,
            "prices": [
                {"start": t.isoformat(), "price": p}
                for t, p in zip(self.starts, self.prices, strict=True)
            ],
        }


def make_table(
    currency: object,
    unit: object,
    interval_s: object,
    points: Sequence[tuple[datetime.datetime, object]],
    *,
    what: str = "prices",
) -> PriceTable:
    """Check everything a table must be; ValueError starting with `what` names the fault."""
    if not isinstance(currency, str) or currency not in CURRENCIES:
        raise ValueError(
            f"{what}: currency = {bounded_echo(currency)!r}; "
            f"allowed: {', '.join(sorted(CURRENCIES))}"
        )
    if not isinstance(unit, str) or unit not in UNITS:
        raise ValueError(f"{what}: unit = {bounded_echo(unit)!r}; allowed: {', '.join(UNITS)}")
    if (
        isinstance(interval_s, bool)
        or not isinstance(interval_s, int)
        or interval_s not in INTERVALS_S
    ):
        raise ValueError(f"{what}: interval_s = {bounded_echo(interval_s)!r}; allowed: 900 or 3600")
    if not points:
        raise ValueError(f"{what}: no prices; allowed: 1..{MAX_INTERVALS} intervals")
    if len(points) > MAX_INTERVALS:
        raise ValueError(f"{what}: {len(points)} intervals; allowed: at most {MAX_INTERVALS}")
    step = datetime.timedelta(seconds=interval_s)
    ordered = sorted(points, key=lambda p: p[0])
    for (a, _), (b, _) in itertools.pairwise(ordered):
        if b - a < step:
            raise ValueError(
                f"{what}: intervals overlap: {b.isoformat()} starts before the one from "
                f"{a.isoformat()} ends ({interval_s} s)"
            )
        if b - a > step:
            raise ValueError(
                f"{what}: intervals missing: nothing from {(a + step).isoformat()} "
                f"to {b.isoformat()}"
            )
    factor = UNITS[unit]
    values: list[float] = []
    for start, price in ordered:
        if (
            isinstance(price, bool)
            or not isinstance(price, int | float)
            or not math.isfinite(price)
        ):
            raise ValueError(
                f"{what}: price at {start.isoformat()} = {bounded_echo(price)!r}; "
                "allowed: a finite number"
            )
        values.append(float(price) * factor)
    return PriceTable(currency, interval_s, tuple(t for t, _ in ordered), tuple(values))


def parse_time(value: object, *, what: str = "prices") -> datetime.datetime:
    """An ISO 8601 time with its UTC offset (a wall-clock time alone is ambiguous)."""
    if not isinstance(value, str):
        raise ValueError(f"{what}: start = {bounded_echo(value)!r}; allowed: ISO 8601 text")
    try:
        t = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{what}: start = {bounded_echo(value)!r} is not an ISO 8601 time"
        ) from None
    if t.utcoffset() is None:
        raise ValueError(
            f"{what}: start = {bounded_echo(value)!r} has no UTC offset; "
            "allowed: e.g. 2024-01-15T00:00:00+01:00 or ...Z"
        )
    return t


def hearth_table(value: dict[str, object]) -> PriceTable:
    """Hearth's own `prices` object (the module docstring)."""
    unknown = sorted(set(value) - KNOWN_KEYS)
    if unknown:
        raise ValueError(
            f"prices: unknown key(s) {bounded_echo(unknown)}; "
            "allowed: currency, unit, interval_s, prices"
        )
    rows = value.get("prices")
    if not isinstance(rows, list):
        raise ValueError("prices: `prices` must be a list of {start, price}")
    points: list[tuple[datetime.datetime, object]] = []
    for row in rows:
        if not isinstance(row, dict) or set(row) != {"start", "price"}:
            raise ValueError(
                f'prices: entry {bounded_echo(row)!r}; allowed: {{"start": ..., "price": ...}}'
            )
        points.append((parse_time(row["start"]), row["price"]))
    return make_table(value.get("currency"), value.get("unit"), value.get("interval_s"), points)
