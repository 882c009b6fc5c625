"""Per-family facts the simulated chips need (docs/bm13xx.md, "The protocol"), kept apart
from firmware/asic on purpose."""

from __future__ import annotations

from dataclasses import dataclass

REFERENCE_MHZ = 25.0


@dataclass(frozen=True)
class ChipModel:
    name: str
    chip_id: int
    core_num_byte: int  # reg 0x00 bits 15..8 as real chips answer
    long_response: bool  # 11-byte (version-rolling) responses
    small_cores: int
    midstate_jobs: bool  # BM1397 takes midstates instead of the full header
    core_bits: int  # bits of b7 below the job id

    def job_byte(self, job_id: int, core: int) -> int:
        core &= (1 << self.core_bits) - 1
        if self.name in ("BM1368", "BM1370"):
            return ((job_id << 1) & 0xF0) | core
        return (job_id & ~((1 << self.core_bits) - 1) & 0xFF) | core

    def pll_mhz(self, value: int) -> float:
        """Hash clock from a PLL0 (reg 0x08) value."""
        fb, refdiv, post = (value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF
        if self.midstate_jobs:
            p1, p2 = post >> 4, post & 0x0F
        else:
            p1, p2 = (post >> 4) + 1, (post & 0x0F) + 1
        if not (fb and refdiv and p1 and p2):
            return 0.0
        return REFERENCE_MHZ * fb / (refdiv * p1 * p2)

    def baud_after_write(self, register: int, value: int, current: int) -> int:
        """Chip UART speed after a register write.

        BM1397: misc control (0x18) BT8D field, bits 12..8: 25 MHz / ((BT8D + 1) × 8).
        BM1366/68/70: 0x28 = 11300200 selects the 1 Mbaud fast UART; 0x18 = 00007A31
        (ESP-Miner's set_default_baud) goes back to 115200. Other misc-control values
        these chips are sent during init do not move the modelled speed.
        """
        if self.midstate_jobs:
            if register == 0x18:
                bt8d = (value >> 8) & 0x1F
                return round(REFERENCE_MHZ * 1e6 / ((bt8d + 1) * 8))
            return current
        if register == 0x28 and value == 0x11300200:
            return 1_000_000
        if register == 0x18 and value == 0x00007A31:
            return 115200
        return current


CHIP_MODELS = {
    m.name: m
    for m in (
        ChipModel("BM1366", 0x1366, 0x00, True, 894, False, 3),
        ChipModel("BM1368", 0x1368, 0x00, True, 1276, False, 4),
        ChipModel("BM1370", 0x1370, 0x00, True, 2040, False, 4),
        ChipModel("BM1397", 0x1397, 0x18, False, 672, True, 2),
    )
}
