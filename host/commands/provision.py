"""`hearth provision`: write the owner's settings into the heater over USB.

The device validates everything before saving and never echoes a secret back. Secrets
given as `-` are asked for at the terminal instead of landing in the shell history.
"""

from __future__ import annotations

import argparse
import getpass

from firmware.update.protocol import Kind
from host.flash.link import FlashError, UpdateLink, find_port, open_port

# flag → device setting; secrets are marked so `-` prompts for them.
SETTINGS = (
    ("--device-name", "device_name", False),
    ("--wifi-ssid", "wifi_ssid", False),
    ("--wifi-password", "wifi_password", True),
    ("--pool-url", "pool_url", False),
    ("--pool-user", "pool_user", False),
    ("--pool-password", "pool_password", True),
    ("--mqtt-host", "mqtt_host", False),
    ("--mqtt-port", "mqtt_port", False),
    ("--mqtt-user", "mqtt_user", False),
    ("--mqtt-password", "mqtt_password", True),
    ("--api-token", "api_token", True),
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("provision", help="write owner settings into the heater")
    parser.add_argument(
        "--port", help="the heater's serial port (default: the only USB serial port present)"
    )
    for flag, key, secret in SETTINGS:
        kind = int if key == "mqtt_port" else str
        hint = " ('-' to type it hidden)" if secret else ""
        parser.add_argument(flag, dest=key, type=kind, help=f"{key}{hint}")
    parser.set_defaults(func=run)


def collect(args: argparse.Namespace) -> dict[str, object]:
    settings: dict[str, object] = {}
    for _flag, key, secret in SETTINGS:
        value = getattr(args, key)
        if value is None:
            continue
        if secret and value == "-":
            value = getpass.getpass(f"{key}: ")
        settings[key] = value
    return settings


def run(args: argparse.Namespace) -> int:
    settings = collect(args)
    if not settings:
        print("hearth provision: nothing to write; give at least one setting (see --help)")
        return 2
    try:
        port = open_port(find_port(args.port))
        try:
            answer = UpdateLink(port).request(Kind.PROVISION, {"settings": settings})
        finally:
            port.close()
    except FlashError as exc:
        print(f"hearth provision: refused: {exc}" if exc.code else f"hearth provision: {exc}")
        print("Nothing was changed on the heater.")
        return 1
    except OSError as exc:  # serial.SerialException included: the port went away
        print(f"hearth provision: lost the connection to the heater: {exc}")
        return 1
    saved = answer.get("settings")
    print("saved on the heater:")
    if isinstance(saved, dict):
        for key in sorted(saved):
            print(f"  {key} = {saved[key]}")
    return 0
