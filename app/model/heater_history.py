"""The heater's own history (docs/mqtt.md `history/minute|hour`, docs/http-api.md
`GET /api/history`), decoded without trusting it, so the charts are full on open.

Shape: `{"interval_s": 60|3600, "fields": [...], "samples": [[t_unix, v1, ...], ...]}`,
`null` where unknown. Only the fields the charts use are read, by name, so a heater
that adds or reorders fields still works; a row that is not `[number, ...]` is skipped
and counted, never guessed at.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from app.model.heater_state import as_number
from app.model.history import Sample

# 48 h of minutes or 90 days of hours is ~3,000 rows of 7 numbers: well under this.
MAX_HISTORY_BYTES = 2 * 1024 * 1024
CHART_FIELDS = ("room_c", "target_c", "power_w", "hashrate_ths")


class HistoryPayloadError(ValueError):
    """Not a history document: nothing in it is used."""


@dataclass(frozen=True)
class HeaterHistory:
    interval_s: float
    samples: tuple[Sample, ...]  # oldest first
    skipped: int = 0  # rows that were not readings


def decode_history(payload: bytes | str) -> HeaterHistory:
    if len(payload) > MAX_HISTORY_BYTES:
        raise HistoryPayloadError(f"history of {len(payload)} bytes refused (too large)")
    try:
        data = json.loads(payload)
    except (ValueError, RecursionError) as error:
        raise HistoryPayloadError(f"history is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise HistoryPayloadError("history must be a JSON object")
    interval = as_number(data.get("interval_s"))
    fields, rows = data.get("fields"), data.get("samples")
    if interval is None or interval <= 0:
        raise HistoryPayloadError(
            f"interval_s: {data.get('interval_s')!r} is not a positive number"
        )
    if not isinstance(fields, list) or not all(isinstance(name, str) for name in fields):
        raise HistoryPayloadError("fields: not a list of names")
    if not isinstance(rows, list):
        raise HistoryPayloadError("samples: not a list")
    column = {name: index + 1 for index, name in enumerate(fields)}
    samples: list[Sample] = []
    skipped = 0
    for row in rows:
        at = as_number(row[0]) if isinstance(row, list) and row else None
        if at is None or len(row) != len(fields) + 1 or (samples and at <= samples[-1].at):
            skipped += 1
            continue
        values = [as_number(row[column[name]]) if name in column else None for name in CHART_FIELDS]
        room, target, power, ths = values
        samples.append(Sample(at, room, target, power, None if ths is None else ths * 1000))
    return HeaterHistory(interval, tuple(samples), skipped)
