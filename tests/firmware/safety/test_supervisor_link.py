"""SupervisorLink (CPython, asyncio, pyserial) against the real MicroPython supervisor on a
pty, and on its own where no supervisor answers."""

from __future__ import annotations

import asyncio

import pytest

from firmware.safety.messages import TripCause, TripReport
from firmware.safety.supervisor_link import CommandTimeout, SupervisorLink
from hw.sim.supervisor import SupervisorSim
from tests.firmware.supervisor.scenario import eventually, powered, run


def test_connects_follows_telemetry_and_reports_trips(sim: SupervisorSim) -> None:
    heard: list[TripReport] = []

    async def scenario() -> None:
        link = SupervisorLink(sim.port, heartbeat_interval_s=0.25)
        assert not link.connected and link.telemetry is None
        async with link:
            link.add_trip_listener(heard.append)
            await powered(link, sim)
            assert link.connected
            age = link.telemetry_age_s
            assert age is not None and age < 1.0
            assert link.stats.heartbeats_sent > 0
            sim.set_temperatures(board=99.0)
            report = await asyncio.wait_for(link.trips.get(), 5.0)
            assert report.cause == TripCause.OVER_TEMP and report.sensor == "board"
            assert heard == [report]
            telemetry = await link.wait_for_telemetry(lambda t: t.tripped)
            assert telemetry.trip_cause == TripCause.OVER_TEMP
            assert not telemetry.power_on
            await eventually(lambda: not sim.power_enabled)
        assert link.stats.crc_errors == 0

    run(scenario())


def test_unanswered_command_times_out_after_retries() -> None:
    async def scenario() -> None:
        # loop:// echoes our own frames back: nobody acknowledges anything.
        async with SupervisorLink("loop://", command_timeout_s=0.1, command_attempts=3) as link:
            with pytest.raises(CommandTimeout, match="SET_POWER after 3 tries"):
                await link.set_power(True)
            assert link.stats.commands_retried == 2
            assert not link.connected

    run(scenario())


def test_link_is_lost_when_the_supervisor_goes_quiet(sim: SupervisorSim) -> None:
    async def scenario() -> None:
        async with SupervisorLink(sim.port, lost_after_s=1.0) as link:
            await link.wait_for_telemetry()
            assert link.connected
            sim.hang()
            await eventually(lambda: not link.connected, timeout_s=3.0)

    run(scenario())
