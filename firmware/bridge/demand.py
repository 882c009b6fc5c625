"""The demand-response signal on `<prefix>/<id>/demand` (Hearth's extension, pure parser).

A utility, an energy manager or Home Assistant automation asks the heater to shed load:

    {"max_power_w": 300, "duration_s": 900}   cap electrical power at 300 W for 15 min
    {"max_power_w": 0}                        shed completely until told otherwise
    {"max_power_w": null}  or  "normal"       lift the cap
    "shed"                                    same as {"max_power_w": 0}

The cap only lowers power: the thermostat still decides within it, and the
supervisor's safety limits are untouched.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

# One week: a longer "temporary" cap is a configuration change, not a demand signal.
MAX_DURATION_S = 7 * 24 * 3600.0
KNOWN_KEYS = frozenset({"max_power_w", "duration_s"})


@dataclass(frozen=True)
class DemandSignal:
    max_power_w: float | None  # None = no cap (normal operation)
    duration_s: float | None = None  # None = until the next signal


NORMAL = DemandSignal(max_power_w=None)
SHED = DemandSignal(max_power_w=0.0)
WORDS = {"normal": NORMAL, "shed": SHED}


def parse_demand(payload: bytes) -> DemandSignal:
    try:
        value = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        value = payload.decode("utf-8", errors="replace").strip()
        if value in WORDS:
            return WORDS[value]
        raise ValueError("demand: payload is neither JSON nor 'shed'/'normal'") from None
    if isinstance(value, str) and value in WORDS:
        return WORDS[value]
    if not isinstance(value, dict):
        raise ValueError("demand: expected a JSON object or 'shed'/'normal'")
    unknown = sorted(set(value) - KNOWN_KEYS)
    if unknown:
        raise ValueError(f"demand: unknown key(s) {', '.join(unknown)}")
    cap = value.get("max_power_w")
    duration = value.get("duration_s")
    if cap is not None and not is_number(cap):
        raise ValueError(f"demand: max_power_w must be a number of watts or null, got {cap!r}")
    if cap is not None and cap < 0:
        raise ValueError(f"demand: max_power_w must be >= 0, got {cap!r}")
    if duration is not None and not is_number(duration):
        raise ValueError(f"demand: duration_s must be a number of seconds, got {duration!r}")
    if duration is not None and not 0 < duration <= MAX_DURATION_S:
        raise ValueError(f"demand: duration_s must be in (0, {MAX_DURATION_S:g}], got {duration!r}")
    if cap is None and duration is not None:
        raise ValueError("demand: duration_s needs a max_power_w")
    return DemandSignal(
        max_power_w=None if cap is None else float(cap),
        duration_s=None if duration is None else float(duration),
    )


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def encode_demand(signal: DemandSignal) -> bytes:
    payload: dict[str, float | None] = {"max_power_w": signal.max_power_w}
    if signal.duration_s is not None:
        payload["duration_s"] = signal.duration_s
    return json.dumps(payload, separators=(",", ":")).encode()
