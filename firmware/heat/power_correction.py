"""The board's power model corrected from its power meter (pure, clock injected).

The model (docs/boards.md, "Power model") is calibrated on published figures; a real
board draws a few percent more or less (its chips, its regulator's efficiency, its
supply). Where the board measures its input power, `PowerCorrection` keeps an EWMA of
measured / modelled watts, taken only in steady state (the chain at one hashing point
for `settle_s`, full duty), and the planner chooses the point for `model_w_for(asked)`
instead of `asked`, so that the meter reads what the thermostat asked for.

Samples that cannot be true (a ratio outside `RATIO_RANGE`) are counted and ignored:
a meter that reads nonsense must not drag the heater's power with it.
"""

from __future__ import annotations

import math

from firmware.work import OperatingPoint

RATIO_RANGE = (0.5, 2.0)  # measured/model outside this: a broken meter or model, not a drift
DEFAULT_ALPHA = 0.1  # per steady sample (one a control tick): ~10 ticks to follow a change
DEFAULT_SETTLE_S = 5.0  # after a point change: ramps, regulator slew and meter averaging


class PowerCorrection:
    def __init__(
        self,
        *,
        alpha: float = DEFAULT_ALPHA,
        settle_s: float = DEFAULT_SETTLE_S,
        ratio_range: tuple[float, float] = RATIO_RANGE,
    ) -> None:
        if not 0.0 < alpha <= 1.0:
            raise ValueError(f"alpha = {alpha!r}; allowed: 0 < alpha <= 1")
        if settle_s < 0.0:
            raise ValueError(f"settle_s = {settle_s!r}; allowed: >= 0")
        self.alpha = alpha
        self.settle_s = settle_s
        self.ratio_range = ratio_range
        self.ratio = 1.0
        self.samples = 0
        self.rejected = 0
        self._point: OperatingPoint | None = None
        self._since = 0.0

    def observe(
        self, now: float, point: OperatingPoint | None, model_w: float, measured_w: float | None
    ) -> None:
        """One control tick's view: the point the chain has arrived at (None while it is
        on its way: compare the read-back clock with the target's, not the read-back
        Vcore, which moves by a millivolt from one read to the next), the model's watts
        at that point, the meter's watts (None: no reading this tick)."""
        if point != self._point:
            self._point, self._since = point, now
            return
        hashing = point is not None and point.active_chips > 0 and point.duty >= 1.0
        if not hashing or measured_w is None or now - self._since < self.settle_s:
            return
        if model_w <= 0.0 or not math.isfinite(measured_w):
            self.rejected += 1
            return
        ratio = measured_w / model_w
        low, high = self.ratio_range
        if not low <= ratio <= high:
            self.rejected += 1
            return
        # The first steady sample is taken whole: the model may be off by 10 %.
        alpha = 1.0 if self.samples == 0 else self.alpha
        self.ratio += alpha * (ratio - self.ratio)
        self.samples += 1

    def model_w_for(self, asked_w: float) -> float:
        """The model watts whose point the meter will read as `asked_w`."""
        return asked_w / self.ratio

    def expected_w(self, model_w: float) -> float:
        """What the meter should read at a point the model puts at `model_w`."""
        return model_w * self.ratio

    def snapshot(self) -> dict[str, float]:
        return {"ratio": self.ratio, "samples": float(self.samples)}
