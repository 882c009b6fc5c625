"""Benchmark: the ASIC driver's receive path under a hearth-400 nonce stream at 100×.

A hearth-400 (24× BM1370 at 525 MHz, 25.7 TH/s) at the chips' ticket difficulty of
256 sends 25.7e12 / (256 × 2^32) ≈ 23.4 nonces a second. This feeds a recorded stream of
nonce responses 100× faster (≈ 2340/s) into a pty in 10 ms batches, alongside the
counter-poll answers of 24 chips, and measures the CPU the driver spends: the serial
reader thread, the frame parser, job-id decoding, duplicate suppression, the SHA-256d
re-hash of every nonce and the FoundNonce hand-off on the event loop. The writer
thread's own CPU time is subtracted.

The recorded nonces are real (found by scanning), at a low difficulty so they can be
made quickly; the driver's cost per nonce does not depend on the difficulty, only on
the rate, which is the real one × 100. Baseline: one bare `sha256d` call in the same
process.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
import tty

from firmware.asic import AsicBackend
from firmware.board import load_board
from firmware.hashing import scan, sha256d
from firmware.work import DIFF1_TARGET, FoundNonce, Job
from hw.sim.chain.wire import nonce_response, register_response

SPEEDUP = 100
TICKET_DIFFICULTY = 256
SECONDS = 3.0
BATCH_S = 0.01
RECORD_TARGET = (1 << 248) - 1  # 1 nonce in 256: quick to record


def record_stream(job: Job, job_id: int, count: int) -> list[bytes]:
    """`count` nonce responses for `job`, as 24 BM1370s at addresses 0, 10, .. would send."""
    target = RECORD_TARGET
    nonces = scan(job.header76(), 0, count * 400, target)[:count]
    frames = []
    for n in nonces:
        raw = n.to_bytes(4, "little")
        frames.append(nonce_response(raw, 0, ((job_id << 1) & 0xF0) | (raw[3] & 0x0F), 0))
    return frames


def main() -> None:
    profile = load_board("hearth-400")
    rate_1x = (
        profile.hashrate_ghs(profile.default_frequency_mhz) * 1e9 / (TICKET_DIFFICULTY * 2**32)
    )
    rate = rate_1x * SPEEDUP
    total = int(rate * SECONDS)
    job = Job(
        "bench",
        0x20000000,
        os.urandom(32),
        os.urandom(32),
        0x64658BD8,
        0x1705DD01,
        share_difficulty=DIFF1_TARGET / RECORD_TARGET,  # every nonce goes to the handler
    )

    # baseline: a bare sha256d in this process
    header = job.header80(0)
    started = time.process_time()
    for _ in range(20000):
        sha256d(header)
    sha_us = (time.process_time() - started) / 20000 * 1e6

    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    port = os.ttyname(slave)
    found: list[FoundNonce] = []
    hw_errors = [0]

    async def run() -> tuple[float, float, float, int]:
        backend = AsicBackend(port, profile, ticket_difficulty=DIFF1_TARGET / RECORD_TARGET)
        driver = backend.driver
        backend.set_nonce_handler(found.append)
        await driver.open()
        driver.address_interval = 10
        driver.chips = []
        job_id = driver.send_job(job)
        os.read(master, 4096)  # the job frame the driver sent
        stream = record_stream(job, job_id, total)
        polls = [
            register_response(i, 10 * c, reg, True)
            for c in range(24)
            for i, reg in enumerate((0x8C, 0x88, 0x89, 0x8A, 0x8B, 0x4C))
        ]
        writer_cpu = [0.0]

        def writer() -> None:
            t0 = time.thread_time()
            per_batch = max(1, int(rate * BATCH_S))
            next_at = time.monotonic()
            sent_polls = time.monotonic()
            for i in range(0, len(stream), per_batch):
                os.write(master, b"".join(stream[i : i + per_batch]))
                if time.monotonic() - sent_polls >= 1.0:
                    os.write(master, b"".join(polls))
                    sent_polls = time.monotonic()
                next_at += BATCH_S
                time.sleep(max(0.0, next_at - time.monotonic()))
            writer_cpu[0] = time.thread_time() - t0

        wall0, cpu0 = time.monotonic(), time.process_time()
        thread = threading.Thread(target=writer)
        thread.start()
        while thread.is_alive() or driver.nonces + driver.duplicates + driver.hw_errors < len(
            stream
        ):
            await asyncio.sleep(0.02)
            if time.monotonic() - wall0 > SECONDS * 4:
                break
        thread.join()
        cpu = time.process_time() - cpu0 - writer_cpu[0]
        wall = time.monotonic() - wall0
        hw_errors[0] = driver.hw_errors
        driver.close()
        return cpu, wall, writer_cpu[0], len(stream)

    cpu, wall, _writer_cpu, sent = asyncio.run(run())
    os.close(master)
    os.close(slave)
    per_nonce_us = cpu / max(1, len(found)) * 1e6
    core_pct_100x = cpu / wall * 100
    print(
        json.dumps(
            {
                "bench": "bench_asic_driver",
                "board": profile.name,
                "nonces_per_s_1x": round(rate_1x, 2),
                "nonces_per_s_fed": round(rate, 1),
                "nonces_sent": sent,
                "nonces_verified": len(found),
                "hw_errors": hw_errors[0],
                "cpu_us_per_nonce": round(per_nonce_us, 1),
                "sha256d_us_baseline": round(sha_us, 2),
                "per_nonce_vs_sha256d": round(per_nonce_us / sha_us, 1),
                "core_pct_at_100x": round(core_pct_100x, 2),
                "core_pct_at_1x": round(core_pct_100x / SPEEDUP, 4),
                "wall_s": round(wall, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
