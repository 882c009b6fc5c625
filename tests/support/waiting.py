"""Waiting on a condition instead of sleeping for a guessed time.

A test that must show something did *not* happen waits for a later, positive marker first
(a counter that proves the input was handled, the answer to a second request sent after
the first) and only then asserts the absence: a slow machine then makes the test slower,
never wrong.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

POLL_S = 0.005


def wait_until(condition: Callable[[], object], timeout_s: float = 10.0, what: str = "") -> None:
    """Return once `condition()` is true; fail the test after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s} s: {what or condition}")
        time.sleep(POLL_S)


async def eventually(
    condition: Callable[[], object], timeout_s: float = 10.0, what: str = ""
) -> None:
    """`wait_until` for a test running on an event loop (the loop keeps running)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s} s: {what or condition}")
        await asyncio.sleep(POLL_S)
