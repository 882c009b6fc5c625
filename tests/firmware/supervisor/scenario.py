"""Helpers for driving the real supervisor from a test: a controller (SupervisorLink) on the
simulator's pty, and waiting for conditions with a deadline."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from firmware.safety.messages import Telemetry, TripCause, TripReport
from firmware.safety.supervisor_link import SupervisorLink
from hw.sim.supervisor import SupervisorSim

T = TypeVar("T")
SCENARIO_TIMEOUT_S = 40.0


def run(scenario: Awaitable[T]) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(scenario, SCENARIO_TIMEOUT_S)

    return asyncio.run(bounded())


async def eventually(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def next_trip(link: SupervisorLink, timeout_s: float = 8.0) -> TripReport:
    return await asyncio.wait_for(link.trips.get(), timeout_s)


async def tripped(link: SupervisorLink, cause: TripCause, timeout_s: float = 8.0) -> Telemetry:
    return await link.wait_for_telemetry(lambda t: t.trip_cause == cause, timeout_s)


async def powered(link: SupervisorLink, sim: SupervisorSim) -> None:
    """Heartbeat established, power requested and on."""
    await link.wait_for_telemetry(lambda t: t.heartbeat_ok)
    ack = await link.set_power(True)
    assert ack.ok, ack
    await eventually(lambda: sim.power_enabled)


def write_raw(port: str, data: bytes) -> None:
    """Bytes onto the wire beside the controller's own (a second writer on the pty)."""
    fd = os.open(port, os.O_WRONLY | os.O_NOCTTY)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
