"""`hearth monitor`: watch every heater on a broker from a terminal (docs/monitor.md)."""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path
from typing import TextIO

from host.monitor.broker import (
    VIRTUAL_HEATER_CREDENTIALS,
    BrokerChoiceError,
    choose_broker,
)
from host.monitor.fleet import Fleet
from host.monitor.subscriber import FleetSubscriber, MonitorConnectError
from host.monitor.table import render

# Retained messages arrive right after the subscription; this is time enough for them.
COLLECT_S = 1.0
REFRESH_S = 1.0
CLEAR_SCREEN = "\x1b[H\x1b[2J"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("monitor", help="live view of every heater on a broker")
    parser.add_argument(
        "--broker", help="HOST:PORT (default: the virtual heater's broker, state/sim/)"
    )
    parser.add_argument("--user", help="broker user name")
    parser.add_argument("--password", help="broker password")
    parser.add_argument("--prefix", default="hearth", help="topic prefix (default hearth)")
    parser.add_argument(
        "--once", action="store_true", help="print one snapshot after ~1 s and exit"
    )
    parser.add_argument(
        "--credentials", type=Path, default=VIRTUAL_HEATER_CREDENTIALS, help=argparse.SUPPRESS
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out = sys.stdout
    try:
        target = choose_broker(args.broker, args.user, args.password, args.credentials)
    except BrokerChoiceError as exc:
        print(f"hearth monitor: {exc}", file=out)
        return 1
    prefix = args.prefix.strip("/")
    if not prefix or any(wildcard in prefix for wildcard in "+#"):
        print(f"hearth monitor: --prefix {args.prefix!r} must be a topic prefix, no + or #")
        return 1
    subscriber = FleetSubscriber(target, Fleet(prefix=prefix))
    try:
        subscriber.start()
    except MonitorConnectError as exc:
        print(f"hearth monitor: {exc}", file=out)
        return 1
    try:
        if args.once:
            time.sleep(COLLECT_S)
            _print(out, render(subscriber.snapshot(), time.monotonic(), width=_width()))
        else:
            _live(out, subscriber, f"{target.host}:{target.port}", args.prefix)
    except KeyboardInterrupt:
        pass
    finally:
        subscriber.stop()
    return 0


def _live(out: TextIO, subscriber: FleetSubscriber, address: str, prefix: str) -> None:
    while True:
        link = "connected" if subscriber.connected_now else "reconnecting..."
        header = f"hearth monitor - {address} ({link}) - {prefix}/+  - Ctrl-C to quit"
        lines = [header, "", *render(subscriber.snapshot(), time.monotonic(), width=_width())]
        out.write(CLEAR_SCREEN)
        _print(out, lines)
        time.sleep(REFRESH_S)


def _print(out: TextIO, lines: list[str]) -> None:
    out.write("\n".join(lines) + "\n")
    out.flush()


def _width() -> int:
    return shutil.get_terminal_size((200, 24)).columns
