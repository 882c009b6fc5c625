"""What the simulated-miner tests share: a simulator served for one test, a MinerBackend
polling it fast, and the power it reads back."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Protocol, TypeVar

from firmware.miner.backend import MinerBackend

WAIT_S = 20.0
FAST = {"poll_s": 0.05, "retry_s": 0.05, "retry_max_s": 0.2}


class Served(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


S = TypeVar("S", bound=Served)


@contextlib.asynccontextmanager
async def served(server: S) -> AsyncIterator[S]:
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def fast_backend(host: str, kind: str, **options: float) -> MinerBackend:
    """Polled fast; `options` (call_timeout_s, ...) override the defaults."""
    settings = {**FAST, **options}
    return MinerBackend(host, kind, **settings)  # type: ignore[arg-type]


def measured_w(b: MinerBackend) -> float | None:
    power = b.stats().power
    return None if power is None else power.power_w
