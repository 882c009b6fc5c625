"""Today's share of a monotonic counter (energy kWh, shares, sats) the heater only reports
as a running total: the first value the app saw since local midnight is the baseline."""

from __future__ import annotations

import datetime


def local_day(at: float) -> datetime.date:
    return datetime.datetime.fromtimestamp(at).date()


class DailyCounter:
    def __init__(self) -> None:
        self.day: datetime.date | None = None
        self.baseline: float | None = None
        self.latest: float | None = None

    def update(self, at: float, total: float | None) -> None:
        if total is None:
            return
        day = local_day(at)
        if self.day != day or self.baseline is None:
            self.day, self.baseline = day, total
        elif total < (self.latest if self.latest is not None else total):
            # The heater's counter went back (a reset or a replaced unit): start again.
            self.baseline = total
        self.latest = total

    def today(self) -> float | None:
        if self.baseline is None or self.latest is None:
            return None
        return self.latest - self.baseline
