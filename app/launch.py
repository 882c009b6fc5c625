"""Command line of `python -m app`, and where to find the broker (no Kivy here).

Where the app connects, first match wins: `--broker HOST:PORT`; `--credentials FILE`
(what `make app` passes: the virtual heater's `state/sim/broker-credentials.json`,
written by `make run`; a clear error if it is missing or nothing answers there); that
same file if it exists and its broker answers; otherwise the broker saved in the app's
settings (the Setup screen), which is how the app starts on a phone.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import socket
from dataclasses import dataclass

from app.model.settings import SettingsError, parse_broker_address

SCREENS = ("thermostat", "stats", "earnings", "schedule", "alerts", "settings")
VIRTUAL_HEATER_CREDENTIALS = pathlib.Path("state/sim/broker-credentials.json")
NOT_RUNNING = (
    "The virtual heater is not running: start it with `make run` in another terminal "
    "(it writes {path}), or point the app at a broker with --broker HOST:PORT."
)


class LaunchError(Exception):
    """A reason the app cannot start, worded for the person who typed the command."""


@dataclass(frozen=True)
class BrokerTarget:
    host: str
    port: int
    username: str
    password: str


@dataclass(frozen=True)
class LaunchOptions:
    broker: BrokerTarget | None  # None: the broker saved in the app's settings
    screenshot: pathlib.Path | None
    screen: str
    wait_s: float
    timeout_s: float
    data_dir: pathlib.Path | None
    prefix: str | None
    # Browse the LAN for heaters (mDNS). Off for --screenshot and --no-discovery, so a
    # scripted run never multicasts on the machine's interfaces.
    discovery: bool = False


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m app", description="Hearth thermostat app")
    p.add_argument("--broker", metavar="HOST:PORT", help="MQTT broker (default: virtual heater)")
    p.add_argument("--user", default="", help="broker user name")
    p.add_argument("--password", default="", help="broker password")
    p.add_argument(
        "--credentials",
        type=pathlib.Path,
        help="a broker-credentials.json to connect with (make app: the virtual heater's)",
    )
    p.add_argument("--prefix", help="topic prefix (default: hearth, or the saved setting)")
    p.add_argument(
        "--screenshot",
        type=pathlib.Path,
        metavar="FILE.png",
        help="render one screen with live data to FILE.png and exit",
    )
    p.add_argument("--screen", choices=SCREENS, default="thermostat")
    p.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="S",
        help="with --screenshot: collect S seconds of live data first",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=20.0,
        metavar="S",
        help="with --screenshot: give up if no heater reports within S seconds",
    )
    p.add_argument("--data-dir", type=pathlib.Path, help="where the app keeps its settings")
    p.add_argument(
        "--no-discovery", action="store_true", help="do not look for heaters on the LAN (mDNS)"
    )
    return p


def read_credentials(path: pathlib.Path) -> BrokerTarget:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise LaunchError(NOT_RUNNING.format(path=path)) from None
    except (OSError, ValueError) as error:
        raise LaunchError(f"{path}: not readable broker credentials ({error})") from None
    if not isinstance(data, dict):
        raise LaunchError(f"{path}: not a JSON object")
    host, port = data.get("host"), data.get("port")
    username, password = data.get("username", ""), data.get("password", "")
    if not isinstance(host, str) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise LaunchError(f'{path}: needs "host" (text) and "port" (1–65535)')
    if not isinstance(username, str) or not isinstance(password, str):
        raise LaunchError(f'{path}: "username" and "password" must be text')
    # The embedded broker binds every interface; the app on the same machine uses loopback.
    host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    if not reachable(host, port):
        raise LaunchError(NOT_RUNNING.format(path=path) + f" (nothing answers on {host}:{port})")
    return BrokerTarget(host, port, username, password)


def reachable(host: str, port: int, timeout_s: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def parse(argv: list[str]) -> LaunchOptions:
    args = parser().parse_args(argv)
    if args.broker:
        try:
            host, port = parse_broker_address(args.broker)
        except SettingsError as error:
            raise LaunchError(str(error)) from None
        broker: BrokerTarget | None = BrokerTarget(host, port, args.user, args.password)
    elif args.credentials is not None:
        broker = read_credentials(args.credentials)
    else:
        try:
            broker = read_credentials(VIRTUAL_HEATER_CREDENTIALS)
        except LaunchError:
            broker = None
    if args.screenshot is not None and args.screenshot.suffix.lower() != ".png":
        raise LaunchError(f"--screenshot {args.screenshot}: the file name must end in .png")
    if args.screenshot is not None and broker is None:
        raise LaunchError("--screenshot needs a broker: --broker HOST:PORT or --credentials FILE")
    return LaunchOptions(
        broker=broker,
        screenshot=args.screenshot,
        screen=args.screen,
        wait_s=max(0.0, args.wait),
        timeout_s=max(1.0, args.timeout),
        data_dir=args.data_dir,
        prefix=args.prefix,
        discovery=args.screenshot is None and not args.no_discovery,
    )
