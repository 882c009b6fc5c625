"""The two CRCs of the BM13xx serial protocol (docs/bm13xx.md, "Host → chip frames").

CRC5 protects command frames and chip responses: width 5, poly 0x05, init 0x1F,
MSB first, no reflection, no xorout; check("123456789") = 0x0F.
CRC16 protects job frames: CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF);
check("123456789") = 0x29B1. The standard library's `binascii.crc_hqx` is exactly
that polynomial, MSB first, with a caller-chosen init.
"""

from __future__ import annotations

import binascii

_CRC5_POLY = 0x05
_CRC5_INIT = 0x1F


def _crc5_table() -> bytes:
    # The 5-bit register kept in the top of a byte turns CRC5 into a byte-wise
    # CRC-8-style table lookup: poly 0x05 << 3, register 0x1F << 3.
    table = bytearray(256)
    for byte in range(256):
        reg = byte
        for _ in range(8):
            reg = ((reg << 1) ^ (_CRC5_POLY << 3)) & 0xFF if reg & 0x80 else (reg << 1) & 0xFF
        table[byte] = reg
    return bytes(table)


_CRC5_TABLE = _crc5_table()


def crc5(data: bytes | bytearray | memoryview) -> int:
    """CRC5 over whole bytes."""
    reg = _CRC5_INIT << 3
    table = _CRC5_TABLE
    for byte in data:
        reg = table[reg ^ byte]
    return reg >> 3


def crc16(data: bytes | bytearray | memoryview) -> int:
    """CRC-16/CCITT-FALSE."""
    return binascii.crc_hqx(bytes(data), 0xFFFF)
