"""hearthd and the supervisor's power rail, against the real MicroPython supervisor.

Every restart of hearthd leaves the supervisor without heartbeat for a moment, which trips
`heartbeat_lost` and drops the rail; the next hearthd must clear that trip and heat again.
A hazard trip (the heater tipped over) must stay latched, whatever the daemon wants.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from firmware.config import parse_config
from firmware.daemon.daemon import HeaterDaemon
from hw.sim.supervisor import SupervisorSim
from tests.support.supervisor import sim  # noqa: F401 (fixture)

HEARTBEAT_TRIP_S = 2.0  # firmware/supervisor/limits.py: heartbeat loss trips after this


def heater(tmp_path: Path, port: str) -> HeaterDaemon:
    config = parse_config(
        {
            "device": {"id": "rail", "board": "bitaxe-ultra", "state_dir": str(tmp_path)},
            "pool": [{"url": "stratum+tcp://127.0.0.1:9", "user": "bc1qtest.rail"}],
            "mqtt": {"broker": "embedded", "embedded_port": 0},
            "http": {"port": 0},
            "supervisor": {"port": port},
        }
    )
    return HeaterDaemon(config)


async def until(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"{what} not within {timeout_s} s"
        await asyncio.sleep(0.1)


def test_a_restarted_hearthd_gets_the_rail_back(tmp_path, sim: SupervisorSim):  # noqa: F811
    async def scenario() -> None:
        first = heater(tmp_path, sim.port)
        await first.start()
        try:
            await until(lambda: sim.power_enabled, 10, "power on the first start")
            # hearthd dies (a crash, a kill during an update): its heartbeats stop with the
            # power still requested, and the supervisor trips on the missing heartbeat.
            assert first.supervisor.link is not None
            await first.supervisor.link.stop()
            await until(lambda: not sim.power_enabled, HEARTBEAT_TRIP_S + 5, "heartbeat trip")
        finally:
            await first.stop()
        second = heater(tmp_path, sim.port)
        await second.start()
        try:
            assert sim.power_enabled  # on before the chain would be probed
            link = second.supervisor.link
            assert link is not None and link.telemetry is not None
            assert not link.telemetry.tripped
            await until(
                lambda: not any(a.startswith("supervisor_trip") for a in second.alarms),
                5,
                "the cleared trip's alarm to go",
            )
        finally:
            await second.stop()

    asyncio.run(scenario())


def test_a_hazard_trip_stays_latched_with_the_daemon_running(tmp_path, sim: SupervisorSim):  # noqa: F811
    async def scenario() -> None:
        daemon = heater(tmp_path, sim.port)
        await daemon.start()
        try:
            await until(lambda: sim.power_enabled, 10, "power on")
            sim.tip_over(True)
            await until(lambda: not sim.power_enabled, 5, "the tip-over trip")
            sim.tip_over(False)  # stood up again: still off until the owner resets it
            await asyncio.sleep(5.0)  # the keeper retries every 2 s; none may clear this
            assert not sim.power_enabled
            assert any(a.startswith("supervisor_trip") for a in daemon.alarms), daemon.alarms
        finally:
            await daemon.stop()

    asyncio.run(scenario())
