"""Power cuts on demand: a step hook that kills the process at the Nth step of a run.

Every process of the simulated device appends the steps it passes to one trace file, so
"the Nth step" counts across the bootloader, the agent and the confirming firmware.
"""

from __future__ import annotations

import os
from pathlib import Path

POWER_CUT_EXIT = 137  # what a SIGKILL'd process reports: nothing after it ran


class PowerCutter:
    def __init__(self, trace: Path | None, cut_at: int | None) -> None:
        self.trace = trace
        self.cut_at = cut_at

    def __call__(self, step: str) -> None:
        if self.trace is None:
            return
        with open(self.trace, "a") as handle:
            handle.write(step + "\n")
        if self.cut_at is not None and len(self.trace.read_text().splitlines()) == self.cut_at:
            os._exit(POWER_CUT_EXIT)
