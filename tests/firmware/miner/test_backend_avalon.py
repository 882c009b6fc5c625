"""MinerBackend against a simulated Avalon Nano 3S on 127.0.0.2:4028 (hw/sim/miners),
through the real pyasic: readings, levels including level 0, an owner's off at once,
and the faults (ignored, refused, missing reading, wedged, unreachable, rebooting)."""

from __future__ import annotations

import contextlib

import pytest

from firmware.miner.backend import MinerBackend
from firmware.miner.board import MINER_IDLE, point_for
from hw.sim.miners.avalon import AvalonServer
from hw.sim.miners.miner import NANO3S, SimMiner
from tests.firmware.miner.served import WAIT_S, fast_backend, measured_w, served

HOST = "127.0.0.2"


def avalon() -> contextlib.AbstractAsyncContextManager[AvalonServer]:
    return served(AvalonServer(SimMiner(NANO3S), host=HOST))


def backend(**options: float) -> MinerBackend:
    return fast_backend(HOST, "avalon-nano3s", **{"call_timeout_s": 2.0, **options})


async def test_readings_and_every_level_reach_the_miner() -> None:
    async with avalon() as sim:
        b = backend()
        await b.start()
        try:
            await b.apply(point_for(70.0))  # the low level: work level 0
            await b.wait_until(lambda: measured_w(b) == 68.0 and not b.stats().fault, WAIT_S)
            s = b.stats()
            assert s.kind == "miner"
            assert s.power is not None and s.power.power_w == pytest.approx(68.0)
            assert s.issuing_work and s.point is not None and s.point.frequency_mhz == 68.0
            assert s.hashrate_ghs > 0
            assert sim.miner.commands[-1] == "setting 0"
        finally:
            await b.stop()


async def test_owner_off_reaches_the_miner_at_once() -> None:
    async with avalon() as sim:
        b = backend()
        await b.start()
        try:
            await b.apply(point_for(141.0))
            await b.wait_until(lambda: sim.miner.setting == 2 and sim.miner.hashing(), WAIT_S)
            await b.apply(MINER_IDLE)  # within the 10-minute minimum on-time
            await b.wait_until(lambda: not sim.miner.hashing(), WAIT_S)
            await b.wait_until(lambda: not b.stats().issuing_work, WAIT_S)
            assert b.stats().power.power_w == pytest.approx(NANO3S.standby_w, abs=1)  # type: ignore[union-attr]
        finally:
            await b.stop()


async def test_an_ignored_command_is_detected_by_reading_back() -> None:
    async with avalon() as sim:
        sim.miner.faults.ignore_commands = True
        b = backend(resend_s=0.2)
        await b.start()
        try:
            await b.apply(point_for(70.0))
            await b.wait_until(lambda: b.stats().fault == "miner_ignored_command", WAIT_S)
            assert sim.miner.setting == NANO3S.default
            sim.miner.faults.ignore_commands = False
            await b.wait_until(lambda: sim.miner.setting == 0, WAIT_S)  # resent
        finally:
            await b.stop()


async def test_a_refused_command_is_reported() -> None:
    async with avalon() as sim:
        sim.miner.faults.refuse_commands = True
        b = backend()
        await b.start()
        try:
            await b.apply(point_for(70.0))
            await b.wait_until(lambda: b.stats().fault == "miner_command_refused", WAIT_S)
        finally:
            await b.stop()


async def test_a_missing_power_reading_is_reported() -> None:
    async with avalon() as sim:
        sim.miner.faults.missing_power = True
        b = backend()
        await b.start()
        try:
            await b.apply(point_for(141.0))
            await b.wait_until(lambda: b.stats().fault == "miner_reading_missing", WAIT_S)
            assert b.stats().power is not None and b.stats().power.power_w is None  # type: ignore[union-attr]
        finally:
            await b.stop()


async def test_a_wedged_miner_is_cut_off_by_our_timeout() -> None:
    async with avalon() as sim:
        sim.miner.faults.wedged = True
        b = backend(call_timeout_s=0.3)
        await b.start()
        try:
            await b.wait_until(lambda: b.stats().fault == "miner_unreachable", WAIT_S)
            sim.miner.faults.wedged = False
            await b.wait_until(lambda: b.stats().fault == "", WAIT_S)
        finally:
            await b.stop()


async def test_unreachable_then_back_retries_with_backoff() -> None:
    async with avalon() as sim:
        await sim.stop()
        b = backend()
        await b.start()
        try:
            await b.apply(point_for(103.0))
            await b.wait_until(lambda: b.stats().fault == "miner_unreachable", WAIT_S)
            polls = b.polls
            await sim.start()
            await b.wait_until(lambda: sim.miner.setting == 1 and b.stats().fault == "", WAIT_S)
            assert b.polls > polls
        finally:
            await b.stop()


async def test_a_reboot_is_ridden_out_and_the_level_restored() -> None:
    async with avalon() as sim:
        b = backend()
        await b.start()
        try:
            await b.apply(point_for(103.0))
            await b.wait_until(lambda: sim.miner.setting == 1, WAIT_S)
            sim.miner.reboot(0.5)  # comes back at its default level, 2
            await b.wait_until(lambda: b.stats().fault == "miner_unreachable", WAIT_S)
            await b.wait_until(lambda: b.stats().fault == "" and sim.miner.setting == 1, WAIT_S)
        finally:
            await b.stop()


async def test_detection_through_pyasic() -> None:
    async with avalon():
        b = MinerBackend(HOST, poll_s=0.05, retry_s=0.05, call_timeout_s=10.0)
        await b.start()
        try:
            await b.wait_until(lambda: b.stats().power is not None, WAIT_S)
            assert "avalon-nano3s" in b.name
        finally:
            await b.stop()


async def test_nothing_there_is_an_alarm() -> None:
    b = MinerBackend("127.0.0.9", poll_s=0.05, retry_s=0.05, call_timeout_s=10.0)
    await b.start()
    try:
        await b.wait_until(lambda: b.stats().fault in ("miner_unknown",), WAIT_S)
    finally:
        await b.stop()
