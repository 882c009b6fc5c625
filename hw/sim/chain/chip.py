"""One simulated chip: its registers, PLL clock and hash counters."""

from __future__ import annotations

from dataclasses import dataclass, field

from hw.sim.chain.chip_models import ChipModel

RESET_FREQUENCY_MHZ = 50.0
HASHES_PER_COUNT = 1 << 32  # reg 0x8C counts difficulty-1 nonces (2^32 hashes each)
BM1397_RATE_UNIT = 1 << 20  # reg 0x04 counts hashes per second in these units


@dataclass
class SimChip:
    index: int
    model: ChipModel
    address: int = 0
    addressed: bool = False
    frequency_mhz: float = RESET_FREQUENCY_MHZ
    hashing: bool = False  # has a job and power
    silent: bool = False  # fault: stops answering and hashing
    wrong_nonces: bool = False  # fault: reports nonces that fail verification
    registers: dict[int, int] = field(default_factory=dict)
    errors: int = 0  # reg 0x4C
    nonces_sent: int = 0
    _hashes: float = 0.0
    _since: float = 0.0

    def rate_hs(self) -> float:
        if not self.hashing or self.silent:
            return 0.0
        return self.frequency_mhz * 1e6 * self.model.small_cores

    def settle(self, now: float) -> None:
        self._hashes += self.rate_hs() * max(0.0, now - self._since)
        self._since = now

    def set_frequency(self, now: float, mhz: float) -> None:
        self.settle(now)
        self.frequency_mhz = mhz

    def set_hashing(self, now: float, hashing: bool) -> None:
        self.settle(now)
        self.hashing = hashing

    def set_silent(self, now: float, silent: bool) -> None:
        self.settle(now)
        self.silent = silent

    def reset(self, now: float) -> None:
        self.settle(now)
        self.address = 0
        self.addressed = False
        self.frequency_mhz = RESET_FREQUENCY_MHZ
        self.hashing = False
        self.registers.clear()
        self.errors = 0
        self._hashes = 0.0

    def read(self, register: int, now: float) -> int:
        self.settle(now)
        if register == 0x00:
            return (self.model.chip_id << 16) | (self.model.core_num_byte << 8) | self.address
        if register == 0x8C:
            return int(self._hashes // HASHES_PER_COUNT) & 0xFFFFFFFF
        if 0x88 <= register <= 0x8B:  # four hash domains share the work equally
            return int(self._hashes / 4 // HASHES_PER_COUNT) & 0xFFFFFFFF
        if register == 0x04 and self.model.midstate_jobs:
            return int(self.rate_hs() // BM1397_RATE_UNIT) & 0x7FFFFFFF
        if register == 0x4C:
            return self.errors & 0xFFFFFFFF
        return self.registers.get(register, 0)
