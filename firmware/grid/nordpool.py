"""Nord Pool prices as Home Assistant's `nordpool` integration publishes them: the
sensor's attributes, forwarded as JSON (e.g. by an automation publishing
`{{ states.sensor.nordpool_kwh_be_eur_3_10_0.attributes | tojson }}` to MQTT `prices`).

The parts read (the integration's attribute names):
    raw_today, raw_tomorrow   lists of {"start": ISO 8601, "end": ISO 8601, "value": price}
    tomorrow_valid            false until tomorrow's prices are out (raw_tomorrow ignored)
    currency, unit            "EUR", "kWh" (else from unit_of_measurement, "EUR/kWh")
    price_in_cents            true: values are hundredths of the currency
Every other attribute (averages, peaks, the region) is ignored.
"""

from __future__ import annotations

import datetime

from firmware.grid.prices import PriceTable, make_table, parse_time
from firmware.inputs import bounded_echo

WHAT = "prices (Nord Pool)"


def nordpool_table(attributes: dict[str, object]) -> PriceTable:
    currency, unit = attributes.get("currency"), attributes.get("unit")
    measure = attributes.get("unit_of_measurement")
    if isinstance(measure, str) and "/" in measure:
        currency = currency or measure.split("/", 1)[0]
        unit = unit or measure.split("/", 1)[1]
    rows = list(day(attributes, "raw_today"))
    if attributes.get("tomorrow_valid", True) is not False:
        rows += day(attributes, "raw_tomorrow")
    cents = attributes.get("price_in_cents", False)
    if not isinstance(cents, bool):
        raise ValueError(f"{WHAT}: price_in_cents = {bounded_echo(cents)!r}; allowed: true, false")
    points: list[tuple[datetime.datetime, object]] = []
    lengths: set[float] = set()
    for row in rows:
        if not isinstance(row, dict) or not {"start", "end", "value"} <= set(row):
            raise ValueError(f"{WHAT}: entry {bounded_echo(row)!r}; allowed: {{start, end, value}}")
        start, end = parse_time(row["start"], what=WHAT), parse_time(row["end"], what=WHAT)
        value = row["value"]
        if value is None:
            raise ValueError(f"{WHAT}: no price for {start.isoformat()} (value null)")
        if isinstance(value, int | float) and not isinstance(value, bool) and cents:
            value = value / 100.0
        lengths.add((end - start).total_seconds())
        points.append((start, value))  # make_table checks the value
    if len(lengths) > 1:
        raise ValueError(
            f"{WHAT}: intervals of different lengths {sorted(lengths)} s; allowed: one length"
        )
    interval = int(lengths.pop()) if lengths else 3600
    return make_table(currency, unit, interval, points, what=WHAT)


def day(attributes: dict[str, object], key: str) -> list[object]:
    rows = attributes.get(key) or []
    if not isinstance(rows, list):
        raise ValueError(f"{WHAT}: {key} must be a list of {{start, end, value}}")
    return rows
