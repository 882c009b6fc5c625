"""MinerBackend against a simulated Bitaxe (AxeOS HTTP on 127.0.0.3:80) through pyasic:
frequency steps reach it, off is its lowest frequency, an ignored change is reported."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator

import pytest

from firmware.miner.backend import MinerBackend
from firmware.miner.board import MINER_IDLE, point_for
from hw.sim.miners.axeos import AxeOsServer
from hw.sim.miners.miner import GAMMA, SimMiner

HOST = "127.0.0.3"
WAIT_S = 20.0

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="AxeOS listens on port 80: root only")


@contextlib.asynccontextmanager
async def axeos() -> AsyncIterator[AxeOsServer]:
    server = AxeOsServer(SimMiner(GAMMA), host=HOST)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def backend(**options: float) -> MinerBackend:
    settings = {"poll_s": 0.05, "retry_s": 0.05, "retry_max_s": 0.2, "call_timeout_s": 3.0}
    settings.update(options)
    return MinerBackend(HOST, "bitaxe-gamma", **settings)  # type: ignore[arg-type]


async def test_frequency_steps_and_off_reach_the_bitaxe() -> None:
    async with axeos() as sim:
        b = backend()
        await b.start()
        try:
            await b.apply(point_for(17.0))
            await b.wait_until(lambda: sim.miner.setting == 525 and not b.stats().fault, WAIT_S)
            await b.wait_until(lambda: b.stats().power is not None, WAIT_S)
            await b.apply(MINER_IDLE)
            await b.wait_until(lambda: sim.miner.setting == 400, WAIT_S)
            await b.wait_until(
                lambda: b.stats().power is not None
                # pyasic rounds AxeOS's watts to whole ones
                and abs(b.stats().power.power_w - GAMMA.settings[400][0]) <= 0.5,  # type: ignore[union-attr,operator]
                WAIT_S,
            )
        finally:
            await b.stop()


async def test_an_ignored_frequency_change_is_reported() -> None:
    async with axeos() as sim:
        sim.miner.faults.ignore_commands = True
        b = backend()
        await b.start()
        try:
            await b.apply(point_for(19.0))
            await b.wait_until(lambda: b.stats().fault == "miner_ignored_command", WAIT_S)
        finally:
            await b.stop()


async def test_detection_through_pyasic() -> None:
    async with axeos():
        b = MinerBackend(HOST, poll_s=0.05, retry_s=0.05, call_timeout_s=10.0)
        await b.start()
        try:
            await b.wait_until(lambda: b.stats().power is not None, WAIT_S)
            assert "bitaxe-gamma" in b.name
        finally:
            await b.stop()
