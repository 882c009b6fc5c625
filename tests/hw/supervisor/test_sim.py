"""SupervisorSim as the virtual heater uses it: outputs observable, the hardware watchdog
played, processes cleaned up."""

from __future__ import annotations

import os

import pytest

from firmware.safety.messages import TripCause
from firmware.safety.supervisor_link import SupervisorLink
from hw.sim.supervisor import SupervisorSim
from hw.sim.supervisor.__main__ import main as simulator_main
from tests.firmware.supervisor.scenario import eventually, powered, run, tripped


def test_hung_firmware_is_reset_by_the_watchdog_and_comes_back_tripped(
    sim: SupervisorSim,
) -> None:
    async def scenario() -> None:
        async with SupervisorLink(sim.port) as link:
            await powered(link, sim)
            sim.hang()
            # Watchdog timeout 2 s: the reset drops the power enable.
            await eventually(lambda: not sim.power_enabled, timeout_s=5.0)
            telemetry = await tripped(link, TripCause.WATCHDOG_RESET, timeout_s=8.0)
            assert sim.watchdog_resets == 1
            assert not telemetry.power_on
            assert telemetry.uptime_ms < 5000  # a fresh boot
            assert not telemetry.faults  # nothing is wrong now: the clear goes through
            await link.wait_for_telemetry(lambda t: t.heartbeat_ok)
            assert (await link.clear_trip()).ok

    run(scenario())


def test_outputs_follow_the_firmware() -> None:
    with SupervisorSim(exhaust_c=58.0) as sim:  # auto curve: 25 + (58-40)/35*75 = 63.6 %

        async def scenario() -> None:
            async with SupervisorLink(sim.port) as link:
                await link.wait_for_telemetry(lambda t: t.fan_duty_pct == 64)
                await eventually(lambda: abs(sim.fan_duty - 0.64) < 0.005)
                assert abs(sim.fan_rpm - 0.64 * 3000) < 20
                await powered(link, sim)

        run(scenario())
        assert sim.running
        pid = sim.pid
    assert pid is not None
    assert not sim.running
    try:
        os.kill(pid, 0)
        alive = True
    except ProcessLookupError:
        alive = False
    assert not alive


def test_standalone_runner_prints_the_port_and_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert simulator_main(["--duration", "2.5", "--exhaust", "50"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("supervisor on /dev/pts/")
    # auto curve at 50 °C exhaust (the first line may come before the first sample)
    assert lines[-1].startswith("power off  fan  46%")
