"""The relay test that tunes the thermostat without a human (Åström–Hägglund, 1984).

Around the setpoint the heater alternates between `bias + d` and `bias − d` watts,
switching when the filtered error leaves a hysteresis band ±ε. The room settles into
a limit cycle whose period is the loop's ultimate period Pu and whose amplitude a gives
the ultimate gain by describing-function analysis:

    Ku = 4·d / (π · √(a² − ε²))

The heater never switches off during the test (bias − d ≥ the board's minimum), so a
test costs no on/off cycles, only a few tenths of a kelvin of swing for a few periods.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from firmware.heat.tuning import Tuning


@dataclass
class RelayTest:
    bias_w: float
    amplitude_w: float
    hysteresis_c: float
    started_s: float
    timeout_s: float
    cycles: int = 3  # full periods measured after the first switch
    high: bool = True
    switches: list[float] = field(default_factory=list)
    # (lowest, highest) error seen in each half-cycle; the lags carry each swing on well
    # past the switch, so both ends are watched in every half
    spans: list[tuple[float, float]] = field(default_factory=list)
    _low: float = math.inf
    _high: float = -math.inf
    _energy_j: float = 0.0
    _energy_from_s: float | None = None
    _last_s: float | None = None
    result: Tuning | None = None
    failed: str | None = None

    @property
    def done(self) -> bool:
        return self.result is not None or self.failed is not None

    def output(self, now_s: float, error_c: float) -> float:
        """Watts for this tick; `error_c` is setpoint − filtered temperature."""
        if self._last_s is not None and self._energy_from_s is not None:
            self._energy_j += self.level() * (now_s - self._last_s)
        self._last_s = now_s
        if now_s - self.started_s > self.timeout_s:
            self.failed = f"no steady oscillation within {self.timeout_s / 3600:.1f} h"
            return self.level()
        self._low = min(self._low, error_c)
        self._high = max(self._high, error_c)
        if (self.high and error_c < -self.hysteresis_c) or (
            not self.high and error_c > self.hysteresis_c
        ):
            self._switch(now_s)
        return self.level()

    def level(self) -> float:
        return self.bias_w + self.amplitude_w if self.high else self.bias_w - self.amplitude_w

    def _switch(self, now_s: float) -> None:
        self.high = not self.high
        if self.switches:
            self.spans.append((self._low, self._high))
        else:
            self._energy_from_s = now_s
        self.switches.append(now_s)
        self._low, self._high = math.inf, -math.inf
        if len(self.switches) >= 2 * self.cycles + 1:
            self._finish(now_s)

    def _finish(self, now_s: float) -> None:
        s = self.switches
        periods = [s[i] - s[i - 2] for i in range(len(s) - 1, 2, -2)][:2]
        if len(periods) == 2 and abs(periods[0] - periods[1]) > 0.25 * max(periods):
            self.failed = f"periods differ: {periods[0]:.0f} s vs {periods[1]:.0f} s"
            return
        pu = sum(periods) / len(periods)
        # the last full cycle's peak-to-peak, halved
        last = self.spans[-2:]
        a = (max(h for _, h in last) - min(lo for lo, _ in last)) / 2.0
        if a <= self.hysteresis_c:
            self.failed = f"amplitude {a:.3f} K within the hysteresis band"
            return
        # 4d/(πa) is the describing function's magnitude; with hysteresis the cycle sits a
        # little before the −180° point, so this under-estimates Ku: the safe side
        ku = 4.0 * self.amplitude_w / (math.pi * a)
        started = self._energy_from_s if self._energy_from_s is not None else now_s
        load = self._energy_j / max(1.0, now_s - started)
        self.result = Tuning.from_relay(ku, pu, load)
