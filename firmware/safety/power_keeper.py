"""Keep the supervisor's power request in line with what the controller wants.

The supervisor forgets the controller's `SET_POWER 1` whenever it trips, and it boots
tripped after a watchdog reset. A controller that asks for power once at start therefore
stays dark after the first trip, and after every restart of its own (2 s without heartbeat
trips `heartbeat_lost`, latched until a `CLEAR_TRIP`). `PowerKeeper.want(on)`, called every
control step, closes that gap:

- wanted off: `SET_POWER 0` if the supervisor still has a request;
- wanted on, not tripped, no request: `SET_POWER 1` again (a trip was cleared, or an
  earlier request was refused with `NO_HEARTBEAT`/`CAUSE_ACTIVE`);
- wanted on, tripped by a cause in `auto_clear` (default: the controller's own liveness,
  `heartbeat_lost` and `watchdog_reset`), heartbeat alive and no fault present: `CLEAR_TRIP`,
  then `SET_POWER 1`.

Hazard trips (over-temperature, fan stall, broken sensor, tip-over) are not in the default
`auto_clear`: they stay latched, power off, until the owner resets the heater (the MCU
boots untripped from a power cycle). The supervisor still refuses any clear while a fault
is present, whatever this class asks. Attempts are spaced `retry_s` apart, so a refusal is
not repeated every tick, and at most `max_clears` trips are cleared within `clear_window_s`:
a supervisor that keeps tripping (a firmware fault that hangs it again and again) stays
off instead of switching the hashboard on and off for ever.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable

from firmware.safety.messages import Ack, TripCause
from firmware.safety.supervisor_link import SupervisorLink, SupervisorLinkError

log = logging.getLogger(__name__)

# Trips that say the controller was gone (restarted, hung, updated), not that the heater is
# in danger: cleared by a controller that is alive again once no fault is present.
LIVENESS_CAUSES = frozenset({TripCause.HEARTBEAT_LOST, TripCause.WATCHDOG_RESET})
RETRY_S = 2.0
MAX_CLEARS = 3
CLEAR_WINDOW_S = 3600.0


class PowerKeeper:
    def __init__(
        self,
        link: SupervisorLink,
        *,
        auto_clear: Iterable[TripCause] = LIVENESS_CAUSES,
        retry_s: float = RETRY_S,
        max_clears: int = MAX_CLEARS,
        clear_window_s: float = CLEAR_WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        causes = frozenset(auto_clear)
        if TripCause.NONE in causes:
            raise ValueError("auto_clear: TripCause.NONE is not a trip cause")
        if not retry_s > 0:
            raise ValueError(f"retry_s = {retry_s!r}; allowed: > 0")
        if isinstance(max_clears, bool) or not isinstance(max_clears, int) or max_clears < 0:
            raise ValueError(f"max_clears = {max_clears!r}; allowed: an integer >= 0")
        if not clear_window_s > 0:
            raise ValueError(f"clear_window_s = {clear_window_s!r}; allowed: > 0")
        self.link = link
        self.auto_clear = causes
        self.retry_s = retry_s
        self.max_clears = max_clears
        self.clear_window_s = clear_window_s
        self._clears: list[float] = []  # when recent trips were cleared
        self._clock = clock
        self._next_try_s: float | None = None
        self.last_ack: Ack | None = None  # the supervisor's last answer (a refusal shows why)

    async def want(self, on: bool) -> None:
        """Bring the supervisor's request towards `on`; never raises on link trouble."""
        telemetry = self.link.telemetry
        if telemetry is None or not self.link.connected:
            return
        if not on:
            if telemetry.power_requested:
                await self._send(lambda: self.link.set_power(False))
            return
        now = self._clock()
        if self._next_try_s is not None and now < self._next_try_s:
            return
        if telemetry.tripped:
            if (
                telemetry.trip_cause not in self.auto_clear
                or telemetry.faults
                or not telemetry.heartbeat_ok
            ):
                return
            self._clears = [t for t in self._clears if now - t < self.clear_window_s]
            if len(self._clears) >= self.max_clears:
                return  # tripping again and again: leave it latched for the owner
            self._next_try_s = now + self.retry_s
            log.info("supervisor: clearing trip %s", telemetry.trip_cause.code)
            ack = await self._send(self.link.clear_trip)
            if ack is None or not ack.ok:
                return
            self._clears.append(now)
        elif telemetry.power_requested:
            return
        self._next_try_s = now + self.retry_s
        await self._send(lambda: self.link.set_power(True))

    async def _send(self, command: Callable[[], Awaitable[Ack]]) -> Ack | None:
        try:
            ack = await command()
        except SupervisorLinkError as exc:
            log.warning("supervisor: command failed: %s", exc)
            return None
        self.last_ack = ack
        if not ack.ok:
            log.warning("supervisor: refused: %s", ack)
        return ack
