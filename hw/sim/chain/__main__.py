"""`python -m hw.sim.chain --board hearth-400`: print the pty path, play the chain until
Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from firmware.board import BoardProfileError, list_boards, load_board
from hw.sim.chain.simulator import ChainSimulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hw.sim.chain", description=__doc__)
    parser.add_argument("--board", default="hearth-400", help=f"one of {', '.join(list_boards())}")
    parser.add_argument("--chips", type=int, default=None, help="override the chip count")
    parser.add_argument("--share-bits", type=int, default=16, help="simulated difficulty bits")
    parser.add_argument("--cpu-budget", type=float, default=0.1, help="fraction of one core")
    args = parser.parse_args(argv)
    try:
        profile = load_board(args.board)
        sim = ChainSimulator(
            profile, chips=args.chips, share_bits=args.share_bits, cpu_budget=args.cpu_budget
        )
    except (BoardProfileError, ValueError) as exc:
        parser.error(str(exc))
    done = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: done.set())
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    port = sim.start()
    print(port, flush=True)
    print(
        f"{len(sim.chips)}x {profile.chip_model} ({profile.name}) on {port}; Ctrl-C stops",
        file=sys.stderr,
        flush=True,
    )
    try:
        while not done.wait(10.0):
            print(
                f"{sim.frequency_mhz:.1f} MHz, {sim.power_w:.1f} W, "
                f"{sim.nonces_sent} nonces, {sim.jobs_received} jobs",
                file=sys.stderr,
                flush=True,
            )
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
