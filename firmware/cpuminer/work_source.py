"""Hands out nonce ranges of the current job to the CPU miner's worker threads.

One lock guards it; workers take a `Batch` at a time. A clean job bumps the generation,
so results of older batches still in flight are recognised and dropped. When a job's
2**32 nonces are used up, the version bits inside `job.version_mask` roll (BIP310) and
the nonces start again; with no mask, or every combination used, the source runs dry.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from firmware.work import Job, difficulty_to_target

NONCE_SPACE = 1 << 32
_WORD = 0xFFFFFFFF


def next_version_delta(delta: int, mask: int) -> int | None:
    """The next set of rolled bits after `delta`, counting through the subsets of `mask`
    in binary order (the bits outside the mask are forced to 1 so the carry skips them);
    None once every subset has been used."""
    following = ((delta | (~mask & _WORD)) + 1) & mask
    return None if following == 0 else following


@dataclass(frozen=True)
class Batch:
    job: Job
    version: int  # full version the header was built with (rolled bits included)
    header76: bytes
    start: int
    count: int
    target: int  # the job's share target
    generation: int  # bumped by every clean job


class WorkSource:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._job: Job | None = None
        self._generation = 0
        self._delta = 0
        self._header76 = b""
        self._target = 0
        self._next_nonce = 0
        self._exhausted = False

    def set_job(self, job: Job) -> None:
        """Work on `job` from the next batch on; a clean job also voids batches in flight."""
        with self._lock:
            if job.clean:
                self._generation += 1
            self._job = job
            self._delta = 0
            self._header76 = job.header76()
            self._target = difficulty_to_target(job.share_difficulty)
            self._next_nonce = 0
            self._exhausted = False

    def take(self, max_count: int) -> Batch | None:
        """The next range of at most `max_count` nonces, or None when there is no work."""
        with self._lock:
            job = self._job
            if job is None or self._exhausted:
                return None
            if self._next_nonce == NONCE_SPACE:
                delta = next_version_delta(self._delta, job.version_mask)
                if delta is None:
                    self._exhausted = True
                    return None
                self._delta = delta
                self._header76 = job.header76(job.version ^ delta)
                self._next_nonce = 0
            count = min(max_count, NONCE_SPACE - self._next_nonce)
            batch = Batch(
                job=job,
                version=job.version ^ self._delta,
                header76=self._header76,
                start=self._next_nonce,
                count=count,
                target=self._target,
                generation=self._generation,
            )
            self._next_nonce += count
            return batch

    def is_current(self, batch: Batch) -> bool:
        """False once a clean job has replaced the work `batch` came from."""
        with self._lock:
            return batch.generation == self._generation

    def has_work(self) -> bool:
        with self._lock:
            return self._job is not None and not self._exhausted

    def describe(self) -> str:
        with self._lock:
            if self._job is None:
                return "no job"
            if self._exhausted:
                return f"idle: job {self._job.job_id} exhausted"
            return f"job {self._job.job_id}"
