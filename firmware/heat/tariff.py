"""Tariff shifting: store heat in the room while it is cheap, use it while it is not.

With a comfort band b (`comfort_band_c`, 0 turns it off) the target moves within
[target − b/2, target + b]: raised to near target + b to pre-heat the room and its walls
on cheap power (at full power until close to it: firmware.heat.controller), lowered to
near target − b/2 to coast on the heat stored in the structure while power is dear
(`BAND_MARGIN_C` inside each edge). So the heater shifts its energy towards cheap hours
and the room stays in the band.

Two kinds of tariff:
* the owner's `cheap_hours` (`CheapHours`): everything else is expensive; in the
  `lead_s` (default 2 h) before an expensive period the room pre-heats, during one it
  coasts;
* a known price schedule (`PriceSchedule`, fed by the daemon from MQTT `prices`,
  firmware/grid): each moment is ranked against the prices known within `RANK_HORIZON_S`
  either side of it (time-weighted: 0 the cheapest, 1 the dearest). The cheapest
  `CHEAP_RANK` of that window pre-heats, the dearest `1 − DEAR_RANK` coasts, the rest
  holds the owner's target. Ranking within a moving window (rather than one median for
  the whole table) follows the daily shape of day-ahead prices whatever their level.
"""

from __future__ import annotations

import bisect
import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from firmware.heat.settings import CheapPeriod

DEFAULT_LEAD_S = 2 * 3600.0


class Tariff(Protocol):
    def expensive(self, local: datetime.datetime) -> bool: ...


@dataclass(frozen=True)
class CheapHours:
    """Daily cheap periods (local time); everything else is expensive."""

    periods: tuple[CheapPeriod, ...]

    def expensive(self, local: datetime.datetime) -> bool:
        minute = local.hour * 60 + local.minute
        return not any(p.contains(minute) for p in self.periods)


# A day either side: the day-ahead market prices whole days, so the daily shape (night
# and midday dips, evening peak) is what a moment is ranked within. The cheapest third
# pre-heats, the dearest third coasts (tests/bench/bench_tariff.py chose both on seven
# published weeks: docs/heat.md).
RANK_HORIZON_S = 24 * 3600.0
CHEAP_RANK = 1 / 3  # at or below: pre-heat
DEAR_RANK = 2 / 3  # at or above: coast
# How far inside the band's edges the shifted targets sit: a room regulated at the very
# edge spends half its time just outside (tests/bench/bench_tariff.py chose it).
BAND_MARGIN_C = 0.15


@dataclass(frozen=True)
class PriceSchedule:
    """Known prices: (start, price per kWh) sorted by start (local wall-clock time), each
    holding until the next; the last until `end` (None: for ever). Nothing is known
    before the first start or from `end` on."""

    prices: tuple[tuple[datetime.datetime, float], ...]
    end: datetime.datetime | None = None
    currency: str | None = None  # what the prices are in (ISO 4217), when known

    @classmethod
    def of(
        cls,
        prices: Sequence[tuple[datetime.datetime, float]],
        end: datetime.datetime | None = None,
        currency: str | None = None,
    ) -> PriceSchedule:
        if not prices:
            raise ValueError("price schedule = []; allowed: at least one (start, price)")
        ordered = tuple(sorted(prices, key=lambda p: p[0]))
        if end is not None and end <= ordered[-1][0]:
            raise ValueError(f"price schedule: end {end} is not after the last start")
        return cls(ordered, end, currency)

    def price_at(self, local: datetime.datetime) -> float | None:
        if self.end is not None and local >= self.end:
            return None
        i = bisect.bisect_right(self._starts, local) - 1
        return self.prices[i][1] if i >= 0 else None

    def rank(self, local: datetime.datetime, horizon_s: float = RANK_HORIZON_S) -> float | None:
        """Where the price now stands among the prices known within `horizon_s` either
        side, weighted by time: 0 = the cheapest, 1 = the dearest, 0.5 = all equal;
        None when no price is known now."""
        now = self.price_at(local)
        if now is None:
            return None
        span = datetime.timedelta(seconds=horizon_s)
        lo, hi = local - span, local + span
        cheaper = equal = total = 0.0
        for i, (start, price) in enumerate(self.prices):
            stop = self.prices[i + 1][0] if i + 1 < len(self.prices) else self.end or hi
            seconds = (min(stop, hi) - max(start, lo)).total_seconds()
            if seconds <= 0:
                continue
            total += seconds
            if price < now:
                cheaper += seconds
            elif price == now:
                equal += seconds
        return (cheaper + equal / 2.0) / total

    def expensive(self, local: datetime.datetime) -> bool:
        rank = self.rank(local)
        return rank is not None and rank >= DEAR_RANK

    def cheap(self, local: datetime.datetime) -> bool:
        rank = self.rank(local)
        return rank is not None and rank <= CHEAP_RANK

    def summary(self, local: datetime.datetime, shift: str | None) -> dict[str, object]:
        """The schedule in force as the state's `prices` object (docs/mqtt.md): the price
        now per kWh and its rank (null outside the table), the shift it causes
        ("preheat" | "coast" | null), and when the table ends (unix seconds)."""
        price, rank = self.price_at(local), self.rank(local)
        return {
            "currency": self.currency,
            "price": None if price is None else round(price, 5),
            "rank": None if rank is None else round(rank, 2),
            "shift": shift,
            "until": None if self.end is None else round(self.end.timestamp(), 1),
        }

    @property
    def _starts(self) -> list[datetime.datetime]:
        return [start for start, _ in self.prices]


def target_offset_c(
    tariff: Tariff | None,
    local: datetime.datetime,
    band_c: float,
    lead_s: float = DEFAULT_LEAD_S,
    probe_s: float = 900.0,
) -> tuple[float, str | None]:
    """(offset to add to the target, "preheat" | "coast" | None). The shifted targets
    sit `BAND_MARGIN_C` (at most a quarter of the band) inside the band's edges, so the
    regulation's own swing stays in the band."""
    if tariff is None or band_c <= 0:
        return 0.0, None
    inner = min(BAND_MARGIN_C, band_c / 4.0)
    if tariff.expensive(local):
        return -band_c / 2.0 + inner, "coast"
    if isinstance(tariff, PriceSchedule):
        return (band_c - inner, "preheat") if tariff.cheap(local) else (0.0, None)
    steps = int(lead_s // probe_s)
    for i in range(1, steps + 1):
        if tariff.expensive(local + datetime.timedelta(seconds=i * probe_s)):
            return band_c - inner, "preheat"
    return 0.0, None
