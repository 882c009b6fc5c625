"""`CpuBackend`: the heater's CPU fallback miner, a `HashBackend` over the C scan.

Worker threads take nonce ranges from a `WorkSource` and scan them with the C core,
which releases the GIL, so the threads hash on separate cores. Batches are sized to
about BATCH_SECONDS of hashing: long enough that the ~1 µs call cost vanishes, short
enough that a new job is picked up within that time. Every candidate is re-hashed
before it is reported, and handed to the nonce handler on the event loop thread.

The threads hash only while the last `apply` asked for it: until the first `apply`,
and at IDLE (`active_chips` 0, `duty` 0), they finish the batch in hand (at most
BATCH_SECONDS) and wait. `apply` returns at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
import time

from firmware.cpuminer.rate_meter import RateMeter
from firmware.cpuminer.work_source import Batch, WorkSource
from firmware.hashing import impl as default_impl
from firmware.hashing import scan, sha256d
from firmware.work import (
    BackendStats,
    FoundNonce,
    Job,
    NonceHandler,
    OperatingPoint,
    difficulty_from_hash,
    hash_value,
)

BATCH_SECONDS = 0.05
MIN_BATCH = 1 << 12
MAX_BATCH = 1 << 26
FIRST_BATCH = 1 << 16
# Idle workers look again this often even without a notification.
IDLE_POLL_S = 0.5
IDLE_POINT = OperatingPoint(0.0, 0, 0, duty=0.0)


def pause_after(busy_s: float, duty: float) -> float:
    """Rest after `busy_s` of hashing so that hashing takes `duty` of the time."""
    if duty >= 1.0:
        return 0.0
    return busy_s * (1.0 - duty) / duty


def _join_all(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.join()


class CpuBackend:
    """Mines on the CPU with `threads` worker threads (default: one per CPU)."""

    def __init__(self, threads: int | None = None, *, impl: str | None = None) -> None:
        count = threads if threads is not None else (os.cpu_count() or 1)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError(f"threads must be a positive int, got {threads!r}")
        self._threads = count
        self._impl = impl or default_impl()
        sha256d(b"", impl=self._impl)  # refuse a path this CPU cannot run, now
        self._source = WorkSource()
        self._meter = RateMeter(time.monotonic)
        self._changed = threading.Condition()
        self._stopping = False
        self._paused = True  # idle until the first apply
        self._target: OperatingPoint | None = None
        self._parked = 0  # workers waiting while paused
        self._parks = 0  # times a worker found the backend paused and waited
        self._duty = 1.0
        self._settings_epoch = 0
        self._workers: list[threading.Thread] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handler: NonceHandler | None = None
        self._stats_lock = threading.Lock()
        self._hashes = 0
        self._busy_s = 0.0
        self._nonces = 0
        self._hw_errors = 0
        self._thread_rate = 0.0  # nonces/s of one thread while hashing (smoothed)

    @property
    def name(self) -> str:
        return "cpu"

    @property
    def hashes_done(self) -> int:
        """Nonces hashed since start (every one, not only those reported)."""
        with self._stats_lock:
            return self._hashes

    @property
    def busy_s(self) -> float:
        """Seconds spent inside the scan since start, summed over the threads: over a
        window, Δbusy_s / Δwall / threads is the duty really kept, whatever the load."""
        with self._stats_lock:
            return self._busy_s

    def set_nonce_handler(self, handler: NonceHandler) -> None:
        self._handler = handler

    async def start(self) -> None:
        if self._workers:
            raise RuntimeError("CpuBackend already started")
        self._loop = asyncio.get_running_loop()
        self._stopping = False
        self._workers = [
            threading.Thread(target=self._work, name=f"hearth-cpu-{i}", daemon=True)
            for i in range(self._threads)
        ]
        for worker in self._workers:
            worker.start()

    async def stop(self) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        workers, self._workers = self._workers, []
        await asyncio.to_thread(_join_all, workers)

    async def submit_job(self, job: Job) -> None:
        self._source.set_job(job)
        with self._changed:
            self._changed.notify_all()

    @property
    def hashing_threads(self) -> int:
        """Worker threads not parked by an idle point (running ones may be between
        batches)."""
        with self._changed:
            return len(self._workers) - self._parked

    async def apply(self, point: OperatingPoint) -> None:
        with self._changed:
            self._target = point
            self._paused = point.active_chips == 0 or point.frequency_mhz == 0 or point.duty == 0
            self._duty = point.duty
            self._settings_epoch += 1
            self._changed.notify_all()

    def stats(self) -> BackendStats:
        with self._changed:
            paused, duty, target = self._paused, self._duty, self._target
        with self._stats_lock:
            nonces, hw_errors, thread_rate = self._nonces, self._hw_errors, self._thread_rate
        state = "paused" if paused else self._source.describe()
        if not paused and duty < 1.0:
            state += f", duty {duty:.0%}"
        expected = 0.0 if paused else thread_rate * self._threads * duty
        issuing = not paused and self._source.has_work()
        # A CPU is where it is asked to be at once; an idle one hashes nothing.
        point = target if target is not None and not paused else IDLE_POINT
        return BackendStats(
            kind="cpu",
            hashrate_ghs=self._meter.rate() / 1e9,
            expected_hashrate_ghs=expected / 1e9,
            nonces=nonces,
            hw_errors=hw_errors,
            duplicates=0,
            bad_frames=0,
            detail=f"cpu: {self._threads} threads, {self._impl}; {state}",
            point=point,
            target=target,
            issuing_work=issuing,
        )

    # --- worker threads ---------------------------------------------------------------

    def _work(self) -> None:
        batch_size = FIRST_BATCH
        while True:
            with self._changed:
                if self._stopping:
                    return
                if self._paused:
                    self._parked += 1
                    self._parks += 1
                    self._changed.wait(IDLE_POLL_S)
                    self._parked -= 1
                    continue
                duty, epoch = self._duty, self._settings_epoch
            batch = self._source.take(batch_size)
            if batch is None:
                with self._changed:
                    if not self._stopping:
                        self._changed.wait(IDLE_POLL_S)
                continue
            began = time.monotonic()
            nonces = scan(batch.header76, batch.start, batch.count, batch.target, impl=self._impl)
            busy = time.monotonic() - began
            self._account(batch.count, busy)
            for nonce in nonces:
                self._verify_and_report(batch, nonce)
            if busy > 0:
                rate = batch.count / busy
                batch_size = max(MIN_BATCH, min(MAX_BATCH, int(rate * BATCH_SECONDS)))
            self._rest(pause_after(busy, duty), epoch)

    def _account(self, hashes: int, busy_s: float) -> None:
        self._meter.add(hashes)
        with self._stats_lock:
            self._hashes += hashes
            self._busy_s += busy_s
            if busy_s > 0:
                rate = hashes / busy_s
                self._thread_rate = (
                    rate if self._thread_rate == 0 else (0.8 * self._thread_rate + 0.2 * rate)
                )

    def _rest(self, seconds: float, epoch: int) -> None:
        """Sleep for the duty cycle; a new operating point or stop() ends it early."""
        if seconds <= 0:
            return
        deadline = time.monotonic() + seconds
        with self._changed:
            while not self._stopping and self._settings_epoch == epoch:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._changed.wait(left)

    def _verify_and_report(self, batch: Batch, nonce: int) -> None:
        # hashlib (OpenSSL) shares no code with the C core, so a scan bug shows as hw_errors.
        header = batch.header76 + nonce.to_bytes(4, "little")
        digest = hashlib.sha256(hashlib.sha256(header).digest()).digest()
        if hash_value(digest) > batch.target:
            with self._stats_lock:
                self._hw_errors += 1
            return
        found = FoundNonce(
            job=batch.job,
            nonce=nonce,
            version=batch.version,
            difficulty=difficulty_from_hash(digest),
        )
        loop = self._loop
        if loop is None:
            return
        try:
            loop.call_soon_threadsafe(self._deliver, batch, found)
        except RuntimeError:  # the loop closed while this thread finished its batch
            return

    def _deliver(self, batch: Batch, found: FoundNonce) -> None:
        # Runs on the event loop thread, where submit_job runs too: a clean job submitted
        # after this nonce was found makes it stale, and it is dropped here.
        if not self._source.is_current(batch) or self._handler is None:
            return
        with self._stats_lock:
            self._nonces += 1
        self._handler(found)
