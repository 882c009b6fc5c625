"""At boot, before and after the controller starts talking, the hashboard stays off until
it is asked for: a live heartbeat alone switches nothing on."""

from __future__ import annotations

import asyncio

from firmware.safety.supervisor_link import SupervisorLink
from hw.sim.supervisor import SupervisorSim
from tests.firmware.supervisor.scenario import run


def test_power_stays_off_until_asked_for(sim: SupervisorSim) -> None:
    async def scenario() -> None:
        async with SupervisorLink(sim.port) as link:
            link.pause_heartbeat()
            silent = await link.wait_for_telemetry()
            assert silent.uptime_ms < 10000  # a fresh boot
            assert not (silent.power_requested or silent.power_on or silent.heartbeat_ok)
            assert not silent.tripped  # a power-on boot is not a watchdog reset
            assert not sim.power_enabled
            link.pause_heartbeat(False)
            await link.wait_for_telemetry(lambda t: t.heartbeat_ok)
            await asyncio.sleep(2.5)  # longer than the heartbeat timeout
            alive = await link.wait_for_telemetry()
            assert alive.heartbeat_ok and not alive.tripped
            assert not (alive.power_requested or alive.power_on)
            assert not sim.power_enabled

    run(scenario())
