"""What the heater has earned, in expected satoshis, from the shares the pool accepted.

A share of difficulty d is worth d / D of a block on average (D = network difficulty),
so its expected value is d / D × (subsidy + fees). Both D (from the job's nbits) and
the block reward (the coinbase outputs) come from the pool's own job.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from firmware.work import DIFF1_TARGET


def target_from_nbits(nbits: int) -> int:
    """The compact 'bits' encoding: mantissa × 256^(exponent − 3) (Bitcoin's SetCompact)."""
    exponent, mantissa = nbits >> 24, nbits & 0x007FFFFF
    if exponent <= 3:
        return mantissa >> (8 * (3 - exponent))
    return mantissa << (8 * (exponent - 3))


def network_difficulty(nbits: int) -> float:
    target = target_from_nbits(nbits)
    return DIFF1_TARGET / target if target else 0.0


class CoinbaseError(ValueError):
    pass


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(data):
        raise CoinbaseError("coinbase ends inside a length")
    first = data[pos]
    width = {0xFD: 2, 0xFE: 4, 0xFF: 8}.get(first, 0)
    if width == 0:
        return first, pos + 1
    if pos + 1 + width > len(data):
        raise CoinbaseError("coinbase ends inside a length")
    return int.from_bytes(data[pos + 1 : pos + 1 + width], "little"), pos + 1 + width


def coinbase_value(coinbase: bytes) -> int:
    """Sum of a (non-witness serialised) coinbase transaction's outputs, in satoshis."""
    pos = 4  # version
    if coinbase[4:6] == b"\x00\x01":
        pos = 6  # segwit marker and flag, which pools do not normally send
    inputs, pos = _varint(coinbase, pos)
    for _ in range(inputs):
        pos += 36  # previous outpoint
        script_len, pos = _varint(coinbase, pos)
        pos += script_len + 4  # script and sequence
    outputs, pos = _varint(coinbase, pos)
    total = 0
    for _ in range(outputs):
        if pos + 8 > len(coinbase):
            raise CoinbaseError("coinbase ends inside an output")
        total += int.from_bytes(coinbase[pos : pos + 8], "little")
        script_len, pos = _varint(coinbase, pos + 8)
        pos += script_len
    if pos + 4 > len(coinbase):
        raise CoinbaseError("coinbase ends before its lock time")
    return total


@dataclass
class Earnings:
    """Running total of expected satoshis and the share difficulty behind them."""

    sats: float = 0.0
    accepted_difficulty: float = 0.0

    def credit(self, share_difficulty: float, nbits: int, reward_sats: int) -> float:
        """Add one accepted share; returns its expected value in satoshis."""
        network = network_difficulty(nbits)
        if not network > 0 or reward_sats <= 0:
            value = 0.0
        else:
            value = share_difficulty / network * reward_sats
        if math.isfinite(value):
            self.sats += value
            self.accepted_difficulty += share_difficulty
        return value
