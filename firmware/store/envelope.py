"""The on-disk record: versioned JSON with a checksum, so damage is detected, not trusted.

    {"format": "hearth-store", "version": 1, "seq": 42, "saved_at": 1700000000.0,
     "sections": {...}, "sha256": "<hex of the canonical JSON of the fields above>"}

`seq` grows with every save; between two valid copies the loader takes the newer.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any

FORMAT = "hearth-store"
VERSION = 1
# A record this big is not ours: refuse to parse it rather than fill the memory.
MAX_RECORD_BYTES = 1024 * 1024


class RecordError(ValueError):
    """A stored record that cannot be trusted; the message says why."""


@dataclass(frozen=True)
class Record:
    seq: int
    saved_at: float
    sections: dict[str, Any]


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def encode_record(record: Record) -> bytes:
    body = {
        "format": FORMAT,
        "version": VERSION,
        "seq": record.seq,
        "saved_at": record.saved_at,
        "sections": record.sections,
    }
    digest = hashlib.sha256(_canonical(body)).hexdigest()
    return json.dumps({**body, "sha256": digest}, sort_keys=True, allow_nan=False).encode() + b"\n"


def decode_record(data: bytes) -> Record:
    if len(data) > MAX_RECORD_BYTES:
        raise RecordError(f"record is {len(data)} bytes, more than {MAX_RECORD_BYTES}")
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordError(f"not JSON ({exc})") from exc
    if not isinstance(parsed, dict):
        raise RecordError("not a JSON object")
    digest = parsed.pop("sha256", None)
    if parsed.get("format") != FORMAT:
        raise RecordError(f"format is {parsed.get('format')!r}, not {FORMAT!r}")
    if parsed.get("version") != VERSION:
        raise RecordError(f"version {parsed.get('version')!r} is not {VERSION}")
    if set(parsed) != {"format", "version", "seq", "saved_at", "sections"}:
        raise RecordError(f"unexpected fields {sorted(parsed)}")
    try:
        expected = hashlib.sha256(_canonical(parsed)).hexdigest()
    except ValueError as exc:
        raise RecordError(f"not canonical JSON ({exc})") from exc
    if digest != expected:
        raise RecordError("checksum mismatch (damaged or edited)")
    seq, saved_at, sections = parsed["seq"], parsed["saved_at"], parsed["sections"]
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise RecordError(f"seq {seq!r} is not a non-negative integer")
    if isinstance(saved_at, bool) or not isinstance(saved_at, int | float):
        raise RecordError(f"saved_at {saved_at!r} is not a number")
    if not math.isfinite(saved_at):
        raise RecordError(f"saved_at {saved_at!r} is not finite")
    if not isinstance(sections, dict):
        raise RecordError("sections is not an object")
    return Record(seq=seq, saved_at=float(saved_at), sections=sections)
