"""The one home of the heat vocabulary: modes, presets and the target range.

Config (`[heat]`), the owner's settings (MQTT `set`, HTTP, the app), the weekly schedule
and the controller all take these from here, so a mode or a target means one thing.
"""

from __future__ import annotations

from firmware.validation.scalars import Validator, number, one_of

MODES = ("off", "heat", "auto")
PRESETS = ("comfort", "eco", "boost", "away", "none")
TARGET_MIN_C = 5.0
TARGET_MAX_C = 30.0
TARGET_STEP_C = 0.1


def mode() -> Validator[str]:
    return one_of(*MODES)


def preset() -> Validator[str]:
    return one_of(*PRESETS)


def target_c() -> Validator[float]:
    """A setpoint in TARGET_MIN_C..TARGET_MAX_C °C on the 0.1 °C grid, rounded onto it."""
    return number(TARGET_MIN_C, TARGET_MAX_C, step=TARGET_STEP_C)
