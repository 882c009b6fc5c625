"""`hearthd --config FILE`: the heater's daemon. Exits 2 on a bad configuration (before
anything starts), 0 after a clean SIGTERM/SIGINT shutdown, 1 if a part fails to start,
3 when a firmware on trial did not prove itself healthy (the device then reboots into the
previous firmware), 4 after `POST /api/update/reboot` (the device reboots into the firmware
just uploaded, on trial). 3 and 4 come after the same ordered stop as a SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import logging
import pathlib
import signal
import sys
from collections.abc import Sequence

from firmware.board import BoardProfileError, load_board
from firmware.config import ConfigError, load_config
from firmware.daemon.backend_choice import BackendUnavailable
from firmware.daemon.daemon import HeaterDaemon
from firmware.daemon.preflight import preflight_problems
from firmware.logs import RepeatFilter, bounded_file_handler

log = logging.getLogger("hearthd")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_TRIAL_FAILED = 3
EXIT_REBOOT = 4  # as the update agent's: the unit reboots the device


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hearthd", description=__doc__)
    parser.add_argument("--config", required=True, help="TOML file (see hearth.example.toml)")
    parser.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING"))
    parser.add_argument(
        "--log-file",
        help="log to this file, size-rotated (at most 8 MB on disk) instead of stderr",
    )
    return parser


async def serve(daemon: HeaterDaemon) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    signalled = asyncio.create_task(stop.wait())
    try:
        # A signal during start-up (a chain that does not answer the probe) stops it too.
        starting = asyncio.create_task(daemon.start())
        await asyncio.wait((starting, signalled), return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():
            starting.cancel()
            await asyncio.gather(starting, return_exceptions=True)
            log.info("signal received during start-up: shutting down")
            return EXIT_OK
        try:
            starting.result()
        except Exception:
            if not daemon.slot_start.on_trial:
                raise
            # A firmware on trial that cannot even start is not kept.
            log.exception("slot %s on trial failed to start", daemon.slot_start.slot)
            return EXIT_TRIAL_FAILED
        print(f"hearthd ready: {daemon.config.device.id}", flush=True)
        unhealthy = asyncio.create_task(daemon.trial_failed.wait())
        reboot = asyncio.create_task(daemon.reboot_requested.wait())
        await asyncio.wait((signalled, unhealthy, reboot), return_when=asyncio.FIRST_COMPLETED)
        for task in (signalled, unhealthy, reboot):
            task.cancel()
        if daemon.trial_failed.is_set():
            return EXIT_TRIAL_FAILED
        if daemon.reboot_requested.is_set():
            log.info("restart into the uploaded firmware: shutting down")
            return EXIT_REBOOT
        log.info("signal received: shutting down")
        return EXIT_OK
    finally:
        signalled.cancel()
        await daemon.stop()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, args.log_level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=[bounded_file_handler(pathlib.Path(args.log_file))] if args.log_file else None,
    )
    # A flood of the same line (junk from a pool, a scanning neighbour) is summarised.
    for handler in logging.getLogger().handlers:
        handler.addFilter(RepeatFilter())
    try:
        config = load_config(args.config)
        board = load_board(config.device.board)
    except (ConfigError, BoardProfileError) as exc:
        print(f"hearthd: configuration refused: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    problems = preflight_problems(config)
    if problems:
        print(f"hearthd: configuration refused: {'; '.join(problems)}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        return asyncio.run(serve(HeaterDaemon(config, board=board)))
    except BackendUnavailable as exc:
        print(f"hearthd: {exc}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
