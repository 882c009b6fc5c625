"""Pool pipeline: a mining.notify arriving → the first ASIC job frame on the serial
port, and the daemon's CPU time per share.

Set-up, all real parts, each in its own process as on a heater: the local stratum pool
(`python -m hw.sim.pool`), the BM1370 chain simulator behind a pty (`python -m
hw.sim.chain --board bitaxe-gamma`), and the daemon side here: `PoolManager` +
`AsicBackend` on this process's event loop.

Latency: the pool sends a job every 50 ms. t0 is when the notify's bytes reach the
stratum session (`StratumSession.feed`), t1 when the ASIC driver hands the next job
frame (55 AA 21 ..) to pyserial. The baseline is the driver's own cost of encoding and
writing one job frame (`ChainDriver.send_job`), timed in the same run; and the
client's own CPU per notify (a real 12-branch notify fed to a session, no I/O).

CPU per share: CPU time of the daemon's threads (the event loop, precisely, and the
UART reader, at clock-tick resolution) over a window mining for a pool at difficulty
2**-16 with jobs every 30 s (every chip nonce is then a share), divided by the shares
accepted: all the daemon does per share (UART frame, CPU re-hash, share check, submit,
answer) plus its fixed polling. For comparison the same window's CPU with a pool at a
difficulty no share reaches (the chips still return nonces, the driver still checks
them, none is a share).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from firmware.asic import AsicBackend
from firmware.board import load_board
from firmware.pool import PoolConfig, PoolManager
from firmware.pool.messages import Subscription
from firmware.pool.session import StratumSession
from hw.sim.pool import SLUSH_790246

SHARE_BITS = 16
NOTIFIES = 300
NOTIFY_INTERVAL_S = 0.05
WINDOW_S = 5.0
JOB_FRAME_PREFIX = b"\x55\xaa\x21"
CLOCK_TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")
NOTIFY_LINE = (
    json.dumps(
        {
            "id": None,
            "method": "mining.notify",
            "params": [
                "1",
                SLUSH_790246.prevhash,
                SLUSH_790246.coinb1,
                SLUSH_790246.coinb2,
                list(SLUSH_790246.merkle_branches),
                f"{SLUSH_790246.version:08x}",
                f"{SLUSH_790246.nbits:08x}",
                f"{SLUSH_790246.ntime:08x}",
                True,
            ],
        }
    ).encode()
    + b"\n"
)


@contextlib.contextmanager
def simulator_process(*args: str) -> Iterator[str]:
    """Run `python -m <args>`; yields the last word of its first output line."""
    proc = subprocess.Popen(
        [sys.executable, "-m", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().split()[-1]
    finally:
        proc.terminate()
        proc.wait(10)


def pool_process(
    difficulty: float, job_interval_s: float
) -> contextlib.AbstractContextManager[str]:
    return simulator_process(
        "hw.sim.pool",
        "--port",
        "0",
        "--difficulty",
        repr(difficulty),
        "--job-interval",
        repr(job_interval_s),
    )


def thread_cpu_s(native_id: int) -> float:
    with open(f"/proc/self/task/{native_id}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * CLOCK_TICK_S  # utime + stime


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _short_sleep(seconds: float) -> None:
    await asyncio.sleep(min(seconds, 0.01))


async def until(condition: Callable[[], bool], timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError("benchmark set-up did not reach its state in time")
        await asyncio.sleep(0.01)


async def client_cost_per_notify_ms(line: bytes, rounds: int = 300) -> float:
    """Median CPU time of the client alone for one notify line: decode, validate,
    coinbase, merkle root, Job (the backend call is a no-op here)."""

    async def on_work(session: StratumSession, clean: bool) -> None:
        session.next_job(clean=clean)

    session = StratumSession(
        PoolConfig("stratum+tcp://127.0.0.1:1", "bench"),
        1,
        on_work,
        clock=time.monotonic,
        agent="bench",
    )
    session.subscription = Subscription(bytes(7), 8)
    costs = []
    for _ in range(rounds):
        started = time.thread_time()
        await session.feed(line)
        costs.append((time.thread_time() - started) * 1000)
    return percentile(costs, 0.5)


async def measure() -> dict[str, Any]:
    profile = load_board("bitaxe-gamma")
    stack = contextlib.ExitStack()
    port = stack.enter_context(
        simulator_process("hw.sim.chain", "--board", profile.name, "--share-bits", str(SHARE_BITS))
    )
    backend = AsicBackend(
        port,
        profile,
        ticket_difficulty=2.0**-SHARE_BITS,
        sleep=_short_sleep,
        enumerate_silence_s=0.3,
    )
    frames: list[float] = []
    arrivals: list[float] = []
    original_feed = StratumSession.feed

    async def timed_feed(self: StratumSession, data: bytes) -> None:
        if b'"mining.notify"' in data:
            arrivals.append(time.perf_counter())
        await original_feed(self, data)

    StratumSession.feed = timed_feed  # type: ignore[method-assign]
    driver = backend.driver
    try:
        fast_jobs = stack.enter_context(pool_process(2.0**-SHARE_BITS, NOTIFY_INTERVAL_S))
        steady = stack.enter_context(pool_process(2.0**-SHARE_BITS, 30.0))
        unreachable = stack.enter_context(pool_process(1e12, 30.0))
        await backend.start()
        await backend.apply(profile.default_point())  # the chain idles until asked
        assert driver.link is not None
        original_write: Callable[[bytes], None] = driver.link.write

        def timed_write(frame: bytes) -> None:
            original_write(frame)
            if frame.startswith(JOB_FRAME_PREFIX):
                frames.append(time.perf_counter())

        driver.link.write = timed_write  # type: ignore[method-assign]
        manager = PoolManager([PoolConfig(fast_jobs, "bench")], backend, job_refresh_s=3600)
        task = asyncio.create_task(manager.run())
        await until(lambda: len(arrivals) > 5)
        arrivals.clear()
        frames.clear()
        await until(lambda: len(arrivals) >= NOTIFIES, timeout_s=NOTIFIES * NOTIFY_INTERVAL_S * 4)
        latencies = []
        for arrived in arrivals[:NOTIFIES]:
            after = [t for t in frames if t >= arrived]
            if after:
                latencies.append((after[0] - arrived) * 1000)

        job = backend._job
        assert job is not None
        direct = []
        for _ in range(NOTIFIES):
            started = time.perf_counter()
            driver.send_job(job)
            direct.append((time.perf_counter() - started) * 1000)

        uart_ids = [t.native_id for t in threading.enumerate() if t.name.startswith("uart:")]

        def daemon_cpu() -> float:
            uart = sum(thread_cpu_s(i) for i in uart_ids if i is not None)
            return time.thread_time() + uart

        client_cost = await client_cost_per_notify_ms(NOTIFY_LINE)

        async def window(url: str) -> tuple[float, int]:
            await manager.set_pools([PoolConfig(url, "bench")])
            await until(lambda: manager.status().url == url)
            await asyncio.sleep(0.5)
            cpu, accepted = daemon_cpu(), manager.status().shares_accepted
            await asyncio.sleep(WINDOW_S)
            return daemon_cpu() - cpu, manager.status().shares_accepted - accepted

        cpu_busy, shares = await window(steady)
        cpu_idle, idle_shares = await window(unreachable)
        rejected = manager.status().shares_rejected
        await manager.stop()
        await task
    finally:
        StratumSession.feed = original_feed  # type: ignore[method-assign]
        await backend.stop()
        stack.close()
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    direct_p50 = percentile(direct, 0.5)
    return {
        "bench": "bench_pool",
        "path": "notify bytes in -> PoolManager -> AsicBackend -> job frame to pty (BM1370 sim)",
        "notifies": len(latencies),
        "notify_to_job_frame_p50_ms": round(p50, 3),
        "notify_to_job_frame_p99_ms": round(p99, 3),
        "notify_to_job_frame_max_ms": round(max(latencies), 3),
        "client_cpu_per_notify_ms": round(client_cost, 3),
        "baseline_send_job_p50_ms": round(direct_p50, 3),
        "p50_vs_baseline": round(p50 / direct_p50, 1),
        "shares_in_window": shares,
        "shares_in_idle_window": idle_shares,
        "shares_rejected": rejected,
        "window_s": WINDOW_S,
        "daemon_cpu_busy_s": round(cpu_busy, 3),
        "daemon_cpu_idle_s": round(cpu_idle, 3),
        "daemon_cpu_per_share_ms": round(cpu_busy / shares * 1000, 3) if shares else None,
        "cpu_clock_tick_ms": round(CLOCK_TICK_S * 1000, 1),
    }


def main() -> int:
    figures = asyncio.run(measure())
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
