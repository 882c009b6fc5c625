"""The protobuf wire format, as much as the Braiins OS+ simulator needs, written from
Google's "Encoding" document: a message is fields of (number << 3 | wire type); wire
type 0 a varint (uint32/uint64/bool/enum), 1 a little-endian 64-bit double, 2 a
length-delimited string, bytes or nested message. Absent fields are zero.

`encode` takes a message as a list of (field number, value): an int or bool is a
varint, a float a double, a str or bytes length-delimited, a list a nested message.
`decode` gives {field number: [raw values]} (varints as ints, length-delimited as bytes).
"""

from __future__ import annotations

import struct

Field = tuple[int, "int | bool | float | str | bytes | list[Field]"]

VARINT, FIXED64, LENGTH = 0, 1, 2


def _varint(value: int) -> bytes:
    if value < 0:
        value += 1 << 64  # negative int64s are ten-byte two's complement
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def encode(fields: list[Field]) -> bytes:
    out = bytearray()
    for number, value in fields:
        if isinstance(value, bool | int):
            out += _varint(number << 3 | VARINT) + _varint(int(value))
        elif isinstance(value, float):
            out += _varint(number << 3 | FIXED64) + struct.pack("<d", value)
        else:
            body = (
                value.encode()
                if isinstance(value, str)
                else value
                if isinstance(value, bytes)
                else encode(value)
            )
            out += _varint(number << 3 | LENGTH) + _varint(len(body)) + body
    return bytes(out)


def _read_varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(data) or shift > 63:
            raise ValueError("truncated or overlong varint")
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at


def decode(data: bytes) -> dict[int, list[int | bytes]]:
    fields: dict[int, list[int | bytes]] = {}
    at = 0
    while at < len(data):
        key, at = _read_varint(data, at)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == VARINT:
            value, at = _read_varint(data, at)
        elif wire == FIXED64:
            value, at = int.from_bytes(data[at : at + 8], "little"), at + 8
        elif wire == LENGTH:
            size, at = _read_varint(data, at)
            value, at = data[at : at + size], at + size
        elif wire == 5:  # fixed32
            value, at = int.from_bytes(data[at : at + 4], "little"), at + 4
        else:
            raise ValueError(f"wire type {wire} not supported")
        if at > len(data):
            raise ValueError("truncated field")
        fields.setdefault(number, []).append(value)
    return fields
