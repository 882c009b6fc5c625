"""A new firmware confirms itself only once it is healthy.

Called at start-up by the firmware running from a trial slot: it polls its health checks
(daemon up, chain enumerated, supervisor answering) until all pass, then confirms the
slot. If the time limit passes first it does nothing: the watchdog restarts the device
and the bootloader restores the previous slot.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from firmware.update.slots import SlotStore

HealthCheck = tuple[str, Callable[[], bool]]


def confirm_if_healthy(
    store: SlotStore,
    slot: str,
    checks: Sequence[HealthCheck],
    *,
    timeout_s: float,
    poll_s: float = 0.2,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[bool, list[str]]:
    """(confirmed, names of the checks still failing). A slot not on trial is left alone."""
    if store.state().trial != slot:
        return False, []
    deadline = clock() + timeout_s
    while True:
        failing = [name for name, check in checks if not _passes(check)]
        if not failing:
            return store.confirm(slot), []
        if clock() >= deadline:
            return False, failing
        sleep(poll_s)


def _passes(check: Callable[[], bool]) -> bool:
    try:
        return bool(check())
    except Exception:  # a crashing health check is a failing one, never a crashing boot
        return False
