"""Load a LAN neighbour can put on the heater's faces, and what the heater holds: 1500
half-open HTTP requests and 1500 silent broker connections at once against the real
aiohttp server and the real embedded broker (one process, as in hearthd). Measured from
outside: the server's open descriptors at the peak and after the idle/CONNECT deadlines,
and a legitimate GET's latency during the flood against a baseline before it.

    .venv/bin/python -m tests.bench.bench_hostile   # last stdout line: one JSON object
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
import time

import psutil

FLOOD = 1500
SERVER = """
import asyncio, sys, tempfile
from firmware.api import ApiServer, WriteAuth
from firmware.broker import EmbeddedBroker
from firmware.config import Secret
from tests.firmware.api.heater_double import HeaterDouble

async def main():
    server = ApiServer(HeaterDouble(), WriteAuth(True, Secret("t" * 20), "", Secret("")),
                       "127.0.0.1", 0)
    await server.start()
    broker = EmbeddedBroker(sys.argv[1], host="127.0.0.1", port=0)
    info = await broker.start()
    print(server.port, info.port, flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


def get(port: int) -> float:
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /api/heater HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    if not reply.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"GET during the flood: {reply[:80]!r}")
    return time.perf_counter() - started


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def main() -> None:
    with tempfile.TemporaryDirectory() as state:
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER, state], stdout=subprocess.PIPE, text=True
        )
        try:
            assert server.stdout is not None
            http_port, mqtt_port = (int(x) for x in server.stdout.readline().split())
            process = psutil.Process(server.pid)
            fds_idle = process.num_fds()
            baseline = median([get(http_port) for _ in range(20)])
            held: list[socket.socket] = []
            for _ in range(FLOOD):
                sock = socket.create_connection(("127.0.0.1", http_port), timeout=10)
                sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                held.append(sock)
                held.append(socket.create_connection(("127.0.0.1", mqtt_port), timeout=10))
            time.sleep(1.0)  # let the server accept what it will
            fds_peak = process.num_fds()
            during = median([get(http_port) for _ in range(20)])
            deadline = time.monotonic() + 30
            while process.num_fds() > fds_idle + 10 and time.monotonic() < deadline:
                time.sleep(0.5)
            drained_s = 30 - max(0.0, deadline - time.monotonic())
            fds_after = process.num_fds()
            for sock in held:
                sock.close()
        finally:
            server.kill()
            server.wait()
    print(
        json.dumps(
            {
                "bench": "hostile",
                "half_open_http": FLOOD,
                "silent_mqtt": FLOOD,
                "server_fds_idle": fds_idle,
                "server_fds_peak": fds_peak,
                "server_fds_after_deadlines": fds_after,
                "drained_within_s": round(drained_s, 1),
                "get_ms_baseline": round(baseline * 1000, 2),
                "get_ms_during_flood": round(during * 1000, 2),
                "ratio": round(during / baseline, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
