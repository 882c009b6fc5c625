"""Ticket mask (register 0x14): the difficulty below which chips stay silent.

Per docs/bm13xx.md ("Ticket mask"): difficulty d → largest power of two 2^k ≤ d → mask
2^k − 1 → each of the 4 bytes bit-reversed, written big-endian. 256 gives 00 00 00 FF.
"""

from __future__ import annotations


def _reverse_bits(byte: int) -> int:
    return int(f"{byte:08b}"[::-1], 2)


def ticket_difficulty(difficulty: float) -> int:
    """The difficulty the chips will actually apply: the largest power of two ≤ d."""
    if difficulty < 1:
        raise ValueError(f"ticket difficulty must be at least 1, got {difficulty!r}")
    return 1 << (int(difficulty).bit_length() - 1)


def ticket_mask(difficulty: float) -> int:
    """The register value for a ticket difficulty."""
    mask = ticket_difficulty(difficulty) - 1
    if mask >= 1 << 32:
        raise ValueError(f"ticket difficulty {difficulty!r} does not fit the 32-bit mask")
    raw = mask.to_bytes(4, "big")
    return int.from_bytes(bytes(_reverse_bits(b) for b in raw), "big")
