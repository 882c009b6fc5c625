"""`hearth doctor`: check a controller wired to a hashboard, in plain words: the config
and board file, USB-serial adapters (VID:PID), each I2C part the board file names (does
it answer at its address, is its ID right), the GPIO lines, and the hashboard UART (does
a chain answer, how many chips). Run it with hearthd stopped: it opens the same port,
bus and lines. Exit 0 when nothing is wrong, 1 when something is."""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import Any

from host.doctor.checkup import load, run_checks
from host.doctor.finding import PROBLEM, render

DEFAULT_CONFIG = "/etc/hearth/hearth.toml"


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "doctor",
        help="check the hashboard's UART, I2C parts and GPIO lines on this controller",
        description=__doc__,
    )
    parser.add_argument(
        "--config", default=DEFAULT_CONFIG, help=f"hearthd's config (default {DEFAULT_CONFIG})"
    )
    parser.add_argument("--asic-port", dest="asic_port", help="probe this UART instead")
    parser.add_argument(
        "--power-up",
        action="store_true",
        help="switch the hashboard on for the UART probe (core voltage at the board's "
        "default, reset released), and off again after",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    findings, config, board = load(args.config)
    if config is not None and board is not None:
        if args.asic_port:
            config = replace(config, asic=replace(config.asic, port=args.asic_port))
        findings += run_checks(config, board, power_up=args.power_up)
    print(render(findings))
    return 1 if any(f.verdict == PROBLEM for f in findings) else 0
