"""`python -m hw.sim.pool --port N`: run the local demo pool until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from collections.abc import Sequence

from hw.sim.pool.server import LocalPool


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hw.sim.pool", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3333, help="0 picks a free port")
    parser.add_argument("--difficulty", type=float, default=0.001, help="share difficulty")
    parser.add_argument("--job-interval", type=float, default=30.0, help="seconds per job")
    args = parser.parse_args(argv)
    if not args.difficulty > 0 or not args.job_interval > 0:
        parser.error("--difficulty and --job-interval must be positive")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.host, args.port, args.difficulty, args.job_interval))
    return 0


async def _serve(host: str, port: int, difficulty: float, job_interval: float) -> None:
    pool = LocalPool(host, port, difficulty, job_interval_s=job_interval)
    bound = await pool.start()
    print(f"local pool listening on stratum+tcp://{host}:{bound}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await pool.stop()


if __name__ == "__main__":
    raise SystemExit(main())
