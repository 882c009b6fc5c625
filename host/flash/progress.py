"""A one-line terminal progress bar with rate and ETA."""

from __future__ import annotations

import sys
from typing import TextIO

from host.flash.device import Progress


class ProgressBar:
    def __init__(self, stream: TextIO | None = None, width: int = 30) -> None:
        self._stream = stream
        self.width = width

    @property
    def stream(self) -> TextIO:
        return self._stream or sys.stderr  # looked up late: sys.stderr may be swapped

    def __call__(self, progress: Progress) -> None:
        fraction = progress.done / progress.total if progress.total else 1.0
        filled = int(fraction * self.width)
        eta = "--" if progress.eta_s == float("inf") else f"{progress.eta_s:4.0f}s"
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (self.width - filled)}] {fraction:4.0%} "
            f"{progress.rate / 1024:7.1f} KiB/s  ETA {eta}"
        )
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()
