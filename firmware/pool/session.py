"""One live stratum v1 connection to one pool: handshake, messages, requests, watchdog.

The session owns the socket and the pool's view of us (extranonce, difficulty, version
mask, current jobs). It reports new work through an async callback and ends by raising
`SessionEnded` with the reason (closed, silent, reconnect asked, too many rejects).
Everything a pool sends is validated first; a bad line is logged, counted and skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import ssl
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from firmware.pool.config import PoolConfig
from firmware.pool.earnings import CoinbaseError, coinbase_value
from firmware.pool.messages import (
    Notify,
    Subscription,
    parse_configure_result,
    parse_difficulty,
    parse_extranonce,
    parse_notify,
    parse_reconnect,
    parse_subscribe_result,
    parse_version_mask,
)
from firmware.pool.protocol import (
    LineFramer,
    ProtocolError,
    Request,
    Response,
    decode_line,
    encode_request,
    encode_response,
)
from firmware.pool.work import JobTemplate, build_coinbase
from firmware.work import Job

log = logging.getLogger(__name__)

# BIP310 / BIP320: the version bits a miner may roll (bits 13..28).
BIP320_VERSION_MASK = 0x1FFFE000
# How many recent job ids stay valid for shares when clean_jobs is false.
KEPT_JOBS = 16
READ_CHUNK = 16 * 1024


class SessionEnded(Exception):
    """Why a session stopped; `reconnect` is set when the pool asked us to come back."""

    def __init__(self, reason: str, reconnect: tuple[str | None, int | None, float] | None = None):
        super().__init__(reason)
        self.reason = reason
        self.reconnect = reconnect


class NoAnswer(SessionEnded):
    """A request the pool did not answer in time (the session itself may live on)."""


WorkCallback = Callable[["StratumSession", bool], Awaitable[None]]


class StratumSession:
    def __init__(
        self,
        pool: PoolConfig,
        number: int,
        on_work: WorkCallback,
        *,
        clock: Callable[[], float],
        agent: str,
        port: int | None = None,
        connect_timeout_s: float = 10.0,
        response_timeout_s: float = 10.0,
        silence_timeout_s: float = 180.0,
        suggest_difficulty: float | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.pool = pool
        self.number = number
        self.index = 0  # position in the manager's failover list
        self.port = port or pool.port
        self._on_work = on_work
        self._clock = clock
        self._agent = agent
        self._connect_timeout = connect_timeout_s
        self._response_timeout = response_timeout_s
        self.silence_timeout_s = silence_timeout_s
        self._suggest = suggest_difficulty
        self._ssl_context = ssl_context
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._next_id = 1
        self._pending: dict[int, asyncio.Future[Response]] = {}
        self._ended = asyncio.Event()
        self._end_reason: SessionEnded | None = None
        self._first_job = asyncio.Event()
        self._framer = LineFramer()
        self.last_activity = clock()
        self.subscription: Subscription | None = None
        self._pending_extranonce: Subscription | None = None
        self.version_mask = 0
        self.difficulty = 1.0
        self.template: JobTemplate | None = None
        self._jobs: OrderedDict[str, None] = OrderedDict()
        self._extranonce2 = 0
        self.bad_lines = 0

    # -- lifecycle ---------------------------------------------------------------

    async def connect(self) -> None:
        """Open the socket and complete subscribe + authorize; SessionEnded on failure."""
        tls: ssl.SSLContext | None = None
        if self.pool.tls:
            tls = self._ssl_context or ssl.create_default_context()
        try:
            self._reader, self._writer = await asyncio.wait_for(
                asyncio.open_connection(self.pool.host, self.port, ssl=tls),
                self._connect_timeout,
            )
        except (OSError, TimeoutError, ssl.SSLError) as exc:
            raise SessionEnded(f"cannot connect: {exc or type(exc).__name__}") from None
        self.last_activity = self._clock()
        self._reader_task = asyncio.create_task(self._read_loop())
        configure = self._send(
            "mining.configure",
            [["version-rolling"], {"version-rolling.mask": f"{BIP320_VERSION_MASK:08x}"}],
        )
        subscribe = self._send("mining.subscribe", [self._agent])
        configure.add_done_callback(self._configured)
        answer = await self._await(subscribe, "mining.subscribe")
        if answer.error is not None:
            raise SessionEnded(f"subscribe refused: {answer.error}")
        try:
            self.subscription = parse_subscribe_result(answer.result)
        except ProtocolError as exc:
            raise SessionEnded(f"bad subscribe answer: {exc}") from None
        authorize = self._send("mining.authorize", [self.pool.user, self.pool.password])
        if self._suggest is not None:
            self._send("mining.suggest_difficulty", [self._suggest])
        self._send("mining.extranonce.subscribe", [])
        answer = await self._await(authorize, "mining.authorize")
        if answer.error is not None or answer.result is not True:
            why = answer.error or f"answered {answer.result!r:.40}"
            raise SessionEnded(f"authorization refused for {self.pool.user}: {why}")

    async def wait_first_job(self, timeout_s: float) -> None:
        """Return once the pool has sent a job; SessionEnded if it ends or stays quiet."""
        job = asyncio.ensure_future(self._first_job.wait())
        ended = asyncio.ensure_future(self._ended.wait())
        try:
            await asyncio.wait({job, ended}, timeout=timeout_s, return_when="FIRST_COMPLETED")
        finally:
            job.cancel()
            ended.cancel()
        if self._first_job.is_set():
            return
        self._raise_if_ended()
        raise SessionEnded(f"no job within {timeout_s} s of connecting")

    async def wait_ended(self, check_every_s: float = 0.5) -> None:
        """Return never; raise SessionEnded when the socket closes or the pool goes silent."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ended.wait(), check_every_s)
            self._raise_if_ended()
            silent_for = self._clock() - self.last_activity
            if silent_for > self.silence_timeout_s:
                raise SessionEnded(f"pool silent for {silent_for:.1f} s")

    def end(self, reason: SessionEnded) -> None:
        """Mark the session over (first reason wins); waiters raise it."""
        if self._end_reason is None:
            self._end_reason = reason
            self._ended.set()

    def _raise_if_ended(self) -> None:
        if self._end_reason is not None:
            raise self._end_reason

    async def close(self) -> None:
        self.end(SessionEnded("closed by us"))
        if self._reader_task is not None:
            self._reader_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader_task
        for future in self._pending.values():
            if not future.done():
                future.cancel()
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._writer.wait_closed(), 1.0)

    # -- requests ----------------------------------------------------------------

    def _send(self, method: str, params: list[Any]) -> asyncio.Future[Response]:
        msg_id = self._next_id
        self._next_id += 1
        future: asyncio.Future[Response] = asyncio.get_running_loop().create_future()
        self._pending[msg_id] = future
        self._write(encode_request(msg_id, method, params))
        return future

    def _write(self, line: bytes) -> None:
        if self._writer is None or self._writer.is_closing():
            self.end(SessionEnded("connection closed"))
            return
        self._writer.write(line)

    async def _await(self, future: asyncio.Future[Response], what: str) -> Response:
        ended = asyncio.ensure_future(self._ended.wait())
        waits: set[asyncio.Future[Any]] = {future, ended}
        try:
            await asyncio.wait(waits, timeout=self._response_timeout, return_when="FIRST_COMPLETED")
        finally:
            ended.cancel()
        if future.done() and not future.cancelled():
            return future.result()
        for msg_id, pending in list(self._pending.items()):
            if pending is future:
                del self._pending[msg_id]  # a late answer is then ignored as unknown
        self._raise_if_ended()
        raise NoAnswer(f"no answer to {what} within {self._response_timeout} s")

    async def request(self, method: str, params: list[Any]) -> Response:
        return await self._await(self._send(method, params), method)

    def _configured(self, future: asyncio.Future[Response]) -> None:
        if future.cancelled():
            return
        answer = future.result()
        granted = 0 if answer.error else parse_configure_result(answer.result)
        self.version_mask = granted & BIP320_VERSION_MASK
        if self.template is not None:  # a pool that answered configure after a job
            self.template = dataclasses.replace(self.template, version_mask=self.version_mask)
        log.info("%s: version rolling mask %08x", self.pool.url, self.version_mask)

    # -- jobs --------------------------------------------------------------------

    def next_job(self, *, clean: bool) -> Job | None:
        """A fresh Job from the current template with the next extranonce2."""
        if self.template is None:
            return None
        size = self.template.extranonce2_size
        self._extranonce2 = (self._extranonce2 + 1) % (1 << (8 * size))
        return self.template.job(self._extranonce2, self.difficulty, clean=clean)

    def job_is_current(self, job_id: str) -> bool:
        return job_id in self._jobs

    # -- reading -----------------------------------------------------------------

    async def _read_loop(self) -> None:
        assert self._reader is not None
        try:
            while True:
                data = await self._reader.read(READ_CHUNK)
                if not data:
                    self.end(SessionEnded("pool closed the connection"))
                    return
                await self.feed(data)
        except (OSError, ssl.SSLError) as exc:
            self.end(SessionEnded(f"connection lost: {exc}"))
        except Exception as exc:
            # A bug of ours must not leave a dead reader behind a "connected" pool.
            log.exception("%s: reader failed", self.pool.url)
            self.end(SessionEnded(f"internal error: {exc!r}"))

    async def feed(self, data: bytes) -> None:
        """Take bytes from the pool: every complete line is validated and acted on."""
        dropped = self._framer.dropped_lines
        for line in self._framer.feed(data):
            await self._handle_line(line)
        if self._framer.dropped_lines != dropped:
            self.bad_lines += self._framer.dropped_lines - dropped
            log.warning("%s: dropped an oversized line", self.pool.url)

    async def _handle_line(self, line: bytes) -> None:
        if not line.strip():
            return
        try:
            message = decode_line(line)
            if isinstance(message, Response):
                self._handle_response(message)
            else:
                await self._handle_request(message)
        except ProtocolError as exc:
            self.bad_lines += 1
            log.warning("%s: ignored a bad line (%s): %.120r", self.pool.url, exc, line)

    def _handle_response(self, response: Response) -> None:
        future = self._pending.pop(response.id, None)
        if future is None:
            raise ProtocolError(f"answer to id {response.id} we never sent or already had")
        self.last_activity = self._clock()
        if not future.done():
            future.set_result(response)

    async def _handle_request(self, request: Request) -> None:
        method, params = request.method, request.params
        if method == "mining.notify":
            await self._notify(parse_notify(params))
        elif method == "mining.set_difficulty":
            self.difficulty = parse_difficulty(params)
            self.last_activity = self._clock()
        elif method == "mining.set_version_mask":
            await self._set_version_mask(parse_version_mask(params) & BIP320_VERSION_MASK)
        elif method == "mining.set_extranonce":
            self._pending_extranonce = parse_extranonce(params)
        elif method == "client.reconnect":
            self.end(SessionEnded("pool asked to reconnect", parse_reconnect(params)))
        elif method == "client.get_version":
            self._answer(request, self._agent)
        elif method == "mining.ping":
            self._answer(request, "pong")
        elif method == "client.show_message":
            log.info("%s says: %.200s", self.pool.url, params[:1])
        else:
            self._answer(request, None, [20, f"unsupported method {method[:60]}", None])
            raise ProtocolError(f"unknown method {method[:60]!r}")

    async def _set_version_mask(self, mask: int) -> None:
        """BIP310: a new mask is valid at once, not from the next job. The current job is
        re-issued with it, so the backend stops rolling bits the pool no longer allows
        (shares already found with such bits are dropped by the manager)."""
        self.last_activity = self._clock()
        if mask == self.version_mask:
            return
        log.info("%s: version rolling mask now %08x", self.pool.url, mask)
        self.version_mask = mask
        if self.template is not None:
            self.template = dataclasses.replace(self.template, version_mask=mask)
            await self._on_work(self, False)

    def _answer(self, request: Request, result: Any, error: Any = None) -> None:
        if request.id is not None:
            self._write(encode_response(request.id, result, error))

    async def _notify(self, notify: Notify) -> None:
        if self.subscription is None:
            raise ProtocolError("mining.notify before the subscribe answer")
        if self._pending_extranonce is not None:
            self.subscription, self._pending_extranonce = self._pending_extranonce, None
        try:
            reward = coinbase_value(
                build_coinbase(
                    notify, self.subscription.extranonce1, bytes(self.subscription.extranonce2_size)
                )
            )
        except CoinbaseError:
            reward = 0  # earnings unknown for this job; mining it is still fine
        self.template = JobTemplate(
            notify=notify,
            extranonce1=self.subscription.extranonce1,
            extranonce2_size=self.subscription.extranonce2_size,
            version_mask=self.version_mask,
            session=self.number,
            pool_url=self.pool.url,
            block_reward_sats=reward,
        )
        clean = notify.clean_jobs or not self._jobs
        if notify.clean_jobs:
            self._jobs.clear()
        self._jobs[notify.job_id] = None
        while len(self._jobs) > KEPT_JOBS:
            self._jobs.popitem(last=False)
        self.last_activity = self._clock()
        self._first_job.set()
        await self._on_work(self, clean)
