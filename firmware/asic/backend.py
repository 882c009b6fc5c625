"""`AsicBackend`: a BM13xx chain behind the `HashBackend` interface.

`apply` only records the target and wakes the backend's own steering task, so it returns
at once. That task moves the chain one short step at a time (a bring-up, a voltage set,
one 6.25 MHz PLL step) and looks at the latest target before every step, so a newer
`apply` re-targets a ramp between two PLL steps. A poll task beside it reads the chips'
counters and the rail's telemetry once a second; neither task waits for the other.

- Up: Vcore first (through the `CoreRail`, READ_VOUT checked), work issued, then the
  clock ramps 6.25 MHz per 100 ms, so the load rises with the clock.
- Down to a lower hashing point: one PLL write straight to the new clock (a load drop,
  which a reset is too), then Vcore.
- Idle (`active_chips` 0, `duty` 0, the off part of a duty cycle, before the first
  `apply`, and while a fault holds the chain): no more job frames, then the chips are
  stopped: hashboard power off through `power_switch`, and the reset line held
  (`ResetLine`), and the rail disabled. A board with neither a power switch nor a reset
  line cannot stop its chips from the UART: the clock drops to the reset clock, and the
  counters, still polled, say that the chips go on hashing their last job.
- Faults: all chips silent for `silent_after_s` is `chain_silent`; a failed bring-up is
  `chain_silent` (nobody answered) or `chain_fault`; a `RailFault` or a code in
  `rail.faults()` is that code. Each holds the chain idle; bring-up is retried while
  hashing is wanted, after 1 s, 2 s, 4 s ... at most `retry_backoff_s[1]`, and a retry
  that finds the rail still faulty (set_voltage fails, or `faults()` is not empty) counts
  as the next failure. No exception leaves a task; every serial write, rail call and
  wait is bounded, and `stop()` returns within `STOP_TIMEOUT_S`.

`stats()` reports what is true, read back: the clock the PLL was programmed to, Vcore as
the rail reads it (without a rail, the one last asked for), the chips answering with
counters that advance, whether work is being sent, the fault, and the rail's readings.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TypeVar

from firmware.asic.chain import ChainDriver, ResetLine, Sleep
from firmware.asic.errors import ChainCountError, ChainError
from firmware.board import BoardProfile
from firmware.work import (
    BackendStats,
    CoreRail,
    FoundNonce,
    Job,
    NonceHandler,
    OperatingPoint,
    PowerReadings,
    RailFault,
)

log = logging.getLogger(__name__)

PowerSwitch = Callable[[bool], None]
T = TypeVar("T")

RAIL_TIMEOUT_S = 2.0  # one rail call (I2C transfers and the READ_VOUT settle check)
STOP_TIMEOUT_S = 5.0  # stop() returns within this, whatever the chain does
CHAIN_SILENT = "chain_silent"
CHAIN_FAULT = "chain_fault"
VCORE_FAULT = "vcore_fault"


def _duty_cycling(point: OperatingPoint | None) -> bool:
    return point is not None and point.active_chips > 0 and 0.0 < point.duty < 1.0


class AsicBackend:
    def __init__(
        self,
        port_url: str,
        profile: BoardProfile,
        *,
        ticket_difficulty: float | None = None,
        reset_line: ResetLine | None = None,
        rail: CoreRail | None = None,
        power_switch: PowerSwitch | None = None,
        poll_interval_s: float = 1.0,
        enumerate_silence_s: float = 1.0,
        duty_period_s: float = 60.0,
        silent_after_s: float | None = None,
        retry_backoff_s: tuple[float, float] = (1.0, 30.0),
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        first, cap = retry_backoff_s
        if not 0 < first <= cap:
            raise ValueError(f"retry_backoff_s must be 0 < first <= cap, got {retry_backoff_s}")
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
        self.rail = rail
        self.power_switch = power_switch
        self.poll_interval_s = poll_interval_s
        self.duty_period_s = duty_period_s
        self.retry_backoff_s = (first, cap)
        self.clock = clock
        self._target: OperatingPoint | None = None  # the last apply; None: idle
        self._duty_origin = 0.0
        self._handler: NonceHandler | None = None
        self._job: Job | None = None
        self._wake = asyncio.Event()
        self._steer_task: asyncio.Task[None] | None = None
        self._poll_task: asyncio.Task[None] | None = None
        self._chain_up = False  # initialised since the last reset / power cut
        self._bringing_up = False
        self._held = False  # stopped by power switch or reset line: the chips cannot hash
        self._idle = False  # the idle sequence has run since work was last issued
        self._issuing = False
        self._asked_mv: int | None = None  # the voltage last asked for
        self._rail_on = False
        self._vout_mv: float | None = None  # ... and as the rail read it back
        self._power: PowerReadings | None = None
        self._chain_fault = ""
        self._rail_fault = ""
        self._retry_at = 0.0
        self._backoff_s = first
        self.reinits = 0  # bring-ups after the first
        self.failures = 0  # steps that failed (a bring-up nobody answered, a rail fault)
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
        """Open the port and bring the chain up once, at the reset clock with no work, to
        check it (a wrong count raises `ChainCountError`), then hold it idle until an
        `apply` asks for more (or go where an `apply` before `start` asked)."""
        await self.driver.open()
        try:
            await self._bring_up(self.profile.default_voltage_mv)
        except BaseException:
            with contextlib.suppress(Exception):
                await self._go_idle()
            self.driver.close()
            raise
        self.reinits = 0
        self._steer_task = asyncio.create_task(self._steer(), name="asic-steer")
        self._poll_task = asyncio.create_task(self._poll_loop(), name="asic-poll")

    async def stop(self) -> None:
        """Stop both tasks, leave the chips stopped (as idle), close the port: bounded."""
        tasks = [t for t in (self._steer_task, self._poll_task) if t is not None]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=1.0)
        self._steer_task = self._poll_task = None
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._go_idle(), STOP_TIMEOUT_S - 2.5)
        self.driver.close()

    async def submit_job(self, job: Job) -> None:
        self._job = job
        if self._issuing:
            try:
                self.driver.send_job(job)
            except (ChainError, OSError) as exc:
                self._note_error(exc)  # the poll loop notices a chain that is gone

    async def apply(self, point: OperatingPoint) -> None:
        self._check_point(point)
        if _duty_cycling(point) and not _duty_cycling(self._target):
            # a new duty cycle starts with its on part; a changed duty keeps the phase
            self._duty_origin = self.clock()
        self._target = point
        self._wake.set()

    def stats(self) -> BackendStats:
        driver = self.driver
        now = self.clock()
        uses_rate = driver.family.hash_counter_register == 0x04
        chips = tuple(c.health(now, driver.silent_after_s, uses_rate) for c in driver.chips)
        if self._held or not self._chain_up:  # in reset or unpowered: nothing answers
            chips = tuple(replace(c, responding=False, hashrate_ghs=0.0) for c in chips)
        answering = sum(1 for c in chips if c.responding)
        hashing = sum(1 for c in chips if c.responding and c.hashrate_ghs > 0)
        frequency = 0.0 if self._held else driver.programmed_mhz
        expected = self.profile.hashrate_ghs(frequency) if self._issuing else 0.0
        detail = (
            f"{len(chips)}x {driver.family.name} @ {frequency:.2f} MHz, "
            f"{driver.link_baud()} baud, {self._state_text()}, "
            f"{answering}/{len(chips)} chips answering, {self.reinits} re-inits, "
            f"{self.failures} failures, "
            f"poll latency {max(0.0, driver.poll_latency_s) * 1000:.0f} ms"
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
            point=OperatingPoint(frequency, self._voltage_now(), hashing),
            target=self._target,
            issuing_work=self._issuing,
            fault=self.fault,
            power=self._power,
        )

    @property
    def fault(self) -> str:
        return self._rail_fault or self._chain_fault

    def _voltage_now(self) -> int:
        if self.rail is not None:
            return max(0, round(self._vout_mv)) if self._vout_mv is not None else 0
        return self._asked_mv or 0

    def _state_text(self) -> str:
        if self.fault:
            return f"held idle: {self.fault}"
        if self._issuing:
            return "hashing"
        if self._held:
            return "idle, rail off" if self.power_switch is not None else "idle, reset held"
        return "idle, reset clock (no reset line: chips keep their last job)"

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

    def _wanted(self, now: float) -> tuple[OperatingPoint | None, float | None]:
        """Where the chain should be now (None: idle) and when that changes by itself
        (the next duty-cycle edge), in seconds from now, or None."""
        point = self._target
        if point is None or point.active_chips == 0 or point.duty == 0.0:
            return None, None
        if point.duty >= 1.0:
            return point, None
        on_s = self.duty_period_s * point.duty
        phase = (now - self._duty_origin) % self.duty_period_s
        if phase < on_s:
            return point, on_s - phase
        return None, self.duty_period_s - phase

    # -- the steering task ------------------------------------------------------------

    async def _steer(self) -> None:
        while True:
            self._wake.clear()
            try:
                wait = await self._advance()
            except RailFault as exc:
                await self._trip(exc.code, exc)
                wait = 0.0
            except (ChainError, OSError) as exc:
                silent = isinstance(exc, ChainCountError) and exc.found == 0
                await self._trip(CHAIN_SILENT if silent else CHAIN_FAULT, exc)
                wait = 0.0
            except Exception as exc:  # a bug must not end the task that stops the chips
                log.exception("ASIC backend: steering step failed")
                await self._trip(CHAIN_FAULT, exc)
                wait = 0.0
            if wait is None or wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)

    async def _advance(self) -> float | None:
        """One step towards where the chain should be; returns how long to wait before
        the next (0: go on at once, None: until something changes)."""
        now = self.clock()
        want, edge = self._wanted(now)
        if want is not None and self.fault and now < self._retry_at:
            want, edge = None, self._retry_at - now
        if want is None:
            await self._go_idle()
            return edge
        if not self._chain_up:
            await self._bring_up(want.voltage_mv)
            return 0.0
        driver = self.driver
        if want.frequency_mhz > driver.frequency_mhz + 1e-9:
            await self._set_voltage(want.voltage_mv)  # Vcore before the clock goes up
            if self._wake.is_set():
                return 0.0  # a new target or a fault arrived meanwhile: look again
            self._issue_work()
            await self._ramp(want.frequency_mhz)
            return 0.0
        if want.frequency_mhz < driver.frequency_mhz - 1e-9:
            driver.jump_to(want.frequency_mhz)
        await self._set_voltage(want.voltage_mv)  # ... and after it went down
        if self._wake.is_set():
            return 0.0
        self._check_rail()
        self._issue_work()
        # There, with the rail set and the chips answering: a fault held until now is over.
        self._rail_fault = self._chain_fault = ""
        self._backoff_s = self.retry_backoff_s[0]
        return edge

    async def _ramp(self, frequency_mhz: float) -> None:
        """Ramp up until there or until woken (a new target, a fault): the ramp task is
        cancelled then, between two PLL writes, and the step after looks again."""
        ramp = asyncio.ensure_future(self.driver.ramp_to(frequency_mhz))
        woken = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait((ramp, woken), return_when=asyncio.FIRST_COMPLETED)
        finally:
            ramp.cancel()
            woken.cancel()
            await asyncio.gather(ramp, woken, return_exceptions=True)
        error = None if ramp.cancelled() else ramp.exception()
        if error is not None:
            raise error

    def _issue_work(self) -> None:
        self._idle = False
        if not self._issuing:
            self._issuing = True
            if self._job is not None:
                self.driver.send_job(self._job)
            self.driver.mark_alive()

    async def _bring_up(self, voltage_mv: int) -> None:
        """Power, Vcore, then reset and initialise the chain (at the reset clock, no work)."""
        self._issuing = False
        self._idle = False
        if self.power_switch is not None:
            self.power_switch(True)
        self._held = False
        await self._set_voltage(voltage_mv)
        self._check_rail()
        self._bringing_up = True
        self._chain_up = False
        try:
            await self.driver.initialise()
        finally:
            self._bringing_up = False
        self._chain_up = True
        self._chain_fault = self._rail_fault = ""
        self.reinits += 1
        if self.last_error:
            log.info("ASIC chain up again after: %s", self.last_error)
            self.last_error = ""

    async def _go_idle(self) -> None:
        """No more work, then stop the chips, then cut Vcore. Idempotent."""
        self._issuing = False
        if self._idle:
            return
        driver = self.driver
        if driver.reset_line is not None:
            driver.hold_reset()
            self._held = True
        if self.power_switch is not None:
            self.power_switch(False)
            self._held = True
        if self._held:
            self._chain_up = False
        elif driver.link is not None and self._chain_up:
            driver.jump_to(driver.family.reset_frequency_mhz)
        if self.rail is not None:
            try:
                await self._rail_call(self.rail.disable())
            except RailFault as exc:
                self._note_error(exc)
                return  # not idle yet: disable again next time
            self._rail_on = False
            self._held = True  # no Vcore: the chips cannot hash, and forget their set-up
            self._chain_up = False
            # Read the rail now, not at the next poll: the power shown is the power after
            # the cut, so a shed is seen done as soon as it is.
            await self._poll_rail()
        self._idle = True

    async def _set_voltage(self, mv: int) -> None:
        if self.rail is None:
            self._asked_mv = mv
            return
        if self._rail_on and self._asked_mv == mv:
            return
        self._asked_mv = mv
        self._rail_on = False
        self._vout_mv = await self._rail_call(self.rail.set_voltage_mv(mv))
        self._rail_on = True

    def _check_rail(self) -> None:
        """A fault the rail reports now is a `RailFault`, whatever set_voltage said."""
        codes = self.rail.faults() if self.rail is not None else ()
        if codes:
            raise RailFault(codes[0], f"core rail: {', '.join(codes)}")

    async def _rail_call(self, call: Awaitable[T]) -> T:
        try:
            return await asyncio.wait_for(call, RAIL_TIMEOUT_S)
        except TimeoutError:
            message = f"the core rail did not answer within {RAIL_TIMEOUT_S} s"
            raise RailFault(VCORE_FAULT, message) from None

    async def _trip(self, code: str, exc: BaseException) -> None:
        """A fault: alarm, chain held idle, the next bring-up after the backoff."""
        self._note_error(exc)
        self.failures += 1
        if code in (CHAIN_SILENT, CHAIN_FAULT):
            self._chain_fault = code
        else:
            self._rail_fault = code
        self._chain_up = False
        self._idle = False
        try:
            await self._go_idle()
        except Exception as idle_exc:  # a line or rail that fails too: retried next step
            self._note_error(idle_exc)
        self._schedule_retry(self.clock())

    def _schedule_retry(self, now: float) -> None:
        self._retry_at = now + self._backoff_s
        self._backoff_s = min(self.retry_backoff_s[1], self._backoff_s * 2)

    def _note_error(self, exc: BaseException) -> None:
        """Log a chain error once, not once a second while it lasts."""
        message = str(exc) or type(exc).__name__
        if message != self.last_error:
            log.error("ASIC chain: %s", message)
        self.last_error = message

    # -- the poll task ----------------------------------------------------------------

    async def _poll_loop(self) -> None:
        while True:
            await asyncio.sleep(self.poll_interval_s)
            try:
                await self._poll_rail()
                self._poll_chain()
            except (ChainError, OSError) as exc:
                self._note_error(exc)
            except Exception as exc:  # never end the task that notices faults
                log.exception("ASIC backend: poll failed")
                self._note_error(exc)

    async def _poll_rail(self) -> None:
        rail = self.rail
        if rail is None:
            return
        try:
            readings = await self._rail_call(rail.read())
            codes = rail.faults()
        except RailFault as exc:
            self._power = None  # no reading now: never the last one shown as current
            self._raise_rail_fault(exc.code, exc)
            return
        self._power = readings
        if readings.vout_mv is not None and not math.isnan(readings.vout_mv):
            self._vout_mv = readings.vout_mv
        if codes and self._rail_on:
            self._raise_rail_fault(codes[0], RailFault(codes[0], f"core rail: {', '.join(codes)}"))

    def _raise_rail_fault(self, code: str, exc: RailFault) -> None:
        """Seen by the poll task: stop work now, the steering task holds the chain."""
        self._note_error(exc)
        if self._rail_fault:
            return  # already held; the backoff runs
        self._rail_fault = code
        self._issuing = False
        self._idle = False
        self._schedule_retry(self.clock())
        self._wake.set()

    def _poll_chain(self) -> None:
        driver = self.driver
        if not self._chain_up or self._bringing_up or driver.link is None:
            return
        if driver.all_silent(self.clock()):
            log.warning("all %d chips silent: holding the chain idle", len(driver.chips))
            self._chain_fault = CHAIN_SILENT
            self._chain_up = False
            self._issuing = False
            self._idle = False
            self._schedule_retry(self.clock())
            self._wake.set()
            return
        driver.poll_counters()
