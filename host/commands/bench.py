"""`hearth bench hash`: how fast this machine scans nonces with the C SHA-256d core.

`--json` prints one JSON object, at least {"mhs", "threads", "impl"} (docs/cli.md).
"""

from __future__ import annotations

import argparse
import json
import math

# The core's code paths by name (firmware/hashing/core.py). Listed here, not asked of the
# core, so that `hearth --help` and every other command work before `make core` and with a
# bad HEARTH_HASH_IMPL; the bench itself says which paths this CPU has.
IMPL_NAMES = ("shani", "avx2", "portable")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text}")
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("bench", help="benchmarks of this machine")
    actions = parser.add_subparsers(dest="bench_command", required=True)
    hashing = actions.add_parser("hash", help="sha256d nonce-scan rate of the CPU core")
    hashing.add_argument("--threads", type=positive_int, default=1, help="scanning threads (1)")
    hashing.add_argument(
        "--seconds", type=positive_float, default=3.0, help="how long to run, in seconds (3)"
    )
    hashing.add_argument(
        "--impl", choices=IMPL_NAMES, help="force a code path (default: the fastest)"
    )
    hashing.add_argument("--json", action="store_true", help="print one JSON object")
    hashing.set_defaults(func=run_hash)


def run_hash(args: argparse.Namespace) -> int:
    try:
        from firmware.hashing import available_impls
        from firmware.hashing.throughput import measure_scan

        paths = available_impls()
        if args.impl is not None and args.impl not in paths:
            print(f"hearth bench: this CPU has no {args.impl} path (it has {', '.join(paths)})")
            return 1
        result = measure_scan(args.threads, args.seconds, args.impl)
    except (ImportError, ValueError) as exc:  # core not built; a bad HEARTH_HASH_IMPL
        print(f"hearth bench: {exc}")
        return 1
    if args.json:
        print(
            json.dumps(
                {
                    "mhs": round(result.mhs, 3),
                    "threads": result.threads,
                    "impl": result.impl,
                    "seconds": round(result.seconds, 3),
                    "nonces": result.nonces,
                    "cores_used": round(result.cores_used, 2),
                }
            )
        )
    else:
        print(
            f"sha256d scan: {result.mhs:.2f} MH/s on {result.threads} thread(s), "
            f"{result.impl} path ({result.nonces:,} nonces in {result.seconds:.2f} s)"
        )
    return 0
