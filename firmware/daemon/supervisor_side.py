"""The supervisor MCU as the daemon sees it: latest readings, interlock cap, power switch.

With `[supervisor] port` set, a `SupervisorLink` keeps telemetry coming and the
controller-side `Interlocks` turn it into a power cap and alarm codes. Without one the
readings are all None (shown as null, never invented) and no cap applies beyond the
board's own maximum: the thermostat then has no room temperature (see daemon.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass

from firmware.board import BoardProfile
from firmware.safety.interlocks import InterlockLimits, Interlocks, InterlockVerdict
from firmware.safety.power_keeper import PowerKeeper
from firmware.safety.supervisor_link import SupervisorLink, SupervisorLinkError

log = logging.getLogger(__name__)

# How long start-up waits for the supervisor to switch the hashboard rail on (a trip left
# by the previous run is cleared first; the keeper spaces its attempts 2 s apart).
POWER_UP_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class SupervisorReadings:
    room_c: float | None
    intake_c: float | None
    exhaust_c: float | None
    board_c: float | None
    fan_rpm: int | None
    fan_percent: int | None
    tripped: bool
    alarms: tuple[str, ...]


NO_READINGS = SupervisorReadings(None, None, None, None, None, None, False, ())


class SupervisorSide:
    def __init__(self, port: str, board: BoardProfile) -> None:
        self.port = port
        self.link: SupervisorLink | None = SupervisorLink(port) if port else None
        self.interlocks = Interlocks(InterlockLimits.from_thermal(board.thermal))
        self._verdict: InterlockVerdict | None = None
        # Re-asks for hashboard power after the supervisor forgot it (a trip of the
        # controller's own liveness: hearthd restarted, the MCU's watchdog reset it).
        self.keeper = PowerKeeper(self.link) if self.link is not None else None

    @property
    def available(self) -> bool:
        return self.link is not None

    def answering(self) -> bool:
        """The link is up and telemetry has arrived."""
        return self.link is not None and self.link.connected and self.link.telemetry is not None

    async def start(self) -> None:
        if self.link is None:
            return
        await self.link.start()
        with contextlib.suppress(TimeoutError):
            await self.link.wait_for_telemetry(timeout_s=5.0)

    async def stop(self) -> None:
        if self.link is not None:
            await self.link.stop()

    def verdict(self) -> InterlockVerdict | None:
        if self.link is None:
            return None
        telemetry = self.link.telemetry
        board_c = telemetry.temperatures_c["board"] if telemetry else None
        self._verdict = self.interlocks.evaluate_telemetry(
            chip_temp_c=board_c, telemetry=telemetry, connected=self.link.connected
        )
        return self._verdict

    def allowed_w(self, max_w: float) -> float:
        verdict = self.verdict()
        return max_w if verdict is None else verdict.cap_w(max_w)

    def readings(self) -> SupervisorReadings:
        if self.link is None:
            return NO_READINGS
        telemetry = self.link.telemetry
        alarms = self._verdict.alarms if self._verdict is not None else ()
        if telemetry is None or not self.link.connected:
            return SupervisorReadings(None, None, None, None, None, None, False, alarms)
        temps = telemetry.temperatures_c
        return SupervisorReadings(
            room_c=temps["room"],
            intake_c=temps["intake"],
            exhaust_c=temps["exhaust"],
            board_c=temps["board"],
            fan_rpm=telemetry.fan_rpm,
            fan_percent=telemetry.fan_duty_pct,
            tripped=telemetry.tripped,
            alarms=alarms,
        )

    @property
    def power_on(self) -> bool:
        telemetry = self.link.telemetry if self.link is not None else None
        return telemetry is not None and telemetry.power_on

    async def keep_power(self) -> None:
        """Every control step: the rail stays requested while hearthd runs (idling the
        chips is the backend's job). Clears only trips of the controller's own liveness;
        hazard trips stay latched (firmware/safety/power_keeper.py)."""
        if self.keeper is not None:
            await self.keeper.want(True)

    async def power_up(self, timeout_s: float = POWER_UP_TIMEOUT_S) -> bool:
        """At start, before the chain is probed: ask for the rail (clearing a trip left by
        the previous hearthd's exit) and wait until the supervisor reports it on."""
        if self.keeper is None:
            return False
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            await self.keeper.want(True)
            if self.power_on:
                return True
            await asyncio.sleep(0.1)
        ack = self.keeper.last_ack
        log.warning("supervisor: hashboard power not on%s", f" ({ack})" if ack else "")
        return False

    async def power_down(self) -> None:
        """At shutdown: release the rail (the supervisor also cuts it once heartbeats stop)."""
        if self.link is None or not self.link.connected:
            return
        try:
            await self.link.set_power(False)
        except (SupervisorLinkError, TimeoutError) as exc:
            log.warning("supervisor: set_power(False) failed: %s", exc)
