"""Fixtures for the pool tests: the real CPU backend, watched, and async test support."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest

from firmware.work import FoundNonce, Job, NonceHandler, OperatingPoint
from firmware.work.backend import BackendStats
from tests.conftest import require


class WatchedBackend:
    """firmware.cpuminer's CpuBackend (one thread, a quarter duty so the shared test
    machine keeps its cores), recording the jobs it is given and keeping its nonce
    handler reachable so a test can play a late nonce from the chips."""

    def __init__(self) -> None:
        try:
            from firmware.cpuminer import CpuBackend
        except ImportError as exc:  # the C core is built by `make core`
            require(False, f"CPU backend unavailable: {exc}")
            raise
        self._inner = CpuBackend(threads=1)
        self.jobs: list[Job] = []
        self.handler: NonceHandler | None = None

    @property
    def name(self) -> str:
        return self._inner.name

    def set_nonce_handler(self, handler: NonceHandler) -> None:
        self.handler = handler
        self._inner.set_nonce_handler(handler)

    async def start(self) -> None:
        await self._inner.start()
        await self._inner.apply(OperatingPoint(1.0, 0, 1, duty=0.25))

    async def stop(self) -> None:
        await self._inner.stop()

    async def submit_job(self, job: Job) -> None:
        self.jobs.append(job)
        await self._inner.submit_job(job)

    async def apply(self, point: OperatingPoint) -> None:
        await self._inner.apply(point)

    def stats(self) -> BackendStats:
        return self._inner.stats()

    def play_nonce(self, found: FoundNonce) -> None:
        assert self.handler is not None
        self.handler(found)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: Any) -> bool | None:
    """Run `async def` tests in a fresh event loop (no pytest-asyncio in this project)."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    asyncio.run(pyfuncitem.obj(**{name: pyfuncitem.funcargs[name] for name in names}))
    return True
