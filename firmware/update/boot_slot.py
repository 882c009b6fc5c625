"""Which A/B slot the running firmware was started from."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

import firmware
from firmware.update.slots import SLOTS, SlotStore, slot_path

log = logging.getLogger(__name__)

# Set by the device's boot chain to the slot it started (like RAUC's `rauc.slot=` on the
# kernel command line); without it the slot is found from where this code was loaded.
BOOT_SLOT_ENV = "HEARTH_BOOT_SLOT"


def booted_slot(
    root: Path,
    env: Mapping[str, str] = os.environ,
    package_file: str | None = firmware.__file__,
) -> str | None:
    """The slot this firmware runs from, or None (a development checkout, not a slot)."""
    named = env.get(BOOT_SLOT_ENV, "")
    if named:
        if named not in SLOTS:
            log.warning("%s=%r names no slot (a or b): not a slot start", BOOT_SLOT_ENV, named)
            return None
        return named
    if package_file is None:
        return None
    package = Path(package_file)
    for slot in SLOTS:
        controller = slot_path(root, slot) / "controller"
        for code, home in (
            (package.absolute(), controller.absolute()),
            (package.resolve(), controller.resolve()),
        ):
            if code.is_relative_to(home):
                return slot
    return None


def started_slot(root: Path, env: Mapping[str, str] = os.environ) -> str:
    """For the update agent, which must answer even from a development checkout: the
    booted slot if known, else the one the bootloader's state says it started (the trial
    slot during its one trial start, otherwise the active slot)."""
    slot = booted_slot(root, env)
    if slot is not None:
        return slot
    state = SlotStore(root).state()
    return state.trial if state.trial is not None and state.trial_boots > 0 else state.active
