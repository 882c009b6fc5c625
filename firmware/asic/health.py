"""Per-chip bookkeeping from polled counters and verified nonces."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from firmware.work import ChipHealth

HASHES_PER_COUNT = 1 << 32  # regs 0x88-0x8C count difficulty-1 nonces (docs/bm13xx.md)
BM1397_RATE_UNIT = 1 << 20  # reg 0x04 in hashes per second (ESP-Miner HASHRATE_UNIT)
COUNTER_WINDOW = 6  # samples (seconds of polling) the hashrate is averaged over


@dataclass
class ChipState:
    index: int
    address: int
    last_heard: float = 0.0
    hw_errors: int = 0
    nonces: int = 0
    error_count: int = 0  # reg 0x4C
    rate_hs: float = 0.0  # BM1397: straight from reg 0x04
    samples: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=COUNTER_WINDOW))
    _unwrapped: int = 0

    def record_counter(self, stamp: float, value: int) -> None:
        """A reading of the total hash counter (0x8C); wraps at 2^32."""
        if self.samples:
            _, last = self.samples[-1]
            self._unwrapped = last + ((value - last) & 0xFFFFFFFF)
        else:
            self._unwrapped = value
        self.samples.append((stamp, self._unwrapped))

    def record_rate(self, value: int) -> None:
        """A reading of BM1397's hash rate register (0x04): bit 31 flags a long
        measurement that ESP-Miner ignores."""
        if not value & 0x80000000:
            self.rate_hs = (value & 0x7FFFFFFF) * BM1397_RATE_UNIT

    def counter_rate_hs(self) -> float:
        if len(self.samples) < 2:
            return 0.0
        (t0, c0), (t1, c1) = self.samples[0], self.samples[-1]
        if t1 <= t0:
            return 0.0
        return (c1 - c0) * HASHES_PER_COUNT / (t1 - t0)

    def health(self, now: float, silent_after_s: float, uses_rate_register: bool) -> ChipHealth:
        responding = now - self.last_heard <= silent_after_s
        rate = self.rate_hs if uses_rate_register else self.counter_rate_hs()
        return ChipHealth(
            index=self.index,
            address=self.address,
            responding=responding,
            hashrate_ghs=rate / 1e9 if responding else 0.0,
            hw_errors=self.hw_errors,
            error_count=self.error_count,
        )
