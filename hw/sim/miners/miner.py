"""A simulated network miner's insides, whatever API it speaks: its settings and what
each really draws, soft off with a start time, a hashrate average that lags the power,
and the faults a real one shows. The API servers (`avalon.py`, `axeos.py`) only
translate; the room model reads `power_w()`.

The watts here are this simulator's "truth" (deliberately a little off the nominal
figures Hearth's actuator tables carry: the backend has to measure, not assume).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

HASH_AVERAGE_S = 60.0  # the Avalon MGHS figure: a one-minute average that lags a shed


@dataclass(frozen=True)
class MinerModel:
    name: str
    standby_w: float  # soft off / stopped: controller, fan, PSU losses
    # setting value (work level, or MHz) → (watts, GH/s); empty for a power target
    settings: dict[int, tuple[float, float]]
    default: int  # the setting after a boot
    # A power target instead (Braiins OS+): any whole watts in this range; the miner
    # draws `draw_factor` × the target (its tuner lands near, not on it).
    target_range_w: tuple[int, int] | None = None
    ghs_per_w: float = 0.0
    draw_factor: float = 1.0

    def accepts(self, value: int) -> bool:
        if self.target_range_w is not None:
            return self.target_range_w[0] <= value <= self.target_range_w[1]
        return value in self.settings

    def draw(self, value: int) -> tuple[float, float]:
        """(watts, GH/s) while hashing at setting `value`."""
        if self.target_range_w is not None:
            watts = value * self.draw_factor
            return watts, watts * self.ghs_per_w
        return self.settings[value]


# Canaan Avalon Nano 3S: three work levels over the cgminer API, 140 W / 6 TH/s at the top
# (Canaan's spec sheet); the lower levels as owners measure them, roughly.
NANO3S = MinerModel(
    name="Avalon Nano3s",
    standby_w=3.5,
    settings={0: (68.0, 3000.0), 1: (103.0, 4500.0), 2: (141.0, 6000.0)},
    default=2,
)

# An Antminer S19 on Braiins OS+: a power target of 1000-3250 W (the stock 3250 W is the
# boot default), ~95 TH/s at the top, 15 W standby while paused (an assumption).
S19_BOS = MinerModel(
    name="Antminer S19 (Braiins OS+)",
    standby_w=15.0,
    settings={},
    default=3250,
    target_range_w=(1000, 3250),
    ghs_per_w=29.2,
    draw_factor=0.985,
)

# A Bitaxe Gamma on AxeOS: the frequency is the knob (BM1370, ~18 W at 525 MHz).
GAMMA = MinerModel(
    name="Bitaxe Gamma",
    standby_w=2.2,
    settings={400: (12.5, 820.0), 490: (15.2, 1000.0), 525: (17.6, 1075.0), 575: (19.6, 1180.0)},
    default=525,
)


@dataclass
class Faults:
    """Switch these from a test. `ignore_commands`: answers OK, changes nothing."""

    refuse_commands: bool = False
    ignore_commands: bool = False
    missing_power: bool = False  # the power reading is left out of the answers
    wedged: bool = False  # accepts connections, never answers


@dataclass
class SimMiner:
    model: MinerModel
    clock: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time  # the miner's own clock, for softoff timestamps
    faults: Faults = field(default_factory=Faults)
    setting: int = -1
    soft_off: bool = False
    commands: list[str] = field(default_factory=list)  # what the miner was told, in order
    _pending_off: tuple[float, bool] | None = None  # (wall time, off?) of a softoff/softon
    _rebooting_until: float = -math.inf
    _avg_ghs: float = 0.0
    _avg_at: float | None = None

    def __post_init__(self) -> None:
        if not self.model.accepts(self.setting):
            self.setting = self.model.default

    # --- state ---------------------------------------------------------------------
    @property
    def rebooting(self) -> bool:
        return self.clock() < self._rebooting_until

    def reboot(self, duration_s: float) -> None:
        """Unreachable for `duration_s`, then back at the default setting, hashing."""
        self._rebooting_until = self.clock() + duration_s
        self.setting = self.model.default
        self.soft_off = False
        self._pending_off = None
        self._avg_ghs = 0.0

    def _settle(self) -> None:
        if self._pending_off is not None and self.wall() >= self._pending_off[0]:
            self.soft_off = self._pending_off[1]
            self._pending_off = None

    def hashing(self) -> bool:
        self._settle()
        return not self.soft_off and not self.rebooting

    def power_w(self) -> float:
        if not self.hashing():
            return self.model.standby_w
        return self.model.draw(self.setting)[0]

    def hashrate_ghs(self) -> float:
        """What the chips do now."""
        if not self.hashing():
            return 0.0
        return self.model.draw(self.setting)[1]

    def average_ghs(self) -> float:
        """The lagging one-minute average (first order, HASH_AVERAGE_S)."""
        now = self.clock()
        if self._avg_at is not None:
            alpha = 1.0 - math.exp(-max(0.0, now - self._avg_at) / HASH_AVERAGE_S)
            self._avg_ghs += (self.hashrate_ghs() - self._avg_ghs) * alpha
        self._avg_at = now
        return self._avg_ghs

    # --- commands (each returns an error text, or None when taken) -------------------
    def _command(self, text: str) -> str | None:
        self.commands.append(text)
        if self.faults.refuse_commands:
            return "command refused"
        return None

    def set_setting(self, value: int) -> str | None:
        if not self.model.accepts(value):
            return f"invalid setting {value}"
        error = self._command(f"setting {value}")
        if error is None and not self.faults.ignore_commands:
            self.setting = value
        return error

    def schedule_soft(self, off: bool, at_wall_s: float) -> str | None:
        error = self._command(f"soft{'off' if off else 'on'} at {at_wall_s:.0f}")
        if error is None and not self.faults.ignore_commands:
            self._pending_off = (at_wall_s, off)
            self._settle()
        return error
