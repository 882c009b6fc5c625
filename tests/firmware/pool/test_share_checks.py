"""What the manager checks before a nonce becomes a share: the hash against the pool's
target (re-computed, not the backend's word for it) and the rolled version bits against
the mask the pool allows now (BIP310: mining.set_version_mask applies at once)."""

from __future__ import annotations

from firmware.pool.work import sha256d
from firmware.work import FoundNonce, Job, difficulty_from_hash
from tests.firmware.pool.test_end_to_end import local_pools, mining, until


def _nonce(job: Job, version: int, *, share: bool) -> FoundNonce:
    """A nonce whose hash meets the job's share difficulty (share=True) or misses it."""
    head = job.header76(version)
    for nonce in range(1 << 22):
        difficulty = difficulty_from_hash(sha256d(head + nonce.to_bytes(4, "little")))
        if (difficulty >= job.tag.difficulty) == share:  # type: ignore[attr-defined]
            return FoundNonce(job, nonce, version, difficulty)
    raise AssertionError("no such nonce")


async def test_a_hash_that_misses_the_target_is_not_sent_whatever_the_backend_claims() -> None:
    async with local_pools(1) as (pool,), mining([pool]) as (manager, backend):
        await until(lambda: manager.status().shares_accepted >= 1)
        job = backend.jobs[-1]
        miss = _nonce(job, job.version, share=False)
        before_pool = pool.counters.rejected + pool.counters.accepted
        before = manager.below_target
        # A backend bug (wrong version, wrong nonce order...) reporting a huge difficulty.
        backend.play_nonce(FoundNonce(job, miss.nonce, job.version, difficulty=1e12))
        # Counted as below target means checked and dropped: it never goes to the pool.
        await until(lambda: manager.below_target == before + 1)
        assert pool.counters.rejected == 0
        # Only shares the backend itself found may have been sent meanwhile.
        assert pool.counters.rejected + pool.counters.accepted >= before_pool


async def test_set_version_mask_applies_at_once() -> None:
    async with local_pools(1) as (pool,), mining([pool]) as (manager, backend):
        await until(lambda: manager.status().shares_accepted >= 1)
        old_job = backend.jobs[-1]
        assert old_job.version_mask == 0x1FFFE000
        jobs_before = len(backend.jobs)
        await pool.set_version_mask(0x00006000)
        await until(lambda: manager.status().version_mask == 0x00006000)
        # The backend gets the current job again with the narrower mask, at once.
        await until(lambda: len(backend.jobs) > jobs_before)
        assert backend.jobs[-1].version_mask == 0x00006000
        assert backend.jobs[-1].tag.job_id == old_job.tag.job_id  # type: ignore[attr-defined]

        # A share the chips found with a bit the pool no longer allows is not sent...
        outside = _nonce(old_job, old_job.version ^ 0x00100000, share=True)
        backend.play_nonce(outside)
        await until(lambda: manager.outside_version_mask == 1)
        # ...and one inside the new mask is, and is accepted by the pool's check.
        accepted = pool.counters.accepted
        inside = _nonce(backend.jobs[-1], old_job.version ^ 0x00004000, share=True)
        backend.play_nonce(inside)
        await until(lambda: pool.counters.version_rolled >= 1 and pool.counters.accepted > accepted)
        assert pool.counters.rejected == 0
        assert manager.status().shares_rejected == 0
