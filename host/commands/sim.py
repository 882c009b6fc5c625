"""`hearth sim`: the virtual heater (docs/cli.md): simulators on real ptys, the local
demo pool, the embedded broker, and the unchanged hearthd against them."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import signal
import sys
from typing import Any

from firmware.board import BoardProfileError
from firmware.config import ConfigError
from host.sim.options import plan
from host.sim.virtual_heater import VirtualHeater


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "sim",
        help="run the virtual heater (the real daemon against simulators)",
        description=__doc__,
    )
    parser.add_argument("--config", help="a hearth TOML file; flags override its keys")
    parser.add_argument("--board", help="board profile in hw/boards/ (device.board)")
    parser.add_argument(
        "--broker", help="'embedded' (default) or HOST:PORT of a broker (mqtt.broker)"
    )
    parser.add_argument("--mqtt-user", dest="mqtt_user", help="broker username (mqtt.username)")
    parser.add_argument(
        "--mqtt-password", dest="mqtt_password", help="broker password (mqtt.password)"
    )
    parser.add_argument(
        "--http-port", dest="http_port", type=int, help="HTTP API port, 0 = none (http.port)"
    )
    parser.add_argument(
        "--pool",
        action="append",
        help="stratum+tcp://host:port, repeatable in failover order; default: local demo pool",
    )
    parser.add_argument(
        "--asic-port", dest="asic_port", help="use this serial device, no chain simulator"
    )
    parser.add_argument("--device-id", dest="device_id", help="MQTT device id (device.id)")
    parser.add_argument("--speed", type=float, help="room model time factor (sim.speed)")
    parser.add_argument("--duration", type=float, help="stop after S wall seconds (sim.duration_s)")
    parser.add_argument(
        "--state-dir", dest="state_dir", help="state directory (default ./state/sim)"
    )
    parser.add_argument(
        "--homekit",
        action=argparse.BooleanOptionalAction,
        help="the Apple Home accessory (homekit.enabled; docs/homekit.md)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        sim_plan = plan(args)
        heater = VirtualHeater(sim_plan, interactive=sys.stdout.isatty())
    except (ConfigError, BoardProfileError) as exc:
        print(f"hearth sim: {exc}", file=sys.stderr)
        return 2
    # Run from the state directory: child processes inherit the working directory, and
    # the MicroPython supervisor (`micropython -m main`) looks in it first, where the
    # repository root's own main.py (the Android entry point) would shadow its firmware.
    heater.state_dir.mkdir(parents=True, exist_ok=True)
    previous = os.getcwd()
    os.chdir(heater.state_dir)
    try:
        return asyncio.run(_main(heater))
    finally:
        os.chdir(previous)


async def _main(heater: VirtualHeater) -> int:
    loop = asyncio.get_running_loop()
    # SIGHUP too (the terminal closed): hearthd runs in its own process group and would
    # otherwise be left running when this process dies of it.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(signum, heater.request_stop)
    try:
        summary = await heater.run()
    except RuntimeError as exc:
        print(f"hearth sim: {exc}", file=sys.stderr)
        return 1
    print("summary: " + json.dumps(dataclasses.asdict(summary), default=str), flush=True)
    return 0 if summary.hearthd_exit in (0, None) else 1
