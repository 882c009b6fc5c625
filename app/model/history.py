"""What the app remembers of a heater while connected: a bounded time series for the charts.

The heater publishes on every change and at least every 10 s; at a high publish rate
samples are merged into fixed buckets so memory stays flat however long the app runs.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

BUCKET_S = 10.0
WINDOW_S = 6 * 3600.0


@dataclass(frozen=True)
class Sample:
    at: float  # wall-clock seconds (time.time)
    room_c: float | None
    target_c: float | None
    power_w: float | None
    hashrate_ghs: float | None


class History:
    def __init__(self, *, bucket_s: float = BUCKET_S, window_s: float = WINDOW_S) -> None:
        self.bucket_s = bucket_s
        self.window_s = window_s
        self.samples: deque[Sample] = deque(maxlen=int(window_s / bucket_s) + 1)

    def add(self, sample: Sample) -> None:
        if self.samples and sample.at < self.samples[-1].at:
            return  # a clock step backwards: keep the series monotonic
        if self.samples and self.bucket(self.samples[-1].at) == self.bucket(sample.at):
            self.samples[-1] = sample
        else:
            self.samples.append(sample)
        horizon = sample.at - self.window_s
        while self.samples and self.samples[0].at < horizon:
            self.samples.popleft()

    def bucket(self, at: float) -> int:
        return int(at // self.bucket_s)

    def since(self, start: float) -> list[Sample]:
        return [sample for sample in self.samples if sample.at >= start]

    def __len__(self) -> int:
        return len(self.samples)

    def __iter__(self) -> Iterator[Sample]:
        return iter(self.samples)
