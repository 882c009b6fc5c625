"""A new firmware confirms itself only once it is healthy.

Called at start-up by the firmware running from a trial slot (hearthd: firmware/daemon/
slot_start.py): it polls its health checks (daemon up, chain enumerated, supervisor
answering) until all pass, then confirms the slot. If the time limit passes first it does
nothing: the device restarts and the bootloader restores the previous slot.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence

from firmware.update.slots import SlotStore

HealthCheck = tuple[str, Callable[[], bool]]


async def confirm_when_healthy(
    store: SlotStore,
    slot: str,
    checks: Sequence[HealthCheck],
    *,
    timeout_s: float,
    poll_s: float = 0.5,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> tuple[bool, list[str]]:
    """(confirmed, names of the checks still failing). A slot not on trial is left alone.
    The checks run on the event loop, so they may read the running daemon's state."""
    if store.state().trial != slot:
        return False, []
    deadline = clock() + timeout_s
    while True:
        failing = failing_checks(checks)
        if not failing:
            return await asyncio.to_thread(store.confirm, slot), []
        if clock() >= deadline:
            return False, failing
        await sleep(poll_s)


def failing_checks(checks: Sequence[HealthCheck]) -> list[str]:
    return [name for name, check in checks if not _passes(check)]


def _passes(check: Callable[[], bool]) -> bool:
    try:
        return bool(check())
    except Exception:  # a crashing health check is a failing one, never a crashing boot
        return False
