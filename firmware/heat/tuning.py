"""PID gains and where they came from, with the rule that turns a relay test into gains.

From a relay test the loop's ultimate gain Ku (W/K) and period Pu (s) are known.
Ziegler–Nichols' rules on them are famously aggressive (quarter-decay); a room must
not overshoot, so we use the Tyreus–Luyben PID rule, made for lag-dominant loops
(gain margin ~2.2, slow integral), with its derivative acting on the filtered
measurement:

    Kp = Ku / 2.2,   Ti = 2.2 · Pu,   Td = Pu / 6.3

(Tyreus & Luyben, Ind. Eng. Chem. Res. 31, 1992, for the rule; Åström & Hägglund,
Automatica 20, 1984, for the relay method.)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass

TUNING_VERSION = 1
SOURCES = ("default", "relay", "adapted", "manual")


@dataclass(frozen=True)
class Tuning:
    kp_w_per_k: float  # watts per kelvin of error
    ti_s: float  # integral time
    td_s: float  # derivative time (on the filtered measurement)
    source: str = "default"  # one of SOURCES
    ultimate_gain_w_per_k: float = 0.0  # Ku from the last relay test, 0 if none
    ultimate_period_s: float = 0.0  # Pu from the last relay test, 0 if none
    load_w: float = 0.0  # mean heat the room took during the test (integrator preset)

    def __post_init__(self) -> None:
        for key in ("kp_w_per_k", "ti_s"):
            value = getattr(self, key)
            if not math.isfinite(value) or value <= 0:
                raise ValueError(f"tuning {key} = {value!r}; allowed: a finite number > 0")
        for key in ("td_s", "ultimate_gain_w_per_k", "ultimate_period_s", "load_w"):
            value = getattr(self, key)
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"tuning {key} = {value!r}; allowed: a finite number >= 0")
        if self.source not in SOURCES:
            raise ValueError(f"tuning source = {self.source!r}; allowed: {' | '.join(SOURCES)}")

    @classmethod
    def default_for(cls, max_w: float) -> Tuning:
        """Safe gains before any test: full power for a 2 K error, an hour's integral
        time. Slow everywhere, unstable nowhere in the rooms we model."""
        return cls(kp_w_per_k=max_w / 2.0, ti_s=3600.0, td_s=0.0, source="default")

    @classmethod
    def from_relay(cls, ku_w_per_k: float, pu_s: float, load_w: float) -> Tuning:
        return cls(
            kp_w_per_k=ku_w_per_k / 2.2,
            ti_s=2.2 * pu_s,
            td_s=pu_s / 6.3,
            source="relay",
            ultimate_gain_w_per_k=ku_w_per_k,
            ultimate_period_s=pu_s,
            load_w=max(0.0, load_w),
        )

    def detuned(self, factor: float) -> Tuning:
        """Gentler gains after the loop was seen hunting: less gain, slower integral."""
        return Tuning(
            kp_w_per_k=self.kp_w_per_k * factor,
            ti_s=self.ti_s / factor,
            td_s=self.td_s,
            source="adapted",
            ultimate_gain_w_per_k=self.ultimate_gain_w_per_k,
            ultimate_period_s=self.ultimate_period_s,
            load_w=self.load_w,
        )

    def to_dict(self) -> dict[str, object]:
        return {"version": TUNING_VERSION, **asdict(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Tuning:
        if data.get("version") != TUNING_VERSION:
            raise ValueError(f"tuning version = {data.get('version')!r}; allowed: {TUNING_VERSION}")
        fields = {k: v for k, v in data.items() if k != "version"}
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(fields) - known)
        if unknown:
            raise ValueError(
                f"tuning {unknown[0]} = {fields[unknown[0]]!r}; allowed: {sorted(known)}"
            )
        numbers: dict[str, float] = {}
        for key in known - {"source"}:
            if key not in fields:
                if key in ("kp_w_per_k", "ti_s", "td_s"):
                    raise ValueError(f"tuning {key} missing; allowed: a number")
                continue
            value = fields[key]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"tuning {key} = {value!r}; allowed: a number")
            numbers[key] = float(value)
        source = fields.get("source", "manual")
        if not isinstance(source, str):
            raise ValueError(f"tuning source = {source!r}; allowed: {' | '.join(SOURCES)}")
        return cls(source=source, **numbers)
