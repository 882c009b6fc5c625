"""ENTSO-E day-ahead prices: the Transparency Platform's `Publication_MarketDocument`
(document type A44, "Day-ahead Prices" 12.1.D), as its REST API returns it and as people
save it. Parsed with defusedxml: no DTDs, no entity expansion.

What is read (IEC 62325-451-3 names): every `TimeSeries` with its `currency_Unit.name`,
`price_Measure_Unit.name` (MWH), `curveType` and `Period`s; each Period has a
`timeInterval` (start, end, UTC), a `resolution` (PT15M or PT60M) and `Point`s
(`position` from 1, `price.amount`). Curve type A03 ("variable sized block") leaves out
a point whose price equals the previous one: the previous price holds until the next
point or the period's end. A01 lists every point, so a missing one is a gap (refused).
When a document carries the same day at two resolutions, the finer one is used; among
series of one resolution covering the same time, the lowest
`classificationSequence_AttributeInstanceComponent.position` wins.
An `Acknowledgement_MarketDocument` (the API's "no matching data") is refused with its
reason text.
"""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from firmware.grid.prices import PriceTable, make_table, parse_time
from firmware.inputs import bounded_text

WHAT = "prices (ENTSO-E)"
RESOLUTIONS_S = {"PT15M": 900, "PT60M": 3600, "PT1H": 3600}
UNITS = {"MWH": "MWh", "KWH": "kWh"}
CURVES = ("A01", "A03")


def local_name(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def child(element: ET.Element, name: str) -> ET.Element | None:
    return next((c for c in element if local_name(c) == name), None)


def text(element: ET.Element, path: str, default: str | None = None) -> str:
    node: ET.Element | None = element
    for name in path.split("/"):
        node = child(node, name) if node is not None else None
    if node is None or node.text is None:
        if default is not None:
            return default
        raise ValueError(f"{WHAT}: <{local_name(element)}> has no <{path}>")
    return node.text.strip()


def parse_entsoe(payload: bytes) -> PriceTable:
    try:
        root = SafeET.fromstring(payload, forbid_dtd=True)
    except (ET.ParseError, DefusedXmlException) as exc:
        raise ValueError(f"{WHAT}: not well-formed, safe XML: {bounded_text(str(exc))}") from None
    kind = local_name(root)
    if kind == "Acknowledgement_MarketDocument":
        reason = text(root, "Reason/text", default="no reason given")
        raise ValueError(f"{WHAT}: no prices, the platform answered: {bounded_text(reason)}")
    if kind != "Publication_MarketDocument":
        raise ValueError(
            f"{WHAT}: root element <{bounded_text(kind, 64)}>; allowed: Publication_MarketDocument"
        )
    series = [s for s in root if local_name(s) == "TimeSeries"]
    if not series:
        raise ValueError(f"{WHAT}: the document has no <TimeSeries>")
    currencies = {text(s, "currency_Unit.name") for s in series}
    units = {text(s, "price_Measure_Unit.name", default="MWH") for s in series}
    if len(currencies) > 1 or len(units) > 1:
        raise ValueError(
            f"{WHAT}: series in different currencies or units {sorted(currencies | units)}"
        )
    unit_name = units.pop()
    unit = UNITS.get(unit_name.upper(), unit_name)
    # (resolution, sequence, start) -> price, per series; the finest resolution is used
    blocks: list[tuple[int, int, dict[datetime.datetime, object]]] = []
    for s in series:
        curve = text(s, "curveType", default="A01")
        if curve not in CURVES:
            raise ValueError(f"{WHAT}: curveType {bounded_text(curve, 16)!r}; allowed: A01, A03")
        sequence = int(
            text(s, "classificationSequence_AttributeInstanceComponent.position", default="1")
        )
        for period in (p for p in s if local_name(p) == "Period"):
            resolution, points = period_points(period, curve)
            blocks.append((resolution, sequence, points))
    finest = min(resolution for resolution, _, _ in blocks)
    chosen: dict[datetime.datetime, object] = {}
    for _, _, points in sorted(
        (b for b in blocks if b[0] == finest), key=lambda b: -b[1]
    ):  # higher sequence first, so the lowest is written last and wins
        chosen.update(points)
    return make_table(currencies.pop(), unit, finest, sorted(chosen.items()), what=WHAT)


def period_points(period: ET.Element, curve: str) -> tuple[int, dict[datetime.datetime, object]]:
    resolution_text = text(period, "resolution")
    if resolution_text not in RESOLUTIONS_S:
        raise ValueError(
            f"{WHAT}: resolution {bounded_text(resolution_text, 16)!r}; allowed: PT15M, PT60M"
        )
    step_s = RESOLUTIONS_S[resolution_text]
    step = datetime.timedelta(seconds=step_s)
    start = parse_time(text(period, "timeInterval/start"), what=WHAT)
    end = parse_time(text(period, "timeInterval/end"), what=WHAT)
    count = int((end - start) / step)
    if count <= 0 or start + count * step != end:
        raise ValueError(
            f"{WHAT}: period {start.isoformat()}..{end.isoformat()} is not a whole number "
            f"of {resolution_text}"
        )
    by_position: dict[int, object] = {}
    for point in (p for p in period if local_name(p) == "Point"):
        position_text = text(point, "position")
        amount_text = text(point, "price.amount")
        try:
            position = int(position_text)
            amount = float(amount_text)
        except ValueError:
            raise ValueError(
                f"{WHAT}: point position {bounded_text(position_text, 16)!r} price "
                f"{bounded_text(amount_text, 32)!r}; allowed: an integer and a number"
            ) from None
        if not 1 <= position <= count:
            raise ValueError(f"{WHAT}: point position {position} outside 1..{count}")
        if position in by_position:
            raise ValueError(f"{WHAT}: point position {position} given twice")
        by_position[position] = amount
    points: dict[datetime.datetime, object] = {}
    last: object = None
    for position in range(1, count + 1):
        if position in by_position:
            last = by_position[position]
        elif curve == "A01" or last is None:
            continue  # a gap: make_table names it
        points[start + (position - 1) * step] = last
    return step_s, points
