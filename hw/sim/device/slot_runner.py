"""Start the firmware in a slot, as the device's init would: run from the slot's own files.

`firmware` is imported from the slot (the process starts with the slot's controller folder
first on sys.path), so after an update the NEW code answers; a broken image fails here,
never confirms, and the bootloader rolls it back.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from pathlib import Path

from hw.sim.device.power import PowerCutter


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--slot", required=True)
    parser.add_argument("--port", required=True)
    parser.add_argument("--board", required=True)
    parser.add_argument("--confirm-timeout", type=float, default=5.0)
    parser.add_argument("--trace", type=Path)
    parser.add_argument("--cut-at", type=int)
    args = parser.parse_args()
    controller = (args.root / "slots" / args.slot / "controller").resolve()
    firmware = importlib.import_module("firmware")
    if not Path(firmware.__file__ or "").resolve().is_relative_to(controller):
        print(f"slot runner: firmware came from {firmware.__file__}, not {controller}")
        return 2
    from firmware.update.agent import DeviceIdentity, UpdateAgent, serve
    from firmware.update.confirm import confirm_when_healthy
    from firmware.update.slots import SlotStore

    cutter = PowerCutter(args.trace, args.cut_at)
    store = SlotStore(args.root, cutter)
    info = store.slot_info(args.slot) or {}
    checks = [("controller imports", lambda: bool(importlib.import_module("firmware.update")))]
    _confirmed, failing = asyncio.run(
        confirm_when_healthy(store, args.slot, checks, timeout_s=args.confirm_timeout)
    )
    if failing:
        print(f"slot {args.slot} unhealthy: {', '.join(failing)}", file=sys.stderr)
    identity = DeviceIdentity(args.board, str(info.get("version", "0.0.0")), args.slot)
    serve(UpdateAgent(args.root, identity, checkpoint=cutter), args.port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
