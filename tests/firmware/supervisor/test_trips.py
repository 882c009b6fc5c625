"""Every trip cause of the supervisor, on the real MicroPython firmware: the power drops on
the supervisor's own decision, the trip latches, and a clear is refused while the cause is
still there."""

from __future__ import annotations

import asyncio

import pytest

from firmware.safety.messages import AckStatus, TripCause
from firmware.safety.supervisor_link import SupervisorLink
from hw.sim.supervisor import SupervisorSim
from tests.firmware.supervisor.scenario import eventually, next_trip, powered, run, tripped


def test_over_temperature_trips_latches_and_clears_only_below_hysteresis(
    sim: SupervisorSim,
) -> None:
    async def scenario() -> None:
        async with SupervisorLink(sim.port) as link:
            await powered(link, sim)
            sim.set_temperatures(exhaust=70.0)  # hard limit 65 °C
            trip = await next_trip(link)
            assert trip.cause == TripCause.OVER_TEMP
            assert trip.sensor == "exhaust"
            assert trip.value >= 6500
            await eventually(lambda: not sim.power_enabled)
            await eventually(lambda: sim.fan_duty > 0.99)  # tripped: full fan

            refused = await link.clear_trip()
            assert refused.status == AckStatus.CAUSE_ACTIVE
            assert refused.detail == TripCause.OVER_TEMP
            sim.set_temperatures(exhaust=62.0)  # under the limit, not under the hysteresis
            await link.wait_for_telemetry(lambda t: (t.temperatures_c["exhaust"] or 99.0) < 63)
            assert (await link.clear_trip()).status == AckStatus.CAUSE_ACTIVE
            assert (await link.set_power(True)).status == AckStatus.TRIPPED
            assert not sim.power_enabled

            sim.set_temperatures(exhaust=45.0)
            await link.wait_for_telemetry(lambda t: not t.faults)
            assert (await link.clear_trip()).ok
            telemetry = await link.wait_for_telemetry(lambda t: not t.tripped)
            # A clear does not switch the power back on: the controller must ask again.
            assert not telemetry.power_requested
            assert not sim.power_enabled
            assert (await link.set_power(True)).ok
            await eventually(lambda: sim.power_enabled)

    run(scenario())


@pytest.mark.parametrize(
    ("fault", "cause"), [("open", TripCause.SENSOR_OPEN), ("short", TripCause.SENSOR_SHORT)]
)
def test_broken_thermistor_trips(sim: SupervisorSim, fault: str, cause: TripCause) -> None:
    async def scenario() -> None:
        async with SupervisorLink(sim.port) as link:
            await powered(link, sim)
            sim.set_sensor_fault("room", fault)
            trip = await next_trip(link)
            assert trip.cause == cause
            assert trip.sensor == "room"
            await eventually(lambda: not sim.power_enabled)
            telemetry = await link.wait_for_telemetry()
            assert telemetry.temperatures_c["room"] is None
            assert (await link.clear_trip()).status == AckStatus.CAUSE_ACTIVE
            sim.set_sensor_fault("room", None)
            await link.wait_for_telemetry(lambda t: t.temperatures_c["room"] is not None)
            assert (await link.clear_trip()).ok

    run(scenario())


def test_tip_over_trips_until_upright(sim: SupervisorSim) -> None:
    async def scenario() -> None:
        async with SupervisorLink(sim.port) as link:
            await powered(link, sim)
            sim.tip_over(True)
            assert (await next_trip(link)).cause == TripCause.TIP_OVER
            await eventually(lambda: not sim.power_enabled)
            assert (await link.clear_trip()).detail == TripCause.TIP_OVER
            sim.tip_over(False)
            await link.wait_for_telemetry(lambda t: not t.tipped)
            assert (await link.clear_trip()).ok

    run(scenario())


def test_fan_stall_trips_and_clears_once_it_spins(sim: SupervisorSim) -> None:
    async def scenario() -> None:
        async with SupervisorLink(sim.port) as link:
            await powered(link, sim)
            running = await link.wait_for_telemetry(lambda t: t.fan_rpm > 0)
            assert running.fan_duty_pct >= 30  # powered: never below the supervisor's floor
            sim.set_fan(stalled=True)
            trip = await next_trip(link)
            assert trip.cause == TripCause.FAN_STALL
            await eventually(lambda: not sim.power_enabled)
            assert (await link.clear_trip()).detail == TripCause.FAN_STALL
            sim.set_fan(stalled=False)
            await link.wait_for_telemetry(lambda t: t.fan_rpm > 1000 and not t.faults)
            assert (await link.clear_trip()).ok

    run(scenario())


def test_heartbeat_loss_trips_after_two_seconds(sim: SupervisorSim) -> None:
    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        async with SupervisorLink(sim.port) as link:
            await powered(link, sim)
            link.pause_heartbeat()
            silent_since = loop.time()
            trip = await next_trip(link)
            silent_for = loop.time() - silent_since
            assert trip.cause == TripCause.HEARTBEAT_LOST
            assert 1.5 <= silent_for <= 4.0
            await eventually(lambda: not sim.power_enabled)
            refused = await link.clear_trip()
            assert refused.status == AckStatus.NO_HEARTBEAT
            link.pause_heartbeat(False)
            await link.wait_for_telemetry(lambda t: t.heartbeat_ok)
            assert (await link.clear_trip()).ok

    run(scenario())


def test_first_cause_is_latched_and_all_present_faults_reported(sim: SupervisorSim) -> None:
    async def scenario() -> None:
        async with SupervisorLink(sim.port) as link:
            await powered(link, sim)
            sim.tip_over(True)
            await tripped(link, TripCause.TIP_OVER)
            sim.set_temperatures(room=45.0)
            telemetry = await link.wait_for_telemetry(lambda t: TripCause.OVER_TEMP in t.faults)
            assert telemetry.trip_cause == TripCause.TIP_OVER
            assert telemetry.faults == {TripCause.TIP_OVER, TripCause.OVER_TEMP}
            sim.tip_over(False)
            await link.wait_for_telemetry(lambda t: t.faults == {TripCause.OVER_TEMP})
            assert (await link.clear_trip()).detail == TripCause.OVER_TEMP

    run(scenario())
