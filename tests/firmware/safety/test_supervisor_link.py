"""SupervisorLink (CPython, asyncio, pyserial) against the real MicroPython supervisor on a
pty, and on its own where no supervisor answers."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from pathlib import Path

import pytest

from firmware.safety.frames import encode_frame
from firmware.safety.messages import (
    SENSORS,
    FanMode,
    MessageType,
    SensorStatus,
    Telemetry,
    TripCause,
    TripReport,
)
from firmware.safety.supervisor_link import CommandTimeout, SupervisorLink, SupervisorLinkError
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


def test_a_port_that_is_not_there_yet_is_retried(tmp_path: Path) -> None:
    missing = tmp_path / "ttyACM9"

    async def scenario() -> None:
        async with SupervisorLink(str(missing)) as link:
            await asyncio.sleep(0.1)
            assert not link.connected
            with pytest.raises(SupervisorLinkError, match="not open"):
                await link.set_power(True)

    run(scenario())


def test_a_heartbeat_too_slow_for_the_supervisor_is_refused() -> None:
    with pytest.raises(ValueError, match=r"heartbeat_interval_s 2\.5"):
        SupervisorLink("loop://", heartbeat_interval_s=2.5)


def test_link_is_lost_when_the_supervisor_goes_quiet(sim: SupervisorSim) -> None:
    async def scenario() -> None:
        async with SupervisorLink(sim.port, lost_after_s=1.0) as link:
            await link.wait_for_telemetry()
            assert link.connected
            sim.hang()
            await eventually(lambda: not link.connected, timeout_s=3.0)

    run(scenario())


def test_reconnects_after_the_port_goes_away() -> None:
    """A serial error (here: the socket:// peer hanging up) closes the port and reopens it."""
    telemetry = _telemetry_frame()
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    connections: list[int] = []

    def serve() -> None:
        for attempt in range(2):
            conn, _ = listener.accept()
            connections.append(attempt)
            with conn:
                time.sleep(0.2)  # pyserial's socket:// flushes what arrives while it opens
                conn.sendall(telemetry)
                if attempt == 0:
                    conn.shutdown(socket.SHUT_WR)  # hang up: the link reads the frame, then EOF
                # Drain the heartbeats until the link closes its end (closing with unread
                # data would send a reset, which discards the frame on the link's side).
                while conn.recv(64):
                    pass

    server = threading.Thread(target=serve, daemon=True)
    server.start()

    async def scenario() -> None:
        async with SupervisorLink(f"socket://127.0.0.1:{port}") as link:
            await link.wait_for_telemetry(timeout_s=3.0)
            await link.wait_for_telemetry(timeout_s=5.0)  # only after reconnecting
            assert connections == [0, 1]

    try:
        run(scenario())
    finally:
        server.join(timeout=5.0)
        listener.close()


def _telemetry_frame() -> bytes:
    telemetry = Telemetry(
        uptime_ms=1,
        temperatures_c=dict.fromkeys(SENSORS, 20.0),
        sensor_status=dict.fromkeys(SENSORS, SensorStatus.OK),
        fan_rpm=0,
        fan_duty_pct=0,
        fan_mode=FanMode.AUTO,
        fan_manual_pct=0,
        power_requested=False,
        power_on=False,
        heartbeat_ok=False,
        tipped=False,
        trip_cause=TripCause.NONE,
        trip_detail=0,
        faults=frozenset(),
        link_errors=0,
    )
    return encode_frame(MessageType.TELEMETRY, 0, telemetry.encode())
