"""Version rolling (BIP 310) as the chips do it.

BM1366/68/70 roll the version themselves inside the mask written to register 0xA4
(`0x90000000 | (mask >> 13)`) and report the rolled bits in the nonce response:
rolled = job.version | (field << 13). BM1397 cannot; the host sends up to four
midstates, each computed with a different rolled version, and the chip reports which.
"""

from __future__ import annotations

VERSION_ROLLING_ENABLE = 0x90000000


def version_mask_register(mask: int) -> int:
    """Value of register 0xA4 for a stratum version mask."""
    if not 0 <= mask < 1 << 32:
        raise ValueError(f"version mask must fit in 32 bits, got {mask!r}")
    return VERSION_ROLLING_ENABLE | ((mask >> 13) & 0xFFFF)


def rolled_version(version: int, field: int) -> int:
    """The full version a BM1366+ chip hashed with, from the 16-bit response field."""
    return version | (field << 13)


def nth_rolled_version(version: int, mask: int, n: int) -> int:
    """`version` with the bits under `mask` counted up by `n` (wrapping inside the mask):
    the version of BM1397 midstate number n."""
    if n == 0 or mask == 0:
        return version
    positions = [bit for bit in range(32) if mask >> bit & 1]
    current = sum(((version >> bit) & 1) << i for i, bit in enumerate(positions))
    value = (current + n) % (1 << len(positions))
    rolled = version & ~mask & 0xFFFFFFFF
    for i, bit in enumerate(positions):
        rolled |= ((value >> i) & 1) << bit
    return rolled
