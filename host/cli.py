"""`hearth`: the PC-side command line. Each subcommand lives in its own module under
host/commands/ and adds itself to the parser through `register(subparsers)`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Subcommand modules in host/commands/, in the order `hearth --help` lists them.
COMMANDS = ("bench", "keys", "image", "flash", "provision", "sim", "monitor", "doctor")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hearth",
        description="Hearth on a PC: build, sign and flash firmware, set up a heater over "
        "USB, run the virtual heater, watch heaters on a broker.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(f"host.commands.{name}").register(subparsers)
    return parser


EXIT_SETUP = 2


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = build_parser()
    except (ImportError, ValueError) as exc:
        # The hashing core, which the simulators load, is not built (`make core`) or
        # HEARTH_HASH_IMPL names a path it does not have: one line, no traceback.
        print(f"hearth: {exc}", file=sys.stderr)
        return EXIT_SETUP
    args = parser.parse_args(argv)
    try:
        result: int = args.func(args)
    except KeyboardInterrupt:
        # Ctrl-C: no traceback. A flash stopped half-way resumes with --resume; the device
        # keeps running its current firmware until a complete, verified image is in.
        print(f"\nhearth {args.command}: interrupted", file=sys.stderr)
        return 130
    return result


if __name__ == "__main__":
    sys.exit(main())
