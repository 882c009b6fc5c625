"""How fast `scan` runs here: nonces per second over N Python threads for a set time.

What `hearth bench hash` and the benchmark report. Each thread scans consecutive ranges
of a fixed header with target 0 (as with a real share target, nearly every nonce ends
at the early top-word check), in batches of about BATCH_SECONDS; with
`from_midstate=True` through `scan_midstate` (the header's midstate and last 12 bytes, as
a BM1397 and its simulator hash) instead of the full-header `scan`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from firmware.hashing.core import NONCE_SPACE, midstate, scan, scan_midstate
from firmware.hashing.core import impl as default_impl

# The genesis block's header without its nonce: any fixed header would do.
BENCH_HEADER76 = bytes.fromhex(
    "01000000" + "00" * 32 + "3ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a"
    "29ab5f49ffff001d"
)
BATCH_SECONDS = 0.05
FIRST_BATCH = 1 << 15


@dataclass(frozen=True)
class Throughput:
    impl: str
    threads: int
    seconds: float  # wall time from the common start to the last thread's end
    nonces: int
    # CPU time the threads got, summed: on a shared machine, cores_used shows whether
    # a low rate is the code or the machine.
    cpu_seconds: float = 0.0

    @property
    def cores_used(self) -> float:
        return self.cpu_seconds / self.seconds if self.seconds > 0 else 0.0

    @property
    def mhs_per_cpu_second(self) -> float:
        """Million nonces per second of CPU time: the per-core speed, whatever share of
        the cores other processes took."""
        return self.nonces / self.cpu_seconds / 1e6 if self.cpu_seconds > 0 else 0.0

    @property
    def mhs(self) -> float:
        """Million sha256d nonces per second."""
        return self.nonces / self.seconds / 1e6 if self.seconds > 0 else 0.0


def measure_scan(
    threads: int, seconds: float, impl: str | None = None, *, from_midstate: bool = False
) -> Throughput:
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    if not seconds > 0:
        raise ValueError(f"seconds must be positive, got {seconds}")
    path = impl or default_impl()
    scan(BENCH_HEADER76, 0, 1, 0, impl=path)  # refuse an unavailable path before timing
    state, tail = midstate(BENCH_HEADER76[:64], impl=path), BENCH_HEADER76[64:]

    def scan_range(start: int, count: int) -> None:
        if from_midstate:
            scan_midstate(state, tail, start, count, 0, impl=path)
        else:
            scan(BENCH_HEADER76, start, count, 0, impl=path)

    counts = [0] * threads
    cpu_times = [0.0] * threads
    start_line = threading.Barrier(threads + 1)
    slice_size = NONCE_SPACE // threads

    def work(index: int) -> None:
        start_line.wait()
        cpu_began = time.thread_time()
        deadline = time.perf_counter() + seconds
        base = index * slice_size
        done, batch = 0, FIRST_BATCH
        while time.perf_counter() < deadline:
            if done == slice_size:  # a slice of 2**32/threads nonces is done; scan it again
                done = 0
            batch = min(batch, slice_size - done)
            began = time.perf_counter()
            scan_range(base + done, batch)
            took = time.perf_counter() - began
            done += batch
            counts[index] += batch
            if took > 0:
                batch = max(1 << 10, int(batch / took * BATCH_SECONDS))
        cpu_times[index] = time.thread_time() - cpu_began

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    start_line.wait()
    began = time.perf_counter()
    for worker in workers:
        worker.join()
    wall = time.perf_counter() - began
    return Throughput(path, threads, wall, sum(counts), sum(cpu_times))
