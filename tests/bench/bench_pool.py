"""Pool pipeline: notify → first ASIC job frame on the serial port, and CPU per share.

Set-up, all real parts: the local stratum pool runs on its own event loop in its own
thread (so its share checking is not charged to the daemon); the daemon side is
`PoolManager` + `AsicBackend` on the main event loop, talking over a pty to the
BM1370 chain simulator (bitaxe-gamma profile, its own thread).

Latency: the pool broadcasts a clean job; t0 is taken on the pool's thread right
before the notify is written to the socket, t1 when the ASIC driver hands the first
job frame (55 AA 21 ..) after t0 to pyserial. The baseline is the driver's own cost
of encoding and writing one job frame (`ChainDriver.send_job`), timed in the same run.

CPU per share: CPU time of the daemon's threads (the event loop and the UART reader)
over a window with shares flowing (pool and ticket difficulty 2**-16, so every chip
nonce is a share), divided by the shares accepted: everything the daemon does per
share (UART frame, CPU re-hash, share check, submit, answer), plus its fixed polling.
For comparison the same window after the pool raised its difficulty out of reach:
the chips still return nonces and the driver still verifies them, but none is a share.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from firmware.asic import AsicBackend
from firmware.board import load_board
from firmware.pool import PoolConfig, PoolManager
from hw.sim.chain import ChainSimulator
from hw.sim.pool import LocalPool

SHARE_BITS = 16
NOTIFIES = 300
NOTIFY_GAP_S = 0.02
WINDOW_S = 5.0
JOB_FRAME_PREFIX = b"\x55\xaa\x21"
CLOCK_TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")


class PoolThread:
    """The local pool on its own event loop thread."""

    def __init__(self, difficulty: float) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.pool = LocalPool(difficulty=difficulty, job_interval_s=3600)
        self.call(self.pool.start())

    def call(self, coroutine: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        return future.result(10)

    def close(self) -> None:
        self.call(self.pool.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def thread_cpu_s(native_id: int) -> float:
    with open(f"/proc/self/task/{native_id}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * CLOCK_TICK_S  # utime + stime


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _short_sleep(seconds: float) -> None:
    await asyncio.sleep(min(seconds, 0.01))


async def measure() -> dict[str, Any]:
    profile = load_board("bitaxe-gamma")
    simulator = ChainSimulator(profile, share_bits=SHARE_BITS, cpu_budget=0.1, seed=3)
    port = simulator.start()
    pool_thread = PoolThread(2.0**-SHARE_BITS)
    backend = AsicBackend(
        port, profile, ticket_difficulty=2.0**-SHARE_BITS, sleep=_short_sleep,
        enumerate_silence_s=0.3,
    )
    frames: list[float] = []
    link = backend.driver
    try:
        await backend.start()
        assert link.link is not None
        original_write: Callable[[bytes], None] = link.link.write

        def timed_write(frame: bytes) -> None:
            original_write(frame)
            if frame.startswith(JOB_FRAME_PREFIX):
                frames.append(time.perf_counter())

        link.link.write = timed_write  # type: ignore[method-assign]
        manager = PoolManager(
            [PoolConfig(pool_thread.pool.url, "bench")], backend, job_refresh_s=3600
        )
        task = asyncio.create_task(manager.run())
        while manager.status().shares_accepted < 3:
            await asyncio.sleep(0.05)

        latencies = []
        for _ in range(NOTIFIES):
            sent = len(frames)

            async def broadcast() -> float:
                started = time.perf_counter()
                await pool_thread.pool.new_job(clean=True)
                return started

            started = await asyncio.wrap_future(
                asyncio.run_coroutine_threadsafe(broadcast(), pool_thread.loop)
            )
            deadline = time.monotonic() + 2
            while len(frames) == sent and time.monotonic() < deadline:
                await asyncio.sleep(0.0005)
            after = [t for t in frames[sent:] if t >= started]
            if after:
                latencies.append((after[0] - started) * 1000)
            await asyncio.sleep(NOTIFY_GAP_S)

        job = backend._job
        assert job is not None
        direct = []
        for _ in range(NOTIFIES):
            started = time.perf_counter()
            link.send_job(job)
            direct.append((time.perf_counter() - started) * 1000)

        uart_ids = [t.native_id for t in threading.enumerate() if t.name.startswith("uart:")]

        def daemon_cpu() -> float:
            # The event loop thread precisely; the UART reader at clock-tick resolution.
            uart = sum(thread_cpu_s(i) for i in uart_ids if i is not None)
            return time.thread_time() + uart

        cpu0, accepted0 = daemon_cpu(), manager.status().shares_accepted
        await asyncio.sleep(WINDOW_S)
        cpu_busy = daemon_cpu() - cpu0
        shares = manager.status().shares_accepted - accepted0
        pool_thread.call(pool_thread.pool.set_difficulty(1e9))
        pool_thread.call(pool_thread.pool.new_job(clean=True))
        await asyncio.sleep(0.5)
        cpu1, accepted1 = daemon_cpu(), manager.status().shares_accepted
        await asyncio.sleep(WINDOW_S)
        cpu_idle = daemon_cpu() - cpu1
        idle_shares = manager.status().shares_accepted - accepted1
        rejected = manager.status().shares_rejected
        await manager.stop()
        await task
    finally:
        await backend.stop()
        simulator.stop()
        pool_thread.close()
    per_share = cpu_busy / shares if shares else float("nan")
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    direct_p50 = statistics.median(direct)
    return {
        "bench": "bench_pool",
        "path": "notify -> PoolManager -> AsicBackend -> job frame on pty (BM1370 sim)",
        "notifies": len(latencies),
        "notify_to_job_frame_p50_ms": round(p50, 3),
        "notify_to_job_frame_p99_ms": round(p99, 3),
        "notify_to_job_frame_max_ms": round(max(latencies), 3),
        "baseline_send_job_p50_ms": round(direct_p50, 3),
        "p50_vs_baseline": round(p50 / direct_p50, 1),
        "shares_in_window": shares,
        "shares_in_idle_window": idle_shares,
        "shares_rejected": rejected,
        "daemon_cpu_busy_s": round(cpu_busy, 3),
        "daemon_cpu_idle_s": round(cpu_idle, 3),
        "daemon_cpu_per_share_ms": round(per_share * 1000, 3),
        "window_s": WINDOW_S,
        "cpu_clock_tick_ms": round(CLOCK_TICK_S * 1000, 1),
    }


def main() -> int:
    figures = asyncio.run(measure())
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
