"""Today's share of a monotonic counter (energy kWh, shares, sats) the heater only reports
as a running total: the first value the app saw since local midnight is the baseline.

Baselines are saved with the app's settings (`snapshot`/`restore`), so closing and
reopening the app the same day keeps counting from the morning's first value."""

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

    def snapshot(self) -> dict[str, object] | None:
        if self.day is None or self.baseline is None:
            return None
        return {"day": self.day.isoformat(), "baseline": self.baseline, "latest": self.latest}

    def restore(self, saved: object) -> None:
        """Take a saved baseline back; anything malformed is ignored (counting restarts)."""
        if not isinstance(saved, dict):
            return
        day, baseline, latest = saved.get("day"), saved.get("baseline"), saved.get("latest")
        if not isinstance(day, str) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in (baseline, latest)
        ):
            return
        try:
            self.day = datetime.date.fromisoformat(day)
        except ValueError:
            return
        self.baseline, self.latest = float(baseline), float(latest)  # type: ignore[arg-type]

    def today(self) -> float | None:
        if self.baseline is None or self.latest is None:
            return None
        return self.latest - self.baseline
