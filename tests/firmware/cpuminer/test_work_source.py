"""WorkSource: nonce ranges, clean-job generations and BIP310 version rolling."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from firmware.cpuminer.work_source import NONCE_SPACE, WorkSource, next_version_delta
from firmware.work import Job, difficulty_to_target

HALF = NONCE_SPACE // 2


def make_job(job_id: str = "a", *, mask: int = 0, clean: bool = False) -> Job:
    return Job(
        job_id=job_id,
        version=0x20000000,
        prev_hash=bytes(range(32)),
        merkle_root=bytes(range(32, 64)),
        ntime=1_700_000_000,
        nbits=0x1703A30C,
        version_mask=mask,
        clean=clean,
        share_difficulty=4.0,
    )


def test_no_job_no_work() -> None:
    source = WorkSource()
    assert source.take(100) is None
    assert source.describe() == "no job"


def test_ranges_are_contiguous_and_carry_the_job() -> None:
    source = WorkSource()
    job = make_job()
    source.set_job(job)
    first, second = source.take(1000), source.take(500)
    assert first is not None and second is not None
    assert (first.start, first.count, second.start, second.count) == (0, 1000, 1000, 500)
    assert first.header76 == job.header76()
    assert first.target == difficulty_to_target(4.0)
    assert first.version == job.version


def test_exhausted_without_mask_goes_idle() -> None:
    source = WorkSource()
    source.set_job(make_job("x"))
    assert source.take(HALF) is not None
    last = source.take(NONCE_SPACE)
    assert last is not None and last.start + last.count == NONCE_SPACE
    assert source.take(1) is None
    assert source.describe() == "idle: job x exhausted"


def test_exhausted_with_mask_rolls_every_version_once() -> None:
    mask = 0x00006000  # two bits: four versions in all
    source = WorkSource()
    job = make_job(mask=mask)
    source.set_job(job)
    versions = []
    while (batch := source.take(NONCE_SPACE)) is not None:
        assert (batch.start, batch.count) == (0, NONCE_SPACE)
        assert batch.header76 == job.header76(batch.version)
        versions.append(batch.version)
    assert sorted(v ^ job.version for v in versions) == [0, 0x2000, 0x4000, 0x6000]


def test_clean_job_voids_batches_in_flight_and_plain_one_does_not() -> None:
    source = WorkSource()
    source.set_job(make_job("a"))
    old = source.take(10)
    assert old is not None
    source.set_job(make_job("b"))
    assert source.is_current(old)
    newer = source.take(10)
    assert newer is not None and newer.job.job_id == "b" and newer.start == 0
    source.set_job(make_job("c", clean=True))
    assert not source.is_current(old) and not source.is_current(newer)


@given(mask=st.integers(0, 0xFFFFFFFF).filter(lambda m: bin(m).count("1") <= 8))
def test_version_deltas_enumerate_the_mask_subsets(mask: int) -> None:
    seen = [0]
    while (delta := next_version_delta(seen[-1], mask)) is not None:
        seen.append(delta)
    assert len(seen) == len(set(seen)) == 2 ** bin(mask).count("1")
    assert all(delta & ~mask == 0 for delta in seen)
