"""Tariff shifting: store heat in the room while it is cheap, use it while it is not.

Policy, with a comfort band b (`comfort_band_c`, 0 turns it off):
* in the `lead_s` (default 2 h) before an expensive period starts, the target is raised
  by b: the room and its walls pre-heat on cheap power;
* during an expensive period the target is lowered by b/2: the room coasts on the heat
  stored in the structure, and the heater only tops up;
* otherwise the target is the owner's.
So the room stays within [target − b/2, target + b] and the heater shifts its energy
towards cheap hours. Expensive is either "outside the owner's `cheap_hours`" or, when a
price schedule is known (`PriceSchedule`, fed by the daemon from MQTT), a price above
that schedule's median.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class PriceSchedule:
    """Known prices: (start, price per kWh) sorted by start, each holding until the next;
    beyond the last start the last price holds. Above the median counts as expensive."""

    prices: tuple[tuple[datetime.datetime, float], ...]

    @classmethod
    def of(cls, prices: Sequence[tuple[datetime.datetime, float]]) -> PriceSchedule:
        if not prices:
            raise ValueError("price schedule = []; allowed: at least one (start, price)")
        return cls(tuple(sorted(prices, key=lambda p: p[0])))

    @property
    def threshold(self) -> float:
        values = sorted(price for _, price in self.prices)
        mid = len(values) // 2
        return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2

    def expensive(self, local: datetime.datetime) -> bool:
        current = None
        for start, price in self.prices:
            if start > local:
                break
            current = price
        return current is not None and current > self.threshold


def target_offset_c(
    tariff: Tariff | None,
    local: datetime.datetime,
    band_c: float,
    lead_s: float = DEFAULT_LEAD_S,
    probe_s: float = 900.0,
) -> tuple[float, str | None]:
    """(offset to add to the target, "preheat" | "coast" | None)."""
    if tariff is None or band_c <= 0:
        return 0.0, None
    if tariff.expensive(local):
        return -band_c / 2.0, "coast"
    steps = int(lead_s // probe_s)
    for i in range(1, steps + 1):
        if tariff.expensive(local + datetime.timedelta(seconds=i * probe_s)):
            return band_c, "preheat"
    return 0.0, None
