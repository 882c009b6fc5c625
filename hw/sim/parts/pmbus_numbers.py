"""PMBus number formats for the simulated regulator, from the PMBus specification part
II (§7.3 LINEAR11, §8.3.1 ULINEAR16 with VOUT_MODE), written for the simulator alone.

LINEAR11: X = Y · 2^N, N the top five bits as a two's-complement number, Y the low
eleven bits as a two's-complement number. ULINEAR16: X = V · 2^N, V the whole word
unsigned, N the VOUT_MODE low five bits as a two's-complement number.
"""

from __future__ import annotations


def twos(bits: int, width: int) -> int:
    """`bits` read as a `width`-bit two's-complement number."""
    return bits - (1 << width) if bits >= 1 << (width - 1) else bits


def linear11_value(word: int) -> float:
    n = twos(word >> 11, 5)
    y = twos(word & 0b111_1111_1111, 11)
    return y * 2.0**n


def linear11_word(value: float, n: int) -> int:
    """The reading `value` as the part reports it: the exponent `n` its ADC uses, or a
    coarser one where the mantissa would not fit in eleven bits."""
    y = round(value / 2.0**n)
    while not -1024 <= y <= 1023 and n < 15:
        n += 1
        y = round(value / 2.0**n)
    y = max(-1024, min(1023, y))
    return (n % 32) << 11 | (y % 2048)


def ulinear16_value(word: int, vout_mode: int) -> float:
    return word * 2.0 ** twos(vout_mode & 0b11111, 5)


def ulinear16_word(value: float, vout_mode: int) -> int:
    return max(0, min(0xFFFF, round(value / 2.0 ** twos(vout_mode & 0b11111, 5))))
