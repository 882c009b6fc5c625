"""The supervisor MCU as the daemon sees it: latest readings, interlock cap, power switch.

With `[supervisor] port` set, a `SupervisorLink` keeps telemetry coming and the
controller-side `Interlocks` turn it into a power cap and alarm codes. Without one the
readings are all None (shown as null, never invented) and no cap applies beyond the
board's own maximum: the thermostat then has no room temperature (see daemon.py).
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

from firmware.board import BoardProfile
from firmware.safety.interlocks import InterlockLimits, Interlocks, InterlockVerdict
from firmware.safety.supervisor_link import SupervisorLink, SupervisorLinkError

log = logging.getLogger(__name__)


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
        self._power_requested: bool | None = None

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

    async def request_power(self, on: bool) -> None:
        """Switch the hashboard rail through the supervisor (which may refuse: tripped)."""
        if self.link is None or on == self._power_requested:
            return
        try:
            await self.link.set_power(on)
            self._power_requested = on
        except (SupervisorLinkError, TimeoutError) as exc:
            log.warning("supervisor: set_power(%s) failed: %s", on, exc)
