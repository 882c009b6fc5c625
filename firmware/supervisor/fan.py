"""Fan speed: the automatic duty curve and the tachometer arithmetic. Pure functions."""

import limits
from micropython import const

# Automatic duty from the hottest of exhaust and board temperature: (°C, duty %) points,
# linear in between, flat outside. Quiet when cool, full speed well before any trip limit.
AUTO_CURVE = ((35.0, 0), (40.0, 25), (75.0, 100))
CURVE_SENSORS = ("exhaust", "board")
FULL_DUTY_PCT = const(100)


def auto_duty_pct(hottest_c: float | None) -> int:
    """Duty for the automatic mode; full speed when no temperature can be trusted."""
    if hottest_c is None:
        return FULL_DUTY_PCT
    low_c, low_duty = AUTO_CURVE[0]
    if hottest_c <= low_c:
        return low_duty
    for high_c, high_duty in AUTO_CURVE[1:]:
        if hottest_c <= high_c:
            span = (hottest_c - low_c) / (high_c - low_c)
            return int(low_duty + span * (high_duty - low_duty) + 0.5)
        low_c, low_duty = high_c, high_duty
    return low_duty


def effective_duty_pct(requested_pct: int, tripped: bool, powered: bool) -> int:
    """What the fan actually gets: the request, raised to the supervisor's own floor.

    Tripped: full speed (a trip may be heat, or the temperatures may be unknown). Powered:
    never below the minimum that keeps a running hashboard cooled.
    """
    if tripped:
        return FULL_DUTY_PCT
    if powered:
        return max(requested_pct, limits.FAN_MIN_DUTY_POWERED_PCT)
    return requested_pct


def rpm_from_pulses(pulses: int, window_ms: int, pulses_per_rev: int) -> int:
    if window_ms <= 0:
        return 0
    return (pulses * 60000) // (window_ms * pulses_per_rev)
