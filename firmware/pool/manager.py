"""The pool side of the heater: which pool to mine for, and the shares that go there.

`PoolManager` keeps one stratum session alive, in failover order: it moves to the next
pool when a connection fails, the pool goes silent or rejects share after share, goes
back to a higher-priority pool as soon as one answers again, and when no pool is
reachable feeds the backend local "offline heat" work so the room stays warm.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import ssl
import time
from collections.abc import Callable, Sequence
from typing import Any

from firmware.pool.backoff import Backoff
from firmware.pool.config import PoolConfig
from firmware.pool.earnings import network_difficulty
from firmware.pool.ledger import ShareLedger
from firmware.pool.offline import OfflineTag, OfflineWork
from firmware.pool.protocol import reject_reason
from firmware.pool.rate_limit import TokenBucket
from firmware.pool.session import NoAnswer, SessionEnded, StratumSession
from firmware.pool.status import PoolState, PoolStatus, is_unreachable
from firmware.pool.work import ShareTag, sha256d, submit_params
from firmware.work import (
    FoundNonce,
    HashBackend,
    Job,
    difficulty_from_hash,
    difficulty_to_target,
    hash_value,
)

log = logging.getLogger(__name__)

AGENT = "hearth/0.1.0"
# Reject texts that mean "too late", not "wrong": stale share, unknown job (error 21 in
# the stratum error codes slush's pool published and most pools reuse).
STALE_REJECT = re.compile(r"stale|job not found|unknown job|\(21\)", re.IGNORECASE)
# Recently submitted shares remembered per session, to never submit one twice.
KEPT_SUBMITTED = 4096
# The longest a pool's `client.reconnect` wait keeps the heater off that pool; the other
# pools (then offline heat) are mined meanwhile, so a pool cannot park the heater.
MAX_RECONNECT_WAIT_S = 60.0


class PoolManager:
    def __init__(
        self,
        pools: Sequence[PoolConfig],
        backend: HashBackend,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        silence_timeout_s: float = 180.0,
        connect_timeout_s: float = 10.0,
        response_timeout_s: float = 10.0,
        backoff_initial_s: float = 1.0,
        backoff_max_s: float = 30.0,
        primary_retry_s: float = 60.0,
        max_consecutive_rejects: int = 10,
        max_submits_per_s: float = 50.0,
        job_refresh_s: float = 30.0,
        offline_share_difficulty: float = 1024.0,
        suggest_difficulty: float | None = None,
        ssl_context: ssl.SSLContext | None = None,
        agent: str = AGENT,
    ) -> None:
        self._pools = _checked_pools(pools)
        self._backend = backend
        self._clock = clock
        self._wall_clock = wall_clock
        self._rng = rng or random.Random()
        self._silence_timeout = silence_timeout_s
        self._connect_timeout = connect_timeout_s
        self._response_timeout = response_timeout_s
        self._backoff = Backoff(self._rng, backoff_initial_s, backoff_max_s)
        self._primary_retry = primary_retry_s
        self._max_rejects = max_consecutive_rejects
        self._submit_budget = TokenBucket(max_submits_per_s, 2 * max_submits_per_s, clock)
        self._job_refresh = job_refresh_s
        self._offline_work = OfflineWork(self._rng, offline_share_difficulty)
        self._suggest = suggest_difficulty
        self._ssl_context = ssl_context
        self._pool_contexts: dict[str, ssl.SSLContext] = {}
        self._agent = agent
        self._ledger = ShareLedger()
        self._active: StratumSession | None = None
        self._active_index = 0
        self._offline = False
        self._sessions = 0
        self._failed_at: dict[int, float] = {}
        self._port_override: dict[int, int] = {}
        self._held_until: dict[int, float] = {}
        self._consecutive_rejects = 0
        self._submitted: dict[tuple[str, ...], None] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._last_error: str | None = None
        self._stopping: asyncio.Event | None = None
        self._reconfigure: asyncio.Event | None = None
        self._finished: asyncio.Event | None = None
        self.offline_nonces = 0
        self.below_target = 0  # nonces whose re-checked hash misses the pool target
        self.outside_version_mask = 0  # nonces with rolled bits the pool's mask forbids
        self.dropped_over_rate = 0
        backend.set_nonce_handler(self._on_nonce)

    # -- the face the daemon uses -------------------------------------------------

    async def run(self) -> None:
        """Mine until `stop()`; never raises for anything a pool or the network does."""
        self._stopping = asyncio.Event()
        self._reconfigure = asyncio.Event()
        self._finished = asyncio.Event()
        refresher = asyncio.create_task(self._refresh_loop())
        try:
            while not self._stopping.is_set():
                self._reconfigure.clear()
                session = await self._connect_any()
                if session is None:
                    await self._go_offline()
                    await self._pause(self._backoff.next_delay())
                    continue
                self._backoff.reset()
                await self._serve(session)
        finally:
            refresher.cancel()
            for task in list(self._tasks):
                task.cancel()
            if self._active is not None:
                await self._active.close()
                self._active = None
            self._finished.set()

    async def stop(self) -> None:
        if self._stopping is None or self._finished is None:
            return
        self._stopping.set()
        await self._finished.wait()

    async def set_pools(self, pools: Sequence[PoolConfig]) -> None:
        """Replace the failover list (e.g. from the HTTP API) and reconnect from its top."""
        self._pools = _checked_pools(pools)
        self._failed_at.clear()
        self._port_override.clear()
        self._held_until.clear()
        if self._reconfigure is not None:
            self._reconfigure.set()

    @property
    def pools(self) -> tuple[PoolConfig, ...]:
        return tuple(self._pools)

    def status(self) -> PoolStatus:
        session = self._active
        state: PoolState = "offline"
        if session is not None:
            state = "connected" if self._active_index == 0 else "failover"
        template = session.template if session else None
        network = network_difficulty(template.notify.nbits) if template else None
        difficulty = session.difficulty if session else None
        ledger = self._ledger
        return PoolStatus(
            state=state,
            url=session.pool.url if session else None,
            user=session.pool.user if session else None,
            difficulty=difficulty,
            version_mask=session.version_mask if session else 0,
            shares_accepted=ledger.accepted,
            shares_rejected=ledger.rejected,
            shares_stale=ledger.stale,
            reject_reasons=dict(ledger.reasons),
            last_share_at=ledger.last_share_at,
            offline_heat=self._offline,
            earned_sats=ledger.earnings.sats,
            best_share_difficulty=ledger.best_difficulty,
            network_difficulty=network,
            bad_lines=session.bad_lines if session else 0,
            last_error=self._last_error,
            difficulty_unreachable=is_unreachable(difficulty),
        )

    def snapshot(self) -> dict[str, Any]:
        return self._ledger.snapshot()

    def restore(self, data: Any) -> None:
        """Load persisted counters and earnings; ValueError (and no change) if invalid."""
        self._ledger.restore(data)

    # -- connecting and failing over ---------------------------------------------

    def _order(self) -> list[int]:
        """Pools in failover order, those that failed recently moved to the back, those
        that asked to be left alone for a while (client.reconnect) left out."""
        now = self._clock()
        recent = {i for i, at in self._failed_at.items() if now - at < self._primary_retry}
        indices = [i for i in range(len(self._pools)) if self._held_until.get(i, now) <= now]
        return [i for i in indices if i not in recent] + [i for i in indices if i in recent]

    async def _connect_any(self) -> StratumSession | None:
        for index in self._order():
            if self._stopping is not None and self._stopping.is_set():
                return None
            session = await self._open(index)
            if session is not None:
                return session
        return None

    def _context_for(self, pool: PoolConfig) -> ssl.SSLContext | None:
        """The TLS context for `pool`: the manager's, or the system's trust store plus the
        pool's own CA certificate when it names one."""
        if not pool.ca_file:
            return self._ssl_context
        context = self._pool_contexts.get(pool.ca_file)
        if context is None:
            context = ssl.create_default_context()
            context.load_verify_locations(cafile=pool.ca_file)
            self._pool_contexts[pool.ca_file] = context
        return context

    async def _open(self, index: int) -> StratumSession | None:
        pool = self._pools[index]
        try:
            context = self._context_for(pool)
        except (OSError, ssl.SSLError) as exc:  # the CA file went missing or bad
            self._note_failure(index, pool, f"ca_file {pool.ca_file}: {exc}")
            return None
        self._sessions += 1
        session = StratumSession(
            pool,
            self._sessions,
            self._on_work,
            clock=self._clock,
            agent=self._agent,
            port=self._port_override.get(index),
            connect_timeout_s=self._connect_timeout,
            response_timeout_s=self._response_timeout,
            silence_timeout_s=self._silence_timeout,
            suggest_difficulty=self._suggest,
            ssl_context=context,
        )
        try:
            await session.connect()
            await session.wait_first_job(self._silence_timeout)
        except SessionEnded as exc:
            self._note_failure(index, pool, exc.reason)
            await session.close()
            return None
        except asyncio.CancelledError:
            await session.close()  # a probe cut short must not leave a socket open
            raise
        session.index = index
        log.info("mining for %s", pool)
        return session

    def _note_failure(self, index: int, pool: PoolConfig, reason: str) -> None:
        self._failed_at[index] = self._clock()
        port = self._port_override.pop(index, None)
        if port is not None:
            log.warning("pool %s: redirect to port %d failed; back to its own port", pool.url, port)
        self._last_error = f"{pool.url}: {reason}"
        log.warning("pool %s: %s", pool.url, reason)

    async def _serve(self, session: StratumSession) -> None:
        """Mine on `session` until it fails, a better pool answers, or we are told to stop."""
        assert self._stopping is not None and self._reconfigure is not None
        await self._activate(session)
        while True:
            ended = asyncio.create_task(session.wait_ended())
            told = asyncio.create_task(_first_of(self._stopping, self._reconfigure))
            waits: set[asyncio.Task[Any]] = {ended, told}
            probe = None
            if session.index > 0:
                probe = asyncio.create_task(self._probe_better(session.index))
                waits.add(probe)
            done, pending = await asyncio.wait(waits, return_when="FIRST_COMPLETED")
            for task in pending:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, SessionEnded):
                    await task
            if probe is not None and probe in done and probe.result() is not None:
                better = probe.result()
                assert better is not None
                await session.close()
                session = better
                await self._activate(session)
                continue
            self._active = None
            if ended in done:
                exc = ended.exception()
                reason = exc if isinstance(exc, SessionEnded) else SessionEnded(repr(exc))
                if reason.reconnect is not None:
                    await self._follow_reconnect(session, reason.reconnect)
                else:
                    self._note_failure(session.index, session.pool, reason.reason)
            await session.close()
            return

    async def _probe_better(self, index: int) -> StratumSession | None:
        """Every primary_retry_s, try the pools above `index` that are not holding us off
        (client.reconnect); return the first that works."""
        while True:
            await asyncio.sleep(self._primary_retry)
            now = self._clock()
            for better in range(index):
                if self._held_until.get(better, now) > now:
                    continue
                session = await self._open(better)
                if session is not None:
                    return session

    async def _follow_reconnect(
        self, session: StratumSession, target: tuple[str | None, int | None, float]
    ) -> None:
        host, port, wait = target
        # Only the configured host is trusted; a pool cannot send the heater elsewhere.
        if host not in (None, session.pool.host):
            log.warning(
                "%s asked to reconnect to host %r: refused (only the configured host is used)",
                session.pool.url,
                host[:100] if host else host,
            )
        elif port is not None:
            self._port_override[session.index] = port
        wait = min(wait, MAX_RECONNECT_WAIT_S)
        log.info(
            "%s asked to reconnect in %.0f s; mining elsewhere meanwhile", session.pool.url, wait
        )
        self._held_until[session.index] = self._clock() + wait

    async def _activate(self, session: StratumSession) -> None:
        self._active = session
        self._active_index = session.index
        self._offline = False
        self._consecutive_rejects = 0
        self._submitted.clear()
        await self._submit_job(session.next_job(clean=True))

    async def _go_offline(self) -> None:
        if not self._offline:
            log.warning("no pool reachable: heating on local work until one returns")
            self._offline = True
            await self._submit_job(self._offline_work.next_job(clean=True, ntime=self._ntime()))

    async def _pause(self, seconds: float) -> None:
        assert self._stopping is not None and self._reconfigure is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(_first_of(self._stopping, self._reconfigure), seconds)

    # -- work to the backend -----------------------------------------------------

    async def _on_work(self, session: StratumSession, clean: bool) -> None:
        if session is self._active:
            if clean:
                self._submitted.clear()
            await self._submit_job(session.next_job(clean=clean))

    async def _submit_job(self, job: Job | None) -> None:
        if job is None:
            return
        try:
            await self._backend.submit_job(job)
        except Exception:
            log.exception("backend %s refused a job", self._backend.name)

    async def _refresh_loop(self) -> None:
        """Fresh extranonce2 now and then, so fast hardware never runs out of nonces."""
        while True:
            await asyncio.sleep(self._job_refresh)
            if self._active is not None:
                await self._submit_job(self._active.next_job(clean=False))
            elif self._offline:
                job = self._offline_work.next_job(clean=False, ntime=self._ntime())
                await self._submit_job(job)

    def _ntime(self) -> int:
        return int(self._wall_clock())

    # -- shares ------------------------------------------------------------------

    def _on_nonce(self, found: FoundNonce) -> None:
        tag = found.job.tag
        if isinstance(tag, OfflineTag):
            self.offline_nonces += 1
            return
        if not isinstance(tag, ShareTag):
            log.warning("backend returned a nonce for a job we did not make: %s", found.job.job_id)
            return
        session = self._active
        if session is None or tag.session != session.number:
            self._ledger.stale_share("job from an earlier connection")
            return
        if not session.job_is_current(tag.job_id):
            self._ledger.stale_share("job replaced by clean_jobs")
            return
        if found.version_bits & ~session.version_mask & 0xFFFFFFFF:
            # Rolled bits the pool does not allow (now): it would reject the share.
            self.outside_version_mask += 1
            return
        required = min(tag.difficulty, session.difficulty)
        # Re-hash here rather than trust the backend's figure: what the pool will check is
        # this header against this target, so only that decides whether a share goes out.
        digest = sha256d(found.job.header80(found.nonce, found.version))
        if hash_value(digest) > difficulty_to_target(required):
            self.below_target += 1
            return
        try:
            params = submit_params(
                session.pool.user, tag, found.nonce, found.version_bits, session.version_mask
            )
        except ValueError as exc:
            log.error("not submitting a malformed share: %s", exc)
            return
        key = tuple(params[1:])
        if key in self._submitted:
            return
        if not self._submit_budget.take():
            self.dropped_over_rate += 1
            return
        self._submitted[key] = None
        while len(self._submitted) > KEPT_SUBMITTED:
            del self._submitted[next(iter(self._submitted))]
        task = asyncio.get_running_loop().create_task(
            self._submit_share(session, tag, required, difficulty_from_hash(digest), params)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _submit_share(
        self,
        session: StratumSession,
        tag: ShareTag,
        difficulty: float,
        found_difficulty: float,
        params: list[str],
    ) -> None:
        try:
            answer = await session.request("mining.submit", params)
            reason = reject_reason(answer)
        except NoAnswer as exc:
            reason = exc.reason  # a pool that takes shares and never answers: a reject
        except SessionEnded as exc:
            self._ledger.stale_share(f"unanswered ({exc.reason})")
            return
        if reason is None:
            self._consecutive_rejects = 0
            self._ledger.accept(
                difficulty, tag.nbits, tag.block_reward_sats, self._wall_clock(), found_difficulty
            )
        elif STALE_REJECT.search(reason):
            self._ledger.stale_share(reason)
        else:
            self._ledger.reject(reason)
            log.warning("%s rejected a share: %s", session.pool.url, reason)
            if session is self._active:
                self._consecutive_rejects += 1
                if self._consecutive_rejects >= self._max_rejects:
                    session.end(
                        SessionEnded(f"{self._consecutive_rejects} shares rejected in a row")
                    )


def _checked_pools(pools: Sequence[PoolConfig]) -> list[PoolConfig]:
    checked = list(pools)
    if not checked:
        raise ValueError("at least one pool is needed")
    for pool in checked:
        if not isinstance(pool, PoolConfig):
            raise TypeError(f"pools must be PoolConfig, got {type(pool).__name__}")
    return checked


async def _first_of(*events: asyncio.Event) -> None:
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, return_when="FIRST_COMPLETED")
    finally:
        for waiter in waiters:
            waiter.cancel()
