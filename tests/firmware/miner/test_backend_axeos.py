"""MinerBackend against a simulated Bitaxe (AxeOS HTTP on 127.0.0.3:80) through pyasic:
frequency steps reach it, off is its lowest frequency, an ignored change is reported."""

from __future__ import annotations

import contextlib
import os

import pytest

from firmware.miner.backend import MinerBackend
from firmware.miner.board import MINER_IDLE, point_for
from hw.sim.miners.axeos import AxeOsServer
from hw.sim.miners.miner import GAMMA, SimMiner
from tests.firmware.miner.served import WAIT_S, fast_backend, measured_w, served

HOST = "127.0.0.3"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="AxeOS listens on port 80: root only")


def axeos() -> contextlib.AbstractAsyncContextManager[AxeOsServer]:
    return served(AxeOsServer(SimMiner(GAMMA), host=HOST))


def backend(**options: float) -> MinerBackend:
    return fast_backend(HOST, "bitaxe-gamma", **{"call_timeout_s": 3.0, **options})


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
                # pyasic rounds AxeOS's watts to whole ones
                lambda: abs((measured_w(b) or 0.0) - GAMMA.settings[400][0]) <= 0.5,
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
