"""CpuBackend on a real event loop, hashing real headers with the C core."""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections.abc import Callable

import pytest

from firmware.cpuminer import CpuBackend
from firmware.cpuminer.work_source import WorkSource
from firmware.work import FoundNonce, HashBackend, Job, OperatingPoint, difficulty_to_target
from tests.firmware.hashing.blocks import BLOCKS

# About one nonce in 2**14 meets this: a few hundred finds a second per thread.
LOW_DIFFICULTY = 2.0**-18
FULL = OperatingPoint(frequency_mhz=500, voltage_mv=1200, active_chips=1)


def block_job(index: int, *, clean: bool = False, difficulty: float = LOW_DIFFICULTY) -> Job:
    block = BLOCKS[index]
    return Job(
        job_id=f"block{block.height}",
        version=block.version,
        prev_hash=bytes.fromhex(block.prev_hash)[::-1],
        merkle_root=bytes.fromhex(block.merkle_root)[::-1],
        ntime=block.ntime,
        nbits=block.nbits,
        clean=clean,
        share_difficulty=difficulty,
    )


def hash_value(found: FoundNonce) -> int:
    header = found.job.header80(found.nonce, found.version)
    return int.from_bytes(hashlib.sha256(hashlib.sha256(header).digest()).digest(), "little")


async def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


async def hashes_over(backend: CpuBackend, seconds: float) -> int:
    before = backend.hashes_done
    await asyncio.sleep(seconds)
    return backend.hashes_done - before


def run(
    test: Callable[[CpuBackend, list[FoundNonce]], object],
    threads: int = 1,
    point: OperatingPoint | None = FULL,
) -> None:
    """Run an async test body against a started backend, asked for `point` (None: no
    apply at all); always stop it."""

    async def body() -> None:
        backend = CpuBackend(threads=threads)
        as_protocol: HashBackend = backend  # mypy checks CpuBackend is a HashBackend
        assert as_protocol.name == "cpu"
        found: list[FoundNonce] = []
        loop_thread = threading.get_ident()

        def handler(nonce: FoundNonce) -> None:
            assert threading.get_ident() == loop_thread  # delivered on the loop thread
            found.append(nonce)

        backend.set_nonce_handler(handler)
        await backend.start()
        if point is not None:
            await backend.apply(point)
        try:
            await test(backend, found)  # type: ignore[misc]
        finally:
            await backend.stop()

    asyncio.run(body())


def test_finds_real_verified_nonces() -> None:
    async def body(backend: CpuBackend, found: list[FoundNonce]) -> None:
        job = block_job(0)
        await backend.submit_job(job)
        await wait_until(lambda: len(found) >= 20)
        target = difficulty_to_target(LOW_DIFFICULTY)
        for nonce in found:
            assert nonce.job is job and nonce.version == job.version
            assert hash_value(nonce) <= target
            assert nonce.difficulty >= LOW_DIFFICULTY
            assert nonce.difficulty == pytest.approx((0xFFFF << 208) / hash_value(nonce))
        assert len({n.nonce for n in found}) == len(found)
        stats = backend.stats()
        assert stats.kind == "cpu" and stats.nonces >= 20 and stats.hw_errors == 0
        assert stats.hashrate_ghs > 0
        assert stats.detail.startswith("cpu: 2 threads, ")

    run(body, threads=2)


def test_clean_job_drops_older_work_at_once() -> None:
    async def body(backend: CpuBackend, found: list[FoundNonce]) -> None:
        await backend.submit_job(block_job(1))
        await wait_until(lambda: len(found) >= 5)
        await backend.submit_job(block_job(2, clean=True))
        switched_at = len(found)
        await wait_until(lambda: len(found) >= switched_at + 5)
        assert {n.job.job_id for n in found[switched_at:]} == {"block2"}

    run(body, threads=2)


def test_plain_new_job_is_picked_up() -> None:
    async def body(backend: CpuBackend, found: list[FoundNonce]) -> None:
        await backend.submit_job(block_job(1))
        await wait_until(lambda: len(found) >= 3)
        await backend.submit_job(block_job(3))
        await wait_until(lambda: any(n.job.job_id == "block125552" for n in found))

    run(body)


def test_duty_cycle_keeps_the_hashing_share_of_the_time() -> None:
    """Time inside the scan over wall time is the duty, on an idle or a loaded machine
    alike (a preempted scan takes longer, and so does the rest after it), measured from
    the end of one batch to the end of a later one, so whole batch-and-rest cycles."""

    async def busy_share(backend: CpuBackend, batches: int) -> float:
        async def next_batch() -> None:
            busy = backend.busy_s
            await wait_until(lambda: backend.busy_s != busy)

        await next_batch()
        busy, began = backend.busy_s, time.monotonic()
        for _ in range(batches):
            await next_batch()
        return (backend.busy_s - busy) / (time.monotonic() - began)

    async def body(backend: CpuBackend, found: list[FoundNonce]) -> None:
        await backend.submit_job(block_job(0, difficulty=1.0))
        full = await busy_share(backend, 10)
        await backend.apply(OperatingPoint(500, 1200, 1, duty=0.1))
        await wait_until(lambda: "duty 10%" in backend.stats().detail)
        await busy_share(backend, 1)  # the batch begun at full duty ends
        throttled = await busy_share(backend, 3)
        assert full > 0.6
        assert 0 < throttled < 0.3

    run(body)


async def stopped_hashing(backend: CpuBackend) -> int:
    """Wait until every worker is parked (none holds a batch), then until each has been
    woken by a new job and parked again; returns hashes_done, which must not move."""
    await wait_until(lambda: backend.hashing_threads == 0)
    done, parks = backend.hashes_done, backend._parks
    await backend.submit_job(block_job(1, difficulty=1.0))  # wakes every worker
    await wait_until(lambda: backend._parks >= parks + backend._threads)
    return done


@pytest.mark.parametrize(
    "point",
    [
        OperatingPoint(500, 1200, active_chips=0),
        OperatingPoint(0, 1200, active_chips=4),
        OperatingPoint(500, 1200, active_chips=1, duty=0.0),
    ],
    ids=["no-chips", "zero-frequency", "zero-duty"],
)
def test_idle_stops_every_thread_hashing_and_resumes(point: OperatingPoint) -> None:
    async def body(backend: CpuBackend, found: list[FoundNonce]) -> None:
        await backend.submit_job(block_job(0, difficulty=1.0))
        await wait_until(lambda: backend.hashes_done > 0)
        await backend.apply(point)
        done = await stopped_hashing(backend)
        assert backend.hashes_done == done  # woken with work, and still nothing hashed
        stats = backend.stats()
        assert "paused" in stats.detail and stats.expected_hashrate_ghs == 0
        assert not stats.issuing_work and stats.target == point
        assert stats.point is not None and stats.point.active_chips == 0
        await backend.apply(FULL)
        await wait_until(lambda: backend.hashes_done > done)
        assert backend.stats().issuing_work and backend.stats().point == FULL

    run(body, threads=2)


def test_nothing_hashes_before_the_first_apply() -> None:
    async def body(backend: CpuBackend, found: list[FoundNonce]) -> None:
        await backend.submit_job(block_job(0, difficulty=1.0))
        done = await stopped_hashing(backend)
        assert done == 0 and backend.hashes_done == 0
        assert backend.stats().target is None and not backend.stats().issuing_work
        await backend.apply(FULL)
        await wait_until(lambda: backend.hashes_done > 0)

    run(body, point=None)


def test_stop_joins_every_worker() -> None:
    async def body() -> None:
        backend = CpuBackend(threads=3)
        await backend.start()
        await backend.submit_job(block_job(0))
        await asyncio.sleep(0.1)
        assert sum(t.name.startswith("hearth-cpu-") for t in threading.enumerate()) == 3
        await backend.stop()
        assert not [t for t in threading.enumerate() if t.name.startswith("hearth-cpu-")]

    asyncio.run(body())


def test_idle_without_a_job() -> None:
    async def body(backend: CpuBackend, found: list[FoundNonce]) -> None:
        assert await hashes_over(backend, 0.2) == 0
        assert backend.stats().detail.endswith("no job")

    run(body)


def test_bad_thread_count_refused() -> None:
    with pytest.raises(ValueError, match="threads"):
        CpuBackend(threads=0)


def test_candidate_failing_verification_is_a_hw_error_not_a_nonce() -> None:
    # The scan never hands over a wrong nonce, so feed the verifier one directly.
    async def body(backend: CpuBackend, found: list[FoundNonce]) -> None:
        source = WorkSource()
        source.set_job(block_job(0, difficulty=1.0))
        batch = source.take(1)
        assert batch is not None
        block = BLOCKS[0]
        backend._verify_and_report(batch, block.nonce + 1)  # misses difficulty 1
        backend._verify_and_report(batch, block.nonce)  # the real one meets it
        await wait_until(lambda: len(found) == 1)
        assert found[0].nonce == block.nonce
        stats = backend.stats()
        assert (stats.hw_errors, stats.nonces) == (1, 1)

    run(body)
