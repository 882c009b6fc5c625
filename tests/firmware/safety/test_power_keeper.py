"""PowerKeeper against the real MicroPython supervisor: power comes back after the
controller's own restart and after a watchdog reset, but not after a hazard trip."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from firmware.safety.messages import AckStatus, TripCause
from firmware.safety.power_keeper import PowerKeeper
from firmware.safety.supervisor_link import SupervisorLink
from hw.sim.supervisor import SupervisorSim
from tests.firmware.supervisor.scenario import eventually, powered, run, tripped


async def keep(keeper: PowerKeeper, on: bool, until: Callable[[], bool], timeout_s: float) -> None:
    """Call want(on) as the daemon's control loop would, until `until()` or the deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not until():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await keeper.want(on)
        await asyncio.sleep(0.1)


class SkewedClock:
    """Real monotonic time that a test can move forward: the keeper's retry spacing is
    then passed by moving the clock, not by sleeping."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset


async def declines(keeper: PowerKeeper, link: SupervisorLink, clock: SkewedClock) -> None:
    """Give the keeper three fresh chances (new telemetry, its retry time passed) and show
    that it sent nothing: no new answer from the supervisor, power still not requested."""
    before = keeper.last_ack
    for _ in range(3):
        await link.wait_for_telemetry()  # the next frame: what the supervisor says now
        clock.offset += keeper.retry_s + 1.0
        await keeper.want(True)  # returns once any command it sent was answered
        assert keeper.last_ack is before, keeper.last_ack
    after = await link.wait_for_telemetry()
    assert after.tripped and not after.power_requested


def test_power_comes_back_after_the_controller_restarts(sim: SupervisorSim) -> None:
    async def scenario() -> None:
        async with SupervisorLink(sim.port) as first:
            await powered(first, sim)
        # The controller is gone (a restart, an update): the supervisor trips and latches.
        await eventually(lambda: not sim.power_enabled, timeout_s=5.0)
        async with SupervisorLink(sim.port) as second:
            await tripped(second, TripCause.HEARTBEAT_LOST)
            assert not sim.power_enabled
            await second.wait_for_telemetry(lambda t: t.heartbeat_ok)
            # Asking once, as a fresh controller would, is refused: the trip is latched.
            refused = await second.set_power(True)
            assert refused.status == AckStatus.TRIPPED
            keeper = PowerKeeper(second)
            await keep(keeper, True, lambda: sim.power_enabled, timeout_s=8.0)
            telemetry = await second.wait_for_telemetry(lambda t: t.power_on)
            assert not telemetry.tripped
            # Wanted off: the request is withdrawn and the rail drops.
            await keep(keeper, False, lambda: not sim.power_enabled, timeout_s=5.0)
            off = await second.wait_for_telemetry(lambda t: not t.power_requested)
            assert not off.tripped

    run(scenario())


def test_power_comes_back_after_a_watchdog_reset_but_not_after_every_one(
    sim: SupervisorSim,
) -> None:
    async def scenario() -> None:
        async with SupervisorLink(sim.port) as link:
            clock = SkewedClock()
            keeper = PowerKeeper(link, max_clears=1, clock=clock)
            await link.wait_for_telemetry(lambda t: t.heartbeat_ok)
            await keep(keeper, True, lambda: sim.power_enabled, timeout_s=5.0)
            sim.hang()
            await tripped(link, TripCause.WATCHDOG_RESET, timeout_s=8.0)
            assert sim.watchdog_resets == 1
            await keep(keeper, True, lambda: sim.power_enabled, timeout_s=8.0)
            # Hung again within the hour: a supervisor that keeps resetting stays off.
            sim.hang()
            await tripped(link, TripCause.WATCHDOG_RESET, timeout_s=8.0)
            assert sim.watchdog_resets == 2
            await link.wait_for_telemetry(lambda t: t.heartbeat_ok and not t.faults)
            await declines(keeper, link, clock)
            assert not sim.power_enabled

    run(scenario())


@pytest.mark.parametrize("hazard", ["tip_over", "over_temp"])
def test_a_hazard_trip_stays_latched(sim: SupervisorSim, hazard: str) -> None:
    async def scenario() -> None:
        async with SupervisorLink(sim.port) as link:
            clock = SkewedClock()
            keeper = PowerKeeper(link, retry_s=0.2, clock=clock)
            await powered(link, sim)
            if hazard == "tip_over":
                sim.tip_over(True)
                await tripped(link, TripCause.TIP_OVER)
                sim.tip_over(False)
                await link.wait_for_telemetry(lambda t: not t.tipped and not t.faults)
            else:
                sim.set_temperatures(exhaust=70.0)
                await tripped(link, TripCause.OVER_TEMP)
                sim.set_temperatures(exhaust=30.0)
                await link.wait_for_telemetry(lambda t: not t.faults)
            # The cause is gone, but only the owner may re-arm after a hazard.
            await declines(keeper, link, clock)
            assert not sim.power_enabled
            # An owner's choice to auto-clear it is still bound by the supervisor's own rules.
            rearm = PowerKeeper(link, auto_clear={TripCause.TIP_OVER, TripCause.OVER_TEMP})
            await keep(rearm, True, lambda: sim.power_enabled, timeout_s=5.0)

    run(scenario())


def test_nothing_is_sent_without_a_live_link() -> None:
    async def scenario() -> None:
        link = SupervisorLink("loop://")
        keeper = PowerKeeper(link)
        await keeper.want(True)  # not started: no telemetry, no command, no exception
        assert keeper.last_ack is None

    run(scenario())


def test_bad_options_are_refused() -> None:
    link = SupervisorLink("loop://")
    with pytest.raises(ValueError, match="retry_s"):
        PowerKeeper(link, retry_s=0.0)
    with pytest.raises(ValueError, match="NONE"):
        PowerKeeper(link, auto_clear={TripCause.NONE})
    with pytest.raises(ValueError, match="max_clears"):
        PowerKeeper(link, max_clears=-1)
    with pytest.raises(ValueError, match="clear_window_s"):
        PowerKeeper(link, clear_window_s=0.0)
