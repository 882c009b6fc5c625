"""Moving the backend to the point the control loop chose, beside the loop.

`want(point)` never waits: the backend's `apply` runs in a task of its own, and a newer
point cancels an apply still in progress (latest wins), so a shed or a stop interrupts
a ramp. Whether the backend is already there is read from the backend itself
(`stats().target`), never from a copy kept here; the very first decision is applied
whatever the backend reports, so a 0 W start-up decision reaches the chain.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable

from firmware.work import HashBackend, OperatingPoint

log = logging.getLogger(__name__)

# An apply that has not returned after this long is abandoned and reported (alarm
# `backend_stuck`); the next decision tries again. The contract says apply returns at
# once, so this only catches a backend that hangs.
APPLY_TIMEOUT_S = 30.0
CLOSE_TIMEOUT_S = 2.0


class Applier:
    def __init__(
        self,
        backend: HashBackend,
        on_done: Callable[[], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backend = backend
        self._clock = clock
        self.sent_at = -math.inf  # clock time the last new point was handed over
        self._on_done = on_done
        self.requested: OperatingPoint | None = None  # the last point handed to the backend
        self.error = ""  # an alarm code while the last apply failed, else ""
        self._task: asyncio.Task[None] | None = None

    @property
    def moving(self) -> bool:
        return self._task is not None and not self._task.done()

    def want(self, point: OperatingPoint) -> None:
        reported = self.backend.stats().target
        if point == self.requested and (self.moving or reported in (None, point)):
            return  # on its way, or there (a backend without `target` trusts its apply)
        self.requested = point
        self.sent_at = self._clock()
        if self._task is not None:
            self._task.cancel()  # latest wins: a ramp still running is interrupted
        self._task = asyncio.create_task(self._apply(point), name="backend-apply")

    async def _apply(self, point: OperatingPoint) -> None:
        try:
            async with asyncio.timeout(APPLY_TIMEOUT_S):
                await self.backend.apply(point)
        except TimeoutError:
            self._fail("backend_stuck", f"apply({point}) did not return in {APPLY_TIMEOUT_S} s")
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._fail("backend_error", f"apply({point}) failed: {exc}")
        else:
            self.error = ""
        self._on_done()

    def _fail(self, code: str, message: str) -> None:
        if code != self.error:
            log.error("backend: %s", message)
        self.error = code

    async def settle(self, timeout_s: float) -> None:
        """Wait (bounded) for the apply in progress to return."""
        task = self._task
        if task is not None and not task.done():
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                async with asyncio.timeout(timeout_s):
                    await asyncio.shield(task)

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            async with asyncio.timeout(CLOSE_TIMEOUT_S):
                await task
