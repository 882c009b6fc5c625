"""Weather outside a room: a daily outdoor temperature swing and a daily sun curve."""

from __future__ import annotations

import math
from dataclasses import dataclass

DAY_S = 86400.0


@dataclass(frozen=True)
class Climate:
    outdoor_mean_c: float
    outdoor_swing_c: float  # half the day's peak-to-peak
    coldest_hour: float = 5.0  # local time of the daily minimum
    sunrise_hour: float = 8.0
    sunset_hour: float = 17.0

    def outdoor_c(self, t_s: float) -> float:
        """Sinusoid with its minimum at `coldest_hour` (t_s = 0 is midnight)."""
        phase = 2.0 * math.pi * ((t_s / 3600.0 - self.coldest_hour) / 24.0)
        return self.outdoor_mean_c - self.outdoor_swing_c * math.cos(phase)

    def sun_fraction(self, t_s: float) -> float:
        """0 at night, a half-sine from sunrise to sunset peaking at 1."""
        hour = (t_s % DAY_S) / 3600.0
        if not self.sunrise_hour < hour < self.sunset_hour:
            return 0.0
        span = self.sunset_hour - self.sunrise_hour
        return math.sin(math.pi * (hour - self.sunrise_hour) / span)
