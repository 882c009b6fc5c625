"""The simulated bootloader: choose the slot to start (prints it), as at power-on."""

from __future__ import annotations

import argparse
from pathlib import Path

from firmware.update.slots import SlotStore
from hw.sim.device.power import PowerCutter


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--trace", type=Path)
    parser.add_argument("--cut-at", type=int)
    args = parser.parse_args()
    print(SlotStore(args.root, PowerCutter(args.trace, args.cut_at)).boot(), flush=True)


if __name__ == "__main__":
    main()
