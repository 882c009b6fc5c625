"""At boot, before and after the controller starts talking, the hashboard stays off until
it is asked for: a live heartbeat alone switches nothing on."""

from __future__ import annotations

from firmware.safety.supervisor_link import SupervisorLink
from hw.sim.supervisor import SupervisorSim
from tests.firmware.supervisor.scenario import run

HEARTBEAT_TIMEOUT_MS = 2000  # firmware/supervisor/limits.py


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
            ok = await link.wait_for_telemetry(lambda t: t.heartbeat_ok)
            # Measured on the supervisor's own clock: past the heartbeat timeout since
            # the heartbeat came back, however slowly the machine runs.
            later = ok.uptime_ms + HEARTBEAT_TIMEOUT_MS + 500
            alive = await link.wait_for_telemetry(lambda t: t.uptime_ms >= later, 20.0)
            assert alive.heartbeat_ok and not alive.tripped
            assert not (alive.power_requested or alive.power_on)
            assert not sim.power_enabled

    run(scenario())
