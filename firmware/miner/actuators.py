"""What each network miner really offers to regulate its heat, described as data.

Three shapes (docs/miners.md):

* a continuous **power target** between `min_w` and `max_w` (Braiins OS+ `set_power_limit`);
* a few **work levels** plus soft off (Canaan Avalon Nano 3S / Mini 3: `ascset worklevel`);
* **frequency steps** (Bitaxe / AxeOS `PATCH /api/system {"frequency": ...}`).

Every shape is a list of `Setting`s sorted by watts, the first one "off" (the miner
stopped, drawing its standby watts). A power target lists only its two ends; any watts in
between are a valid setting too (`Actuator.setting_for`). `ChangeLimits` says how often
the miner tolerates a change, enforced by `firmware.miner.levels.LevelMapper`.

The watts are nominal figures with their source; the backend measures the real draw
(`stats().power`), and `hearth` reports it rather than these.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

KINDS = ("power_target", "levels", "frequency")


@dataclass(frozen=True)
class Setting:
    """One thing the miner can be told. `value` is what goes on the wire: the work level
    (Avalon), the frequency in MHz (AxeOS) or the power target in W (Braiins); None is
    off (soft off / stop mining)."""

    name: str
    watts: float
    value: float | None

    @property
    def off(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class ChangeLimits:
    """How gently the miner must be treated. An owner's "off" ignores all of them."""

    min_on_s: float  # once started, hashing at least this long
    min_off_s: float  # once stopped, stopped at least this long
    min_level_s: float  # between two changes while hashing
    max_changes_per_h: int  # any change, in any sliding hour

    def __post_init__(self) -> None:
        if min(self.min_on_s, self.min_off_s, self.min_level_s) < 0:
            raise ValueError(f"change limits must be non-negative: {self!r}")
        if self.max_changes_per_h < 1:
            raise ValueError(f"max_changes_per_h must be at least 1, got {self!r}")


@dataclass(frozen=True)
class Actuator:
    model: str
    kind: str  # one of KINDS
    settings: tuple[Setting, ...]  # sorted by watts; settings[0] is off
    limits: ChangeLimits
    source: str  # where the watts and limits come from
    step_w: float = 1.0  # power target resolution (power_target only)
    # What "off" sends where the firmware cannot stop (AxeOS: its lowest frequency, and
    # settings[0] lists what that draws); None: a real stop / soft off.
    off_value: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"actuator kind must be one of {KINDS}, got {self.kind!r}")
        if len(self.settings) < 2 or not self.settings[0].off:
            raise ValueError(f"{self.model}: settings must start with off and have one more")
        if any(s.off for s in self.settings[1:]):
            raise ValueError(f"{self.model}: only the first setting may be off")
        watts = [s.watts for s in self.settings]
        if watts != sorted(watts) or len(set(watts)) != len(watts):
            raise ValueError(f"{self.model}: settings must have strictly rising watts")
        if self.kind == "power_target" and len(self.settings) != 3:
            raise ValueError(f"{self.model}: a power target lists off, min and max")
        if self.step_w <= 0:
            raise ValueError(f"{self.model}: step_w must be positive")

    @property
    def off(self) -> Setting:
        return self.settings[0]

    @property
    def min_w(self) -> float:
        """The lowest hashing draw: below it the mapper duty-cycles with off."""
        return self.settings[1].watts

    @property
    def max_w(self) -> float:
        return self.settings[-1].watts

    @property
    def continuous(self) -> bool:
        return self.kind == "power_target"

    def setting_for(self, watts: float) -> Setting:
        """A power target's setting for `watts` in [min_w, max_w], rounded down to `step_w`."""
        if not self.continuous:
            raise ValueError(f"{self.model} has discrete settings only")
        if not self.min_w <= watts <= self.max_w:
            raise ValueError(f"{watts} W is outside {self.min_w}..{self.max_w} W")
        target = max(self.min_w, math.floor(watts / self.step_w) * self.step_w)
        return Setting(f"{target:g} W", target, target)

    def bracket(self, watts: float) -> tuple[Setting, Setting]:
        """The neighbouring settings around `watts` (lo ≤ watts ≤ hi; equal when exact),
        clamped to off and the top setting."""
        if watts <= self.off.watts:
            return self.off, self.off
        if watts >= self.max_w:
            top = self.settings[-1]
            return top, top
        if self.continuous and watts >= self.min_w:
            exact = self.setting_for(watts)
            return exact, exact
        for lo, hi in itertools.pairwise(self.settings):
            if watts == lo.watts:
                return lo, lo
            if lo.watts < watts < hi.watts:
                return lo, hi
        top = self.settings[-1]
        return top, top


# --- the miners Hearth knows ----------------------------------------------------------
# Soft off/on at most every 10 minutes (issue 15, what Canaan's heater owners report as
# tolerable); level changes a minute apart at most, 12 changes of any kind per hour.
_AVALON_LIMITS = ChangeLimits(
    min_on_s=600.0, min_off_s=600.0, min_level_s=120.0, max_changes_per_h=12
)

AVALON_NANO3S = Actuator(
    model="Avalon Nano 3S",
    kind="levels",
    settings=(
        Setting("off", 3.0, None),
        Setting("low", 70.0, 0),
        Setting("medium", 100.0, 1),
        Setting("high", 140.0, 2),
    ),
    limits=_AVALON_LIMITS,
    source=(
        "Canaan's Nano 3S spec sheet: 140 W at the high level; low/medium and standby are "
        "approximations from owners' wall-meter reports (assumption, the backend measures)"
    ),
)

AVALON_MINI3 = Actuator(
    model="Avalon Mini 3",
    kind="levels",
    settings=(
        Setting("off", 10.0, None),
        Setting("eco", 500.0, 0),
        Setting("standard", 650.0, 1),
        Setting("super", 800.0, 2),
    ),
    limits=_AVALON_LIMITS,
    source=(
        "Canaan's Mini 3 spec sheet: 800 W at the top level; the lower levels are "
        "approximations (assumption; community code numbers them 0 = super, -1 = eco on "
        "some firmware: check `estats` WORKLEVEL after a change)"
    ),
)

BITAXE_GAMMA = Actuator(
    model="Bitaxe Gamma (AxeOS)",
    kind="frequency",
    settings=(
        Setting("floor (400 MHz)", 12.0, None),
        Setting("490 MHz", 15.0, 490),
        Setting("525 MHz", 17.0, 525),
        Setting("575 MHz", 19.0, 575),
    ),
    limits=ChangeLimits(min_on_s=300.0, min_off_s=300.0, min_level_s=60.0, max_changes_per_h=20),
    source=(
        "AxeOS frequency choices for the BM1370; watts from hw/boards/bitaxe-gamma.toml's "
        "power model at each frequency's default voltage (assumption, rounded). AxeOS has "
        "no stop: off is its lowest frequency"
    ),
    off_value=400,
)

BRAIINS_S19 = Actuator(
    model="Antminer S19 (Braiins OS+)",
    kind="power_target",
    settings=(
        Setting("off", 15.0, None),
        Setting("min", 1000.0, 1000),
        Setting("max", 3250.0, 3250),
    ),
    limits=ChangeLimits(min_on_s=600.0, min_off_s=600.0, min_level_s=60.0, max_changes_per_h=40),
    step_w=10.0,
    source=(
        "Braiins OS+ power target range for an S19 (its autotuner's documented floor and "
        "the stock 3250 W); standby is an assumption"
    ),
)

ACTUATORS: dict[str, Actuator] = {
    "avalon-nano3s": AVALON_NANO3S,
    "avalon-mini3": AVALON_MINI3,
    "bitaxe-gamma": BITAXE_GAMMA,
    "braiins-s19": BRAIINS_S19,
}
