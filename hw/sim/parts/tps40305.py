"""The TPS40305 buck converter of the Bitaxe Ultra/Max, trimmed through its feedback
node by a DS4432U: not an I2C part, the physics between the DAC and the chips.

At the feedback node (TPS40305 datasheet: regulates FB to 600 mV) the current through
RA from the output equals the current into RB plus what the DAC sinks:
    (Vout − VFB) / RA = VFB / RB + I_dac   →   Vout = VFB + RA · (VFB / RB + I_dac)
The output moves to that value at `slew_v_per_s` while enabled, to 0 when not.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class SimTps40305:
    def __init__(
        self,
        *,
        ra_ohm: float,
        rb_ohm: float,
        vfb_v: float = 0.6,
        slew_v_per_s: float = 1000.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ra_ohm = ra_ohm
        self.rb_ohm = rb_ohm
        self.vfb_v = vfb_v
        self.slew_v_per_s = slew_v_per_s
        self._clock = clock
        self.enabled = True
        self._ramp = (clock(), 0.0, 0.0)

    def regulated_v(self, dac_sink_a: float) -> float:
        return self.vfb_v + self.ra_ohm * (self.vfb_v / self.rb_ohm + dac_sink_a)

    def vout_v(self, now: float | None = None) -> float:
        t0, v0, target = self._ramp
        t = self._clock() if now is None else now
        step = self.slew_v_per_s * max(0.0, t - t0)
        return min(target, v0 + step) if target >= v0 else max(target, v0 - step)

    def follow(self, dac_sink_a: float) -> None:
        now = self._clock()
        target = self.regulated_v(dac_sink_a) if self.enabled else 0.0
        if target != self._ramp[2]:
            self._ramp = (now, self.vout_v(now), target)
