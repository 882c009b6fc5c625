"""Persistent settings and counters: atomic, versioned, checksummed, validated on load."""

from firmware.store.atomic_file import write_atomic
from firmware.store.envelope import Record, RecordError, decode_record, encode_record
from firmware.store.store import STORE_FILE, LoadResult, Store

__all__ = [
    "STORE_FILE",
    "LoadResult",
    "Record",
    "RecordError",
    "Store",
    "decode_record",
    "encode_record",
    "write_atomic",
]
