"""Demand response: an outside party (the utility, a home energy manager, a Home
Assistant automation, over MQTT `<prefix>/<id>/demand`) asks the heater to cap its
electrical power now, and later to lift the cap. One signal, one meaning:

    {"max_power_w": 300, "duration_s": 900}   at most 300 W for 15 min
    {"max_power_w": 0}  or  "shed"            stop heating until told otherwise (≤ 4 h)
    {"max_power_w": null}  or  "normal"       lift the cap now

Policy (`demand_cap`: the signal becomes the "demand" source's `Cap`, firmware.heat.caps):
* the cap holds from the next control step (the daemon runs one at once when a signal
  arrives); going down is never ramp-limited: the backend stops work first;
* every cap has an end, at most `MAX_SHED_S` (4 h): a signal without `duration_s` holds
  until the next signal or for 4 h, whichever comes first, so a lost "normal" can never
  leave a house cold; a `duration_s` above 4 h is refused, not shortened;
* lifting the cap just lets the thermostat decide again (the backend ramps up);
* comfort has a floor: while capped, if the room falls below `FROST_C` (7 °C)
  the cap is ignored, because frozen pipes cost more than any tariff (`CapStore`).

The cap only lowers power: the thermostat still decides within it, and the
supervisor's safety limits are untouched.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from firmware.heat.caps import FROST_C as FROST_C  # re-exported: the frost floor
from firmware.heat.caps import Cap
from firmware.inputs import InputError, bounded_echo, loads_strict

# A demand signal is a few dozen bytes; anything much bigger is not one.
MAX_DEMAND_BYTES = 1024
MAX_WORD_BYTES = 16
MAX_SHED_S = 4 * 3600.0
KNOWN_KEYS = frozenset({"max_power_w", "duration_s"})


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class DemandSignal:
    max_power_w: float | None  # None = lift the cap (normal operation)
    duration_s: float | None = None  # None = until the next signal, at most MAX_SHED_S

    def __post_init__(self) -> None:
        cap, duration = self.max_power_w, self.duration_s
        if cap is not None and not (is_number(cap) and cap >= 0):
            raise ValueError(f"demand: max_power_w = {cap!r}; allowed: watts >= 0 or null")
        if duration is not None and not (is_number(duration) and 0 < duration <= MAX_SHED_S):
            raise ValueError(
                f"demand: duration_s = {duration!r}; allowed: 0 < seconds <= {MAX_SHED_S:g}"
            )
        if cap is None and duration is not None:
            raise ValueError("demand: duration_s needs a max_power_w")

    @property
    def hold_s(self) -> float:
        """How long this cap holds unless another signal comes first."""
        return MAX_SHED_S if self.duration_s is None else self.duration_s


NORMAL = DemandSignal(max_power_w=None)
SHED = DemandSignal(max_power_w=0.0)
WORDS = {"normal": NORMAL, "shed": SHED}


def parse_demand(payload: bytes) -> DemandSignal:
    """An MQTT `demand` payload; ValueError (starting with "demand:") names what is wrong,
    in a message of bounded length whatever was sent (firmware.inputs)."""
    word = payload[:MAX_WORD_BYTES].decode("utf-8", errors="replace").strip()
    if word in WORDS and len(payload) <= MAX_WORD_BYTES:
        return WORDS[word]
    try:
        value = loads_strict(payload, max_bytes=MAX_DEMAND_BYTES)
    except InputError as exc:
        raise ValueError(f"demand: neither 'shed'/'normal' nor usable JSON: {exc}") from None
    if isinstance(value, str) and value in WORDS:
        return WORDS[value]
    if not isinstance(value, dict):
        raise ValueError("demand: expected a JSON object or 'shed'/'normal'")
    unknown = sorted(set(value) - KNOWN_KEYS)
    if unknown:
        raise ValueError(
            f"demand: unknown key(s) {bounded_echo(unknown)}; allowed: max_power_w, duration_s"
        )
    cap = value.get("max_power_w")
    duration = value.get("duration_s")
    if cap is not None and not is_number(cap):
        raise ValueError(
            f"demand: max_power_w must be a number of watts or null, got {bounded_echo(cap)!r}"
        )
    if duration is not None and not is_number(duration):
        raise ValueError(
            f"demand: duration_s must be a number of seconds, got {bounded_echo(duration)!r}"
        )
    return DemandSignal(
        max_power_w=None if cap is None else float(cap),
        duration_s=None if duration is None else float(duration),
    )


def encode_demand(signal: DemandSignal) -> bytes:
    payload: dict[str, float | None] = {"max_power_w": signal.max_power_w}
    if signal.duration_s is not None:
        payload["duration_s"] = signal.duration_s
    return json.dumps(payload, separators=(",", ":")).encode()


def demand_cap(now_s: float, signal: DemandSignal, *, time_scale: float = 1.0) -> Cap | None:
    """The "demand" cap `signal` asks for from `now_s`, or None to lift it.
    `time_scale`: control-clock seconds per signal second (`hearth sim` speed)."""
    if signal.max_power_w is None:
        return None
    return Cap("demand", signal.max_power_w, now_s + signal.hold_s * time_scale)
