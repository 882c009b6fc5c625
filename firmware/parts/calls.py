"""Running a driver's blocking I2C transactions from asyncio: in a worker thread, with a
bound in time, every failure a `RailFault` with its alarm code."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from firmware.parts.errors import PartError
from firmware.work.rail import RailFault

T = TypeVar("T")

DEFAULT_CALL_TIMEOUT_S = 0.5  # a few SMBus transfers at 100 kHz take a few ms


async def bounded(call: Callable[[], T], *, what: str, timeout_s: float, code: str) -> T:
    """`call()` in a thread; RailFault(`code`) if it takes longer than `timeout_s` (the
    thread is left to finish on its own: a stuck transfer cannot be interrupted, but the
    caller is never held up), RailFault(part error's code) if the part failed."""
    try:
        return await asyncio.wait_for(asyncio.to_thread(call), timeout_s)
    except TimeoutError:
        raise RailFault(code, f"{what}: no answer within {timeout_s:g} s") from None
    except PartError as exc:
        raise RailFault(exc.code, f"{what}: {exc}") from None
