"""HTTP API memory under polling: the real aiohttp server (in its own process, serving
an in-memory heater) polled the way Home Assistant and pyasic poll, RSS compared after a
warm-up and after N thousand more requests.

    .venv/bin/python -m tests.bench.bench_api      # last stdout line: one JSON object
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time

import aiohttp
import psutil

WARMUP_REQUESTS = 1000
MEASURED_REQUESTS = 8000
PATHS = ("/api/system/info", "/api/heater", "/api/system/asic", "/")
SERVER = """
import asyncio
from firmware.api import ApiServer, WriteAuth
from firmware.config import Secret
from tests.firmware.api.heater_double import HeaterDouble

async def main():
    server = ApiServer(HeaterDouble(), WriteAuth(True, Secret("t" * 20), "", Secret("")),
                       "127.0.0.1", 0)
    await server.start()
    print(server.port, flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


async def poll(port: int, count: int) -> float:
    started = time.perf_counter()
    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as client:
        for i in range(count):
            async with client.get(PATHS[i % len(PATHS)]) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"{PATHS[i % len(PATHS)]}: HTTP {response.status}")
    return time.perf_counter() - started


def main() -> None:
    server = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        process = psutil.Process(server.pid)
        rss_start = process.memory_info().rss
        asyncio.run(poll(port, WARMUP_REQUESTS))
        rss_warm = process.memory_info().rss
        cpu_before = process.cpu_times()
        elapsed = asyncio.run(poll(port, MEASURED_REQUESTS))
        cpu_after = process.cpu_times()
        rss_end = process.memory_info().rss
    finally:
        server.terminate()
        server.wait(timeout=10)
    cpu_s = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    print(
        json.dumps(
            {
                "bench": "bench_api",
                "requests": MEASURED_REQUESTS,
                "requests_per_s": round(MEASURED_REQUESTS / elapsed, 1),
                "server_cpu_ms_per_request": round(cpu_s * 1000 / MEASURED_REQUESTS, 3),
                "rss_start_mb": round(rss_start / 2**20, 2),
                "rss_after_warmup_mb": round(rss_warm / 2**20, 2),
                "rss_end_mb": round(rss_end / 2**20, 2),
                "rss_growth_kb": round((rss_end - rss_warm) / 1024, 1),
                "rss_end_over_warmup": round(rss_end / rss_warm, 4),
            }
        )
    )


if __name__ == "__main__":
    main()
