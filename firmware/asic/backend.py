"""`AsicBackend`: a BM13xx chain behind the `HashBackend` interface.

It owns a `ChainDriver`, brings the chain up on `start`, ramps to each operating point
`apply` asks for, dispatches jobs, polls the counters once a second, and recovers by
itself: if every chip falls silent (a reset, a brown-out) it re-initialises the chain,
ramps back and re-sends the current job.

Operating points: `active_chips` is either the whole chain or 0 (chips on one UART
share a clock broadcast; the planner duty-cycles instead of parking single chips).
With 0 chips, or during the off part of a duty cycle, the chain is parked: the hashboard
rail is switched off through `power_switch` when the board has one (the supervisor's
power enable; `ChainSimulator.set_power` in the virtual heater), otherwise the clock is
ramped down to the chips' reset clock. Core voltage is set through `voltage_setter`
(the board's regulator is not on the chain's UART): raised before a ramp up, lowered
after a ramp down.

Chips that lost power (the rail switched off here, or a brown-out) forget everything.
Until a bring-up has succeeded again the chain is marked as needing one: the next ramp
up, and the poll loop while the chain should hash, re-initialise it first, so one failed
attempt (the rail not up yet) is retried rather than leaving the chain unaddressed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import replace

from firmware.asic.chain import ChainDriver, ResetLine, Sleep
from firmware.asic.errors import ChainError
from firmware.board import BoardProfile
from firmware.work import BackendStats, FoundNonce, Job, NonceHandler, OperatingPoint

log = logging.getLogger(__name__)

VoltageSetter = Callable[[int], None]
PowerSwitch = Callable[[bool], None]


class AsicBackend:
    def __init__(
        self,
        port_url: str,
        profile: BoardProfile,
        *,
        ticket_difficulty: float | None = None,
        reset_line: ResetLine | None = None,
        voltage_setter: VoltageSetter | None = None,
        power_switch: PowerSwitch | None = None,
        initial_point: OperatingPoint | None = None,
        poll_interval_s: float = 1.0,
        enumerate_silence_s: float = 1.0,
        duty_period_s: float = 60.0,
        silent_after_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.profile = profile
        self.driver = ChainDriver(
            port_url,
            profile,
            ticket_difficulty=ticket_difficulty,
            reset_line=reset_line,
            clock=clock,
            sleep=sleep,
            enumerate_silence_s=enumerate_silence_s,
            silent_after_s=silent_after_s or max(3.0, 3 * poll_interval_s),
        )
        self.voltage_setter = voltage_setter
        self.power_switch = power_switch
        self.poll_interval_s = poll_interval_s
        self.duty_period_s = duty_period_s
        self.clock = clock
        self.point = initial_point or profile.default_point()
        self._handler: NonceHandler | None = None
        self._job: Job | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._duty_task: asyncio.Task[None] | None = None
        self._control = asyncio.Lock()
        self._parked = False
        self._powered_off = False
        self._needs_init = False  # chips lost their set-up: bring-up before hashing
        self._hashing_wanted = False  # the chain should hash (not parked, not duty-off)
        self._running = False
        self.reinits = 0
        self.last_error = ""

    # -- HashBackend ------------------------------------------------------------------

    @property
    def name(self) -> str:
        return f"asic:{self.profile.name}"

    def set_nonce_handler(self, handler: NonceHandler) -> None:
        self._handler = handler
        self.driver.nonce_handler = self._deliver

    def _deliver(self, found: FoundNonce) -> None:
        if self._handler is not None:
            self._handler(found)

    async def start(self) -> None:
        self._check_point(self.point)
        await self.driver.open()
        try:
            if self.power_switch is not None:
                self.power_switch(True)
            await self.driver.initialise()
        except BaseException:
            self.driver.close()
            raise
        self._running = True
        await self._enter(self.point)
        if self._job is not None and not self._parked:
            self.driver.send_job(self._job)  # a job submitted before start
        self._tasks.append(asyncio.create_task(self._poll_loop(), name="asic-poll"))

    async def stop(self) -> None:
        self._running = False
        tasks = [*self._tasks, *([self._duty_task] if self._duty_task else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        self._duty_task = None
        self.driver.close()

    async def submit_job(self, job: Job) -> None:
        self._job = job
        if self._running and not self._parked:
            self.driver.send_job(job)

    async def apply(self, point: OperatingPoint) -> None:
        self._check_point(point)
        self.point = point
        if self._duty_task is not None:
            self._duty_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._duty_task
            self._duty_task = None
        if not self._running:
            return
        if 0.0 < point.duty < 1.0 and point.active_chips > 0:
            self._duty_task = asyncio.create_task(self._duty_loop(point), name="asic-duty")
        else:
            await self._enter(point)

    def stats(self) -> BackendStats:
        driver = self.driver
        now = self.clock()
        uses_rate = driver.family.hash_counter_register == 0x04
        chips = tuple(c.health(now, driver.silent_after_s, uses_rate) for c in driver.chips)
        if self._powered_off:  # the rail is off: no chip can answer or hash
            chips = tuple(replace(c, responding=False, hashrate_ghs=0.0) for c in chips)
        answering = sum(1 for c in chips if c.responding)
        expected = 0.0 if self._parked else self.profile.hashrate_ghs(driver.frequency_mhz)
        if self._powered_off:
            state = "parked, rail off"
        elif self._needs_init:
            state = "waiting for the chain to come back"
        else:
            state = "parked" if self._parked else "hashing"
        detail = (
            f"{len(chips)}x {driver.family.name} @ {driver.frequency_mhz:.2f} MHz, "
            f"{driver.link_baud()} baud, {state}, {answering}/{len(chips)} chips answering, "
            f"{self.reinits} re-inits, poll latency {max(0.0, driver.poll_latency_s) * 1000:.0f} ms"
        )
        if self.last_error:
            detail += f", last error: {self.last_error}"
        return BackendStats(
            kind="asic",
            hashrate_ghs=sum(c.hashrate_ghs for c in chips),
            expected_hashrate_ghs=expected,
            nonces=driver.reported,
            hw_errors=driver.hw_errors,
            duplicates=driver.duplicates,
            bad_frames=driver.bad_frames,
            chips=chips,
            detail=detail,
        )

    # -- operating points -------------------------------------------------------------

    def _check_point(self, point: OperatingPoint) -> None:
        p = self.profile
        if point.active_chips not in (0, p.chip_count):
            raise ValueError(
                f"active_chips = {point.active_chips}; allowed: 0 or {p.chip_count} ({p.name})"
            )
        if point.active_chips and not p.frequency_min_mhz <= point.frequency_mhz <= (
            p.frequency_max_mhz
        ):
            raise ValueError(
                f"frequency_mhz = {point.frequency_mhz}; allowed: "
                f"{p.frequency_min_mhz}..{p.frequency_max_mhz} ({p.name})"
            )
        if point.active_chips and not p.voltage_min_mv <= point.voltage_mv <= p.voltage_max_mv:
            raise ValueError(
                f"voltage_mv = {point.voltage_mv}; allowed: "
                f"{p.voltage_min_mv}..{p.voltage_max_mv} ({p.name})"
            )

    async def _enter(self, point: OperatingPoint) -> None:
        if point.active_chips == 0 or point.duty == 0.0:
            await self._park()
        else:
            await self._hash_at(point.frequency_mhz, point.voltage_mv)

    async def _hash_at(self, frequency_mhz: float, voltage_mv: int) -> None:
        async with self._control:
            self._hashing_wanted = True
            await self._hash_locked(frequency_mhz, voltage_mv, resend=self._parked)

    async def _hash_locked(self, frequency_mhz: float, voltage_mv: int, *, resend: bool) -> None:
        """Power and bring the chain up if it needs it, ramp, and (re)send the job.
        Called with `_control` held."""
        if self._powered_off:
            self._power_on()
        if self._needs_init:
            await self._bring_up()
            resend = True
        rising = frequency_mhz > self.driver.frequency_mhz
        if rising and self.voltage_setter is not None:
            self.voltage_setter(voltage_mv)
        await self.driver.ramp_to(frequency_mhz)
        if not rising and self.voltage_setter is not None:
            self.voltage_setter(voltage_mv)
        self._parked = False
        if resend and self._job is not None:
            self.driver.send_job(self._job)
        self.driver.mark_alive()

    async def _park(self) -> None:
        async with self._control:
            self._hashing_wanted = False
            if self._parked:
                return
            self._parked = True
            await self.driver.ramp_to(self.driver.family.reset_frequency_mhz)
            if self.power_switch is not None:
                self.power_switch(False)
                self._powered_off = True

    def _power_on(self) -> None:
        assert self.power_switch is not None
        self.power_switch(True)
        self._powered_off = False
        self._needs_init = True  # the chips come up reset: no address, slow baud

    async def _bring_up(self) -> None:
        """Initialise the chain; on failure it stays marked for another attempt."""
        self._needs_init = True
        await self.driver.initialise()
        self._needs_init = False

    async def _duty_loop(self, point: OperatingPoint) -> None:
        on_s = self.duty_period_s * point.duty
        off_s = self.duty_period_s - on_s
        while True:
            try:
                await self._hash_at(point.frequency_mhz, point.voltage_mv)
            except (ChainError, OSError) as exc:
                # keep cycling: the poll loop and the next on-phase try again
                self._note_error(exc)
            await asyncio.sleep(on_s)
            try:
                await self._park()
            except (ChainError, OSError) as exc:
                self._note_error(exc)
            await asyncio.sleep(off_s)

    def _note_error(self, exc: BaseException) -> None:
        """Log a chain error once, not once a second while it lasts."""
        message = str(exc)
        if message != self.last_error:
            log.error("ASIC chain: %s", message)
        self.last_error = message

    # -- supervision ------------------------------------------------------------------

    async def _poll_loop(self) -> None:
        while True:
            await asyncio.sleep(self.poll_interval_s)
            if self._powered_off or self._control.locked():
                continue
            try:
                if self._needs_init or self.driver.all_silent(self.clock()):
                    await self._recover()
                self.driver.poll_counters()
            except (ChainError, OSError) as exc:
                self._note_error(exc)

    async def _recover(self) -> None:
        """Every chip went silent, or an earlier bring-up failed: bring the chain up
        again where it should be (parked stays parked; hashing ramps back and resends
        the job)."""
        self.reinits += 1
        if not self.last_error:
            log.warning("all %d chips silent: re-initialising the chain", len(self.driver.chips))
        async with self._control:
            await self._bring_up()
            if self._hashing_wanted:
                point = self.point
                await self._hash_locked(point.frequency_mhz, point.voltage_mv, resend=True)
            self.driver.mark_alive()
        if self.last_error:
            log.info("ASIC chain back after: %s", self.last_error)
        self.last_error = ""
