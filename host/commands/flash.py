"""`hearth flash device`: send a signed image to the heater over USB (docs/update-protocol.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from host.flash.device import flash_image
from host.flash.link import FlashError, UpdateLink, find_port, open_port
from host.flash.progress import ProgressBar
from host.flash.supervisor import run_supervisor_command


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("flash", help="flash the heater or its supervisor over USB")
    targets = parser.add_subparsers(dest="flash_target", required=True)
    device = targets.add_parser("device", help="install a signed firmware image")
    device.add_argument("image", type=Path, help="signed image (hearth image sign)")
    device.add_argument(
        "--port", help="the heater's serial port (default: the only USB serial port present)"
    )
    device.add_argument("--resume", action="store_true", help="continue an interrupted upload")
    device.add_argument(
        "--no-reboot", action="store_true", help="install but do not restart into it yet"
    )
    device.set_defaults(func=run_device)
    supervisor = targets.add_parser(
        "supervisor", help="install the supervisor's MicroPython files on its board"
    )
    supervisor.add_argument("--port", required=True, help="the supervisor board's serial port")
    origin = supervisor.add_mutually_exclusive_group()
    origin.add_argument("--source", type=Path, help="folder of files (default firmware/supervisor)")
    origin.add_argument(
        "--image", type=Path, help="take the compiled files of a signed image (hearth image sign)"
    )
    supervisor.add_argument("--baud", type=int, default=115200, help="serial speed (115200)")
    supervisor.set_defaults(func=run_supervisor_command)


def run_device(args: argparse.Namespace) -> int:
    try:
        image = args.image.read_bytes()
    except OSError as exc:
        print(f"hearth flash: cannot read {args.image}: {exc.strerror or exc}")
        return 1
    bar = ProgressBar()
    try:
        port = open_port(find_port(args.port))
        try:
            result = flash_image(
                UpdateLink(port), image, resume=args.resume, reboot=not args.no_reboot, progress=bar
            )
        finally:
            port.close()
    except FlashError as exc:
        bar.close()
        reason = f" ({exc.code})" if exc.code else ""
        print(f"hearth flash: REFUSED{reason}: {exc}" if exc.code else f"hearth flash: {exc}")
        print("The running firmware was not changed.")
        return 1
    except OSError as exc:  # serial.SerialException included: the port went away mid-way
        bar.close()
        print(f"hearth flash: lost the connection to the heater: {exc}")
        print("The running firmware was not changed; run again with --resume to continue.")
        return 1
    bar.close()
    resumed = f", resumed at byte {result.resumed_from}" if result.resumed_from else ""
    print(
        f"installed version {result.version} in slot {result.slot} "
        f"({len(image)} bytes in {result.elapsed_s:.1f} s{resumed})"
    )
    if args.no_reboot:
        print("Restart the heater to run it on trial; it is kept only if it comes up healthy.")
    else:
        print("The heater is restarting into it; if it does not come up healthy it rolls back.")
    return 0
