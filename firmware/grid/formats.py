"""The MQTT `prices` topic takes a table in any format people already have; this picks
the parser by the payload's shape."""

from __future__ import annotations

from firmware.grid.entsoe import parse_entsoe
from firmware.grid.nordpool import nordpool_table
from firmware.grid.prices import MAX_PRICES_BYTES, PriceTable, hearth_table
from firmware.inputs import InputError, loads_strict


def parse_prices(payload: bytes) -> PriceTable | None:
    """An MQTT `prices` message in any of the formats Hearth reads: its own JSON, a Home
    Assistant Nord Pool sensor's attributes (`raw_today`/`raw_tomorrow`), or an ENTSO-E
    day-ahead `Publication_MarketDocument`. JSON `null` drops the schedule (None).
    ValueError (starting with "prices:") says what is wrong."""
    if len(payload) > MAX_PRICES_BYTES:
        raise ValueError(
            f"prices: payload of {len(payload)} bytes is too large (at most {MAX_PRICES_BYTES})"
        )
    if payload.lstrip()[:1] == b"<":
        return parse_entsoe(payload)
    try:
        value = loads_strict(payload, max_bytes=MAX_PRICES_BYTES)
    except InputError as exc:
        raise ValueError(f"prices: not usable JSON or ENTSO-E XML: {exc}") from None
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError("prices: expected a JSON object, an ENTSO-E XML document or null")
    if "raw_today" in value:
        return nordpool_table(value)
    return hearth_table(value)
