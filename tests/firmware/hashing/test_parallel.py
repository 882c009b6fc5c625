"""scan across threads: same answers as one scan, in nonce order, GIL released."""

from __future__ import annotations

import threading
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware.hashing import scan, scan_parallel
from firmware.hashing.parallel import split_range
from tests.firmware.hashing.blocks import BLOCKS

HEADER = BLOCKS[2].header76()


@pytest.mark.parametrize("threads", [1, 2, 3, 8])
def test_parallel_equals_single_scan(impl: str, threads: int) -> None:
    target = ((1 << 256) - 1) >> 7  # about one nonce in 128 matches
    expected = scan(HEADER, 10_000, 20_000, target, impl=impl)
    assert len(expected) > 50
    assert scan_parallel(HEADER, 10_000, 20_000, target, threads, impl=impl) == expected


def test_parallel_finds_the_real_nonce() -> None:
    block = BLOCKS[3]
    found = scan_parallel(block.header76(), block.nonce - 5000, 10_001, block.network_target(), 2)
    assert found == [block.nonce]


def test_parallel_validates_like_scan() -> None:
    with pytest.raises(ValueError, match="threads"):
        scan_parallel(HEADER, 0, 10, 1, 0)
    with pytest.raises(ValueError, match="runs past"):
        scan_parallel(HEADER, (1 << 32) - 1, 2, 1, 2)
    with pytest.raises(ValueError, match="76 bytes"):
        scan_parallel(HEADER[:-1], 0, 10, 1, 2)


@given(start=st.integers(0, 1 << 32), count=st.integers(0, 10_000), parts=st.integers(1, 64))
def test_split_range_covers_in_order(start: int, count: int, parts: int) -> None:
    pieces = split_range(start, count, parts)
    assert 1 <= len(pieces) <= parts
    position = start
    for piece_start, piece_count in pieces:
        assert piece_start == position
        position += piece_count
    assert position == start + count
    sizes = [c for _, c in pieces]
    assert max(sizes) - min(sizes) <= 1


def test_scan_releases_the_gil() -> None:
    # A long portable scan runs in a thread; if it held the GIL, this thread could not
    # run a single statement until it returned, so it would always see it finished.
    finished = threading.Event()
    entered = threading.Event()

    def work() -> None:
        entered.set()
        scan(HEADER, 0, 3_000_000, 0, impl="portable")
        finished.set()

    worker = threading.Thread(target=work)
    worker.start()
    entered.wait()
    time.sleep(0.05)
    ran_during_scan = not finished.is_set()
    worker.join()
    assert ran_during_scan


def test_concurrent_scans_do_not_disturb_each_other(impl: str) -> None:
    # The CPU miner's workers and the ASIC backend's verification call the core at the
    # same time: every call must see only its own header, range and target.
    target = ((1 << 256) - 1) >> 6
    jobs = [(block.header76(), 1000 * i, 6000) for i, block in enumerate(BLOCKS)]
    expected = [scan(header, start, count, target, impl=impl) for header, start, count in jobs]
    results: list[list[list[int]]] = [[] for _ in jobs]
    start_line = threading.Barrier(len(jobs))

    def work(index: int) -> None:
        header, start, count = jobs[index]
        start_line.wait()
        for _ in range(5):
            results[index].append(scan_parallel(header, start, count, target, 2, impl=impl))

    workers = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    for index, runs in enumerate(results):
        assert runs == [expected[index]] * 5
