"""`MinerBackend`: a miner on the network (Avalon, Bitaxe, Braiins OS+...) as Hearth's
`HashBackend`, through pyasic. It mines to the pool configured on the miner itself;
Hearth decides how hard (docs/miners.md).

`apply(point)` returns at once: it records the watts asked (`firmware.miner.board`); the
backend's own task, every `poll_s` (sooner after an `apply`), reads the miner, lets the
level mapper choose the setting and sends it when the read-back differs. `MINER_IDLE`
(no chip active) is an owner's off: it goes through at once, whatever the minimum
on-time. Every pyasic call runs under `call_timeout_s`.

Faults (`stats().fault`): `miner_unknown` (nothing answers as a known miner at `host`),
`miner_unreachable` (no answer: retried with backoff, `retry_s` doubling to
`retry_max_s`), `miner_command_refused`, `miner_ignored_command` (answered OK but the
read-back still differs `confirm_polls` polls later; resent every `resend_s`),
`miner_reading_missing` (no power reading), `miner_login_refused` (the miner refused
`[backend] username`/`password`; retried), `miner_bad_answer` (an answer pyasic
cannot parse; retried like an unreachable miner).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pyasic
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from pyasic.errors import APIError

from firmware.miner.actuators import Setting
from firmware.miner.board import point_for, watts_of
from firmware.miner.drivers import CommandRefused, Driver, Reading, Unreachable
from firmware.miner.levels import LevelMapper
from firmware.miner.models import MINER_TYPES, MinerType, driver_for, type_of
from firmware.work import BackendStats, Job, NonceHandler, OperatingPoint, PowerReadings

T = TypeVar("T")
log = logging.getLogger(__name__)
_FAILURES = (Unreachable, TimeoutError, OSError, APIError, GRPCError)
_LOGIN_REFUSED = (Status.UNAUTHENTICATED, Status.PERMISSION_DENIED)


class MinerBackend:
    def __init__(
        self,
        host: str,
        miner_type: str | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        poll_s: float = 5.0,
        call_timeout_s: float = 10.0,
        retry_s: float = 1.0,
        retry_max_s: float = 60.0,
        confirm_polls: int = 2,
        resend_s: float = 60.0,
        fraction_of: Callable[[OperatingPoint], float] | None = None,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        if miner_type is not None and miner_type not in MINER_TYPES:
            raise ValueError(
                f"unknown miner type {miner_type!r}; known: {', '.join(sorted(MINER_TYPES))}"
            )
        self.host = host
        self._type: MinerType | None = MINER_TYPES[miner_type] if miner_type else None
        self._clock = clock
        self.poll_s = poll_s
        self.call_timeout_s = call_timeout_s
        self.retry_s = retry_s
        self.retry_max_s = retry_max_s
        self.confirm_polls = confirm_polls
        self.resend_s = resend_s
        self._driver: Driver | None = None
        self._mapper: LevelMapper | None = None
        self._asked_w = 0.0
        # Points planned on another board's watts (hearthd's board profile): the share of
        # that board's maximum, laid onto the miner's range once its type is known.
        self._fraction_of = fraction_of
        self._fraction: float | None = None
        self._credentials = credentials
        self._owner_off = True
        self._target: OperatingPoint | None = None
        self._reading: Reading | None = None
        self._fault = ""
        self._sent: Setting | None = None
        self._refused = False
        self._ignored = False
        self._sent_s = 0.0
        self._polls_since_sent = 0
        self._backoff_s = retry_s
        self._wake = asyncio.Event()
        self._polled = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None
        self.polls = 0  # completed read cycles, for tests and `hearth monitor`

    # --- HashBackend -------------------------------------------------------------------
    @property
    def name(self) -> str:
        return f"miner {self._type.name if self._type else '?'} at {self.host}"

    def set_nonce_handler(self, handler: NonceHandler) -> None:
        """The miner submits its own shares to its own pool: nothing comes back here."""

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"miner {self.host}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def submit_job(self, job: Job) -> None:
        """The miner works for the pool configured on it; Hearth's jobs are not sent."""

    async def apply(self, point: OperatingPoint) -> None:
        self._target = point
        if self._fraction_of is not None:
            self._fraction = min(1.0, max(0.0, self._fraction_of(point)))
            self._owner_off = point.active_chips == 0 or point.duty == 0 or self._fraction == 0
        else:
            self._asked_w = watts_of(point)
            self._owner_off = self._asked_w <= 0
        self._wake.set()

    def stats(self) -> BackendStats:
        r = self._reading
        mapper = self._mapper
        setting = mapper.current if mapper is not None else None
        hashing = r is not None and r.hashing  # read back, never the plan
        watts = None if r is None else r.power_w
        if watts is None and setting is not None:
            watts = setting.watts
        point = None
        if r is not None:
            point = point_for(watts or 0.0) if hashing else point_for(0.0)
        detail = f"{self.name}"
        if setting is not None:
            detail += f", {setting.name}"
            if mapper is not None:
                detail += f", {mapper.changes_last_hour(self._clock())} changes in the last hour"
        rate = 0.0 if r is None or r.hashrate_ghs is None else r.hashrate_ghs
        return BackendStats(
            kind="miner",
            hashrate_ghs=rate,
            expected_hashrate_ghs=rate,
            nonces=0,
            hw_errors=0,
            duplicates=0,
            bad_frames=0,
            detail=detail,
            point=point,
            target=self._target,
            issuing_work=hashing,
            fault=self._fault,
            power=None if r is None else PowerReadings(power_w=r.power_w),
        )

    async def wait_until(self, predicate: Callable[[], bool], timeout_s: float) -> None:
        """Until `predicate()` holds after a read cycle (TimeoutError after `timeout_s`)."""
        async with asyncio.timeout(timeout_s), self._polled:
            await self._polled.wait_for(predicate)

    # --- the miner's task -----------------------------------------------------------------
    @property
    def setting(self) -> Setting | None:
        return None if self._mapper is None else self._mapper.current

    async def _call(self, awaitable: Awaitable[T]) -> T:
        return await asyncio.wait_for(awaitable, self.call_timeout_s)

    def _next_retry_s(self) -> float:
        """The wait before the next try after a failure: `retry_s`, doubling per failure
        up to `retry_max_s` (reset by the next good cycle)."""
        delay = self._backoff_s
        self._backoff_s = min(self.retry_max_s, self._backoff_s * 2)
        return delay

    async def _run(self) -> None:
        while True:
            delay = self.poll_s
            try:
                await self._cycle()
                self._backoff_s = self.retry_s
            except _FAILURES as exc:
                self._fault = "miner_login_refused" if _login_refused(exc) else "miner_unreachable"
                self._reading = None
                self._sent = None  # after an outage (a reboot?) send again what is wanted
                delay = self._next_retry_s()
            except _Unknown:
                self._fault = "miner_unknown"
                delay = self._next_retry_s()
            except Exception:  # an answer pyasic cannot parse: say so, keep trying
                log.exception("miner %s: unexpected answer", self.host)
                self._fault = "miner_bad_answer"
                self._reading = None
                self._sent = None
                delay = self._next_retry_s()
            self.polls += 1
            async with self._polled:
                self._polled.notify_all()
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)

    async def _connect(self) -> Driver:
        if self._type is not None:
            _, driver = self._type.open(self.host)
        else:
            miner: Any = await self._call(pyasic.get_miner(self.host))
            kind = type_of(miner) if miner is not None else None
            if kind is None:
                raise _Unknown(self.host)
            self._type = kind
            driver = driver_for(kind, miner)
        if self._credentials is not None:
            _set_credentials(driver, *self._credentials)
        if self._mapper is None:
            self._mapper = LevelMapper(self._type.actuator)
        self._driver = driver
        return driver

    async def _cycle(self) -> None:
        driver = self._driver or await self._connect()
        assert self._mapper is not None
        reading = await self._call(driver.read())
        self._reading = reading
        now = self._clock()
        if self._fraction is not None:
            self._asked_w = self._fraction * self._mapper.actuator.max_w
        want = self._mapper.update(now, self._asked_w, owner_off=self._owner_off)
        fault = "" if reading.power_w is not None else "miner_reading_missing"
        if self._matches(reading, want):
            self._sent, self._refused, self._ignored = None, False, False
        elif self._sent != want:
            self._ignored = False
            await self._send(driver, want, reading, now)
        else:
            self._polls_since_sent += 1
            if not self._refused and self._polls_since_sent >= self.confirm_polls:
                self._ignored = True
            if now - self._sent_s >= self.resend_s:
                await self._send(driver, want, reading, now)
        if self._refused:
            fault = "miner_command_refused"
        elif self._ignored:
            fault = "miner_ignored_command"
        self._fault = fault

    async def _send(self, driver: Driver, want: Setting, reading: Reading, now: float) -> None:
        try:
            await self._call(driver.send(want, was_off=not reading.hashing))
            self._refused = False
        except CommandRefused:
            self._refused = True
        self._sent, self._sent_s, self._polls_since_sent = want, now, 0

    def _matches(self, reading: Reading, want: Setting) -> bool:
        assert self._type is not None
        act = self._type.actuator
        if want.off and act.off_value is None:
            return not reading.hashing
        value = act.off_value if want.off else want.value
        return reading.hashing and reading.value is not None and reading.value == value


def _login_refused(exc: BaseException) -> bool:
    """A gRPC login refusal anywhere in the chain (pyasic 0.79 wraps a refused BOS+
    `Login`, raised as grpclib's own error, in the APIError of whichever reading failed)."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, GRPCError) and seen.status in _LOGIN_REFUSED:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _set_credentials(driver: Driver, username: str, password: str) -> None:
    """The owner's web/API login, on pyasic's clients where the firmware has one."""
    miner = getattr(driver, "miner", None)
    for client in (getattr(miner, "web", None), getattr(miner, "rpc", None)):
        if client is None:
            continue
        if username and hasattr(client, "username"):
            client.username = username
        if password and hasattr(client, "pwd"):
            client.pwd = password


class _Unknown(Exception):
    """Nothing at the host that pyasic knows as a miner Hearth has a table for."""
