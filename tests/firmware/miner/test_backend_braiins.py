"""MinerBackend against a simulated Antminer S19 on Braiins OS+ (gRPC on 127.0.0.4:50051,
the cgminer-compatible API on :4028; hw/sim/miners/braiins.py), through the real
pyasic: the power target set and read back, an owner's off as a pause at once, resume,
and the faults (refused, ignored, missing reading, a reboot ridden out)."""

from __future__ import annotations

import contextlib

import pytest

from firmware.miner.backend import MinerBackend
from firmware.miner.board import MINER_IDLE, point_for
from hw.sim.miners.braiins import BraiinsServer
from hw.sim.miners.miner import S19_BOS, SimMiner
from tests.firmware.miner.served import WAIT_S, fast_backend, measured_w, served

HOST = "127.0.0.4"


def braiins() -> contextlib.AbstractAsyncContextManager[BraiinsServer]:
    return served(BraiinsServer(SimMiner(S19_BOS), host=HOST))


def backend(**options: float) -> MinerBackend:
    return fast_backend(HOST, "braiins-s19", **{"call_timeout_s": 5.0, **options})


async def test_the_power_target_reaches_the_miner_and_is_read_back() -> None:
    async with braiins() as sim:
        b = backend()
        await b.start()
        try:
            await b.apply(point_for(1504.0))  # the 10 W grid: 1500 W
            await b.wait_until(lambda: sim.miner.setting == 1500 and not b.stats().fault, WAIT_S)
            await b.wait_until(lambda: measured_w(b) == round(1500 * S19_BOS.draw_factor), WAIT_S)
            s = b.stats()
            assert s.kind == "miner" and s.issuing_work
            assert b.setting is not None and b.setting.value == 1500
            assert sim.miner.commands == ["setting 1500"]
        finally:
            await b.stop()


async def test_owner_off_pauses_at_once_then_a_target_resumes() -> None:
    async with braiins() as sim:
        b = backend()
        await b.start()
        try:
            await b.apply(point_for(2000.0))
            await b.wait_until(lambda: sim.miner.setting == 2000, WAIT_S)
            await b.apply(MINER_IDLE)  # within the 10-minute minimum on-time
            await b.wait_until(lambda: not sim.miner.hashing(), WAIT_S)
            await b.wait_until(lambda: not b.stats().issuing_work, WAIT_S)
            assert measured_w(b) == S19_BOS.standby_w
            assert sim.miner.commands[-1].startswith("softoff")
        finally:
            await b.stop()


async def test_a_refused_target_is_reported() -> None:
    async with braiins() as sim:
        sim.miner.faults.refuse_commands = True
        b = backend()
        await b.start()
        try:
            await b.apply(point_for(1500.0))
            await b.wait_until(lambda: b.stats().fault == "miner_command_refused", WAIT_S)
            assert sim.miner.setting == S19_BOS.default
        finally:
            await b.stop()


async def test_an_ignored_target_is_detected_by_reading_back() -> None:
    async with braiins() as sim:
        sim.miner.faults.ignore_commands = True
        b = backend(resend_s=0.2)
        await b.start()
        try:
            await b.apply(point_for(1500.0))
            await b.wait_until(lambda: b.stats().fault == "miner_ignored_command", WAIT_S)
            sim.miner.faults.ignore_commands = False
            await b.wait_until(lambda: sim.miner.setting == 1500 and not b.stats().fault, WAIT_S)
        finally:
            await b.stop()


async def test_a_missing_power_reading_is_reported() -> None:
    async with braiins() as sim:
        sim.miner.faults.missing_power = True
        b = backend()
        await b.start()
        try:
            await b.apply(point_for(3250.0))
            await b.wait_until(lambda: b.stats().fault == "miner_reading_missing", WAIT_S)
        finally:
            await b.stop()


async def test_a_reboot_is_ridden_out_and_the_target_restored() -> None:
    async with braiins() as sim:
        b = backend()
        await b.start()
        try:
            await b.apply(point_for(1800.0))
            await b.wait_until(lambda: sim.miner.setting == 1800, WAIT_S)
            sim.miner.reboot(0.5)  # back at its stock 3250 W
            await b.wait_until(lambda: b.stats().fault == "miner_unreachable", WAIT_S)
            await b.wait_until(lambda: not b.stats().fault and sim.miner.setting == 1800, WAIT_S)
        finally:
            await b.stop()


@pytest.mark.parametrize("watts", [1000.0, 3250.0])
async def test_the_ends_of_the_range(watts: float) -> None:
    async with braiins() as sim:
        b = backend()
        await b.start()
        try:
            await b.apply(point_for(watts))
            await b.wait_until(lambda: sim.miner.setting == int(watts), WAIT_S)
        finally:
            await b.stop()


async def test_a_wrong_password_is_its_own_alarm() -> None:
    async with braiins() as sim:
        b = MinerBackend(
            HOST, "braiins-s19", poll_s=0.05, retry_s=0.05, retry_max_s=0.2,
            credentials=("root", "not-the-password"),
        )  # fmt: skip
        await b.start()
        try:
            await b.apply(point_for(1500.0))
            await b.wait_until(lambda: b.stats().fault == "miner_login_refused", WAIT_S)
            assert sim.miner.setting == S19_BOS.default and sim.logins == 0
        finally:
            await b.stop()
