"""The power planner: turns the thermostat's watts into the operating point that makes
the most hashes with exactly that heat, and moves there within the chips' ramp limits.

Every watt becomes heat whatever the chips do, so for a heat demand P the best point is
the one with the highest hashrate among those drawing at most P. The planner enumerates
every chip count and every frequency on the board's grid, each at its minimum stable
voltage (`BoardProfile.min_voltage_mv`), and keeps the Pareto frontier: points sorted
by power whose hashrate beats every cheaper point. Lower V and f are more efficient per
hash (dynamic power ∝ V²·f), but every hashing chip shares the board's fixed overhead,
so the frontier decides case by case whether all chips slow or fewer chips faster win.

Below the frontier's lowest power the thermostat duty-cycles (it never asks for
0 < P < `min_w`); 0 W is the hashboard off (`IDLE`: no work, chain held idle).

`whole_chain=True` keeps only points with every chip hashing: chips on one UART share a
clock broadcast, so the ASIC backend runs the whole chain or none of it. hearthd plans
that way and applies `best_for(watts).point`; the backend does the ramping.

Ramp limits: frequency moves at most `frequency_mhz_per_s`, core voltage at most
`voltage_mv_per_s` (the point carries it rounded up to the regulator's step), and the
voltage is raised *before* a frequency rise and lowered *after* a frequency fall, so
the chips never run above what their voltage supports. Chips are added or dropped one
at a time, `chip_interval_s` apart. Switching the board off is immediate: stopping is
always safe.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import Protocol

from firmware.work import OperatingPoint

# The backend contract's "off": no work to the chips, the chain held idle.
IDLE = OperatingPoint(frequency_mhz=0.0, voltage_mv=0, active_chips=0, duty=0.0)


class BoardModel(Protocol):
    """What the planner reads from a `firmware.board.BoardProfile`."""

    @property
    def chip_count(self) -> int: ...

    @property
    def frequency_min_mhz(self) -> float: ...

    @property
    def voltage_step_mv(self) -> int: ...

    def frequency_steps(self) -> tuple[float, ...]: ...

    def min_voltage_mv(self, frequency_mhz: float) -> int: ...

    def power_w(
        self, frequency_mhz: float, voltage_mv: float, active_chips: int | None = None
    ) -> float: ...

    def hashrate_ghs(self, frequency_mhz: float, active_chips: int | None = None) -> float: ...

    def max_w(self) -> float: ...


def power_at_w(board: BoardModel, point: OperatingPoint | None, issuing_work: bool) -> float:
    """Modelled wall power with the chain at `point` (where it really is, read back from
    the backend): idle power when no work is issued or no chip is clocked."""
    idle = board.power_w(0.0, 0, 0)  # no chip hashing: the board's idle draw
    if point is None or not issuing_work or point.active_chips == 0 or point.duty == 0:
        return idle
    hashing = board.power_w(point.frequency_mhz, point.voltage_mv, point.active_chips)
    return idle + (hashing - idle) * point.duty


@dataclass(frozen=True)
class RampLimits:
    # ESP-Miner moves the PLL in 6.25 MHz steps every 100 ms (do_frequency_transition):
    # 62.5 MHz/s; we stay at half that.
    frequency_mhz_per_s: float = 30.0
    # Core-voltage regulators (TPS546 class) slew far faster; a gentle 50 mV/s keeps the
    # chips' supply from ringing. An assumption, not a datasheet figure.
    voltage_mv_per_s: float = 50.0
    chip_interval_s: float = 2.0

    def __post_init__(self) -> None:
        for key in ("frequency_mhz_per_s", "voltage_mv_per_s", "chip_interval_s"):
            value = getattr(self, key)
            if not math.isfinite(value) or value <= 0:
                raise ValueError(f"ramp limit {key} = {value!r}; allowed: a number > 0")


@dataclass(frozen=True)
class PlannedPoint:
    point: OperatingPoint
    power_w: float  # electrical draw, all of it heat
    hashrate_ghs: float  # expected
    efficiency_j_th: float  # joules per terahash; inf when not hashing

    @property
    def hashing(self) -> bool:
        return self.point.active_chips > 0 and self.point.duty > 0


class PowerPlanner:
    def __init__(
        self, board: BoardModel, ramp: RampLimits | None = None, *, whole_chain: bool = False
    ) -> None:
        self.board = board
        self.ramp = ramp or RampLimits()
        self.whole_chain = whole_chain
        self._steps = board.frequency_steps()
        self._frontier = self._build_frontier()
        self._powers = [p.power_w for p in self._frontier]
        self.off = self._planned(
            board.frequency_min_mhz, board.min_voltage_mv(board.frequency_min_mhz), 0
        )
        self.current = self.off
        self._voltage_mv = float(self.off.point.voltage_mv)  # the ramp's exact position
        self._last_s: float | None = None
        self._chip_changed_s = -math.inf

    # --- the static map ------------------------------------------------------------
    @property
    def min_w(self) -> float:
        """Lowest power the board can hash at continuously."""
        return self._powers[0]

    @property
    def max_w(self) -> float:
        return self._powers[-1]

    @property
    def frontier(self) -> tuple[PlannedPoint, ...]:
        return tuple(self._frontier)

    def best_for(self, requested_w: float) -> PlannedPoint:
        """The most hashes for at most `requested_w` (the lowest point if it is below
        `min_w` but above 0, so the thermostat's duty-cycle level is honoured)."""
        if not math.isfinite(requested_w) or requested_w <= 0:
            return self.off
        i = bisect.bisect_right(self._powers, requested_w + 1e-9) - 1
        return self._frontier[max(0, i)]

    def most_efficient(self) -> PlannedPoint:
        """The point with the most hashes per joule counting the idle draw it replaces:
        duty-cycling between off and this point beats any steady point below it."""
        idle = self.off.power_w
        return max(self._frontier, key=lambda p: p.hashrate_ghs / max(1e-9, p.power_w - idle))

    # --- moving there -------------------------------------------------------------------
    def step(self, now_s: float, requested_w: float) -> PlannedPoint:
        """Move from the current point towards `best_for(requested_w)` as far as the ramp
        limits allow in the time since the last call; returns the point to apply now."""
        dt = 0.0 if self._last_s is None else max(0.0, now_s - self._last_s)
        self._last_s = now_s
        target = self.best_for(requested_w)
        if not target.hashing:
            self.current = self.off
            return self.current
        cur = self.current.point
        b = self.board
        if not self.current.hashing:
            # power-up: chips start at the bottom of the grid and ramp from there
            f0 = self._steps[0]
            self._chip_changed_s = now_s
            self._voltage_mv = float(b.min_voltage_mv(f0))
            self.current = self._planned(f0, b.min_voltage_mv(f0), target.point.active_chips)
            return self.current
        chips = cur.active_chips
        if (
            chips != target.point.active_chips
            and now_s - self._chip_changed_s >= self.ramp.chip_interval_s
        ):
            chips += 1 if target.point.active_chips > chips else -1
            self._chip_changed_s = now_s
        f, v = cur.frequency_mhz, self._voltage_mv
        tf, tv = target.point.frequency_mhz, float(target.point.voltage_mv)
        df = self.ramp.frequency_mhz_per_s * dt
        dv = self.ramp.voltage_mv_per_s * dt
        if tf > f:
            wanted = min(tf, f + df)
            goal = tv if wanted >= tf else float(b.min_voltage_mv(self._snap_down(wanted)))
            v = _toward(v, goal, dv)
            f = max(
                [s for s in self._steps if f <= s <= wanted and b.min_voltage_mv(s) <= v],
                default=f,
            )
        else:
            f = self._snap_up(max(tf, f - df))
            v = _toward(v, max(tv, float(b.min_voltage_mv(f))), dv)
        self._voltage_mv = v
        # the regulator sets whole steps; round up, the safe side
        step = b.voltage_step_mv
        self.current = self._planned(f, math.ceil(round(v / step, 9)) * step, chips)
        return self.current

    # --- internals ----------------------------------------------------------------------
    def _planned(self, f: float, v: int, chips: int) -> PlannedPoint:
        b = self.board
        power = b.power_w(f, v, chips)
        ghs = b.hashrate_ghs(f, chips) if chips > 0 else 0.0
        return PlannedPoint(
            point=OperatingPoint(
                frequency_mhz=f, voltage_mv=v, active_chips=chips, duty=1.0 if chips else 0.0
            ),
            power_w=power,
            hashrate_ghs=ghs,
            efficiency_j_th=power / (ghs / 1000.0) if ghs > 0 else math.inf,
        )

    def _build_frontier(self) -> list[PlannedPoint]:
        b = self.board
        ceiling = b.max_w() + 1e-9  # the board's rated power, if it has one
        counts = (b.chip_count,) if self.whole_chain else range(1, b.chip_count + 1)
        candidates = [
            planned
            for n in counts
            for f in self._steps
            if (planned := self._planned(f, b.min_voltage_mv(f), n)).power_w <= ceiling
        ]
        candidates.sort(key=lambda p: (p.power_w, -p.hashrate_ghs))
        frontier: list[PlannedPoint] = []
        for p in candidates:
            if not frontier or p.hashrate_ghs > frontier[-1].hashrate_ghs:
                frontier.append(p)
        return frontier

    def _snap_down(self, f: float) -> float:
        i = bisect.bisect_right(self._steps, f + 1e-9) - 1
        return self._steps[max(0, i)]

    def _snap_up(self, f: float) -> float:
        i = bisect.bisect_left(self._steps, f - 1e-9)
        return self._steps[min(len(self._steps) - 1, i)]


def _toward(value: float, goal: float, limit: float) -> float:
    return goal if abs(goal - value) <= limit else value + math.copysign(limit, goal - value)
