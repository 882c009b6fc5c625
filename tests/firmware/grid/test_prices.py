"""Price tables in every format the `prices` topic takes; every bad table refused whole
with its reason (docs/mqtt.md, "prices")."""

from __future__ import annotations

import datetime
import json
import pathlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware.grid.formats import parse_prices
from firmware.grid.prices import MAX_INTERVALS

DATA = pathlib.Path(__file__).parents[2] / "data" / "prices"
UTC = datetime.UTC
CET = datetime.timezone(datetime.timedelta(hours=1))


def hearth(prices: list[float], *, start: str = "2024-01-15T00:00:00+01:00", **over: object):
    t0 = datetime.datetime.fromisoformat(start)
    step = int(over.pop("step_s", over.get("interval_s", 3600)))  # type: ignore[call-overload]
    table = {
        "currency": "EUR",
        "unit": "kWh",
        "interval_s": 3600,
        "prices": [
            {"start": (t0 + datetime.timedelta(seconds=i * step)).isoformat(), "price": p}
            for i, p in enumerate(prices)
        ],
    }
    table.update(over)
    return json.dumps(table).encode()


def test_hearths_own_table_becomes_a_schedule_in_local_time() -> None:
    table = parse_prices(hearth([0.10, 0.30, 0.20]))
    assert table is not None and table.currency == "EUR" and table.interval_s == 3600
    assert table.starts[0] == datetime.datetime(2024, 1, 14, 23, 0, tzinfo=UTC)
    schedule = table.schedule(CET)
    assert schedule.price_at(datetime.datetime(2024, 1, 15, 1, 30)) == 0.30
    assert schedule.price_at(datetime.datetime(2024, 1, 15, 3, 0)) is None  # past the end
    assert schedule.price_at(datetime.datetime(2024, 1, 14, 23, 0)) is None  # before it
    assert parse_prices(b"null") is None  # drops the schedule


def test_quarter_hours_and_prices_per_mwh() -> None:
    table = parse_prices(hearth([80.0, -5.0], interval_s=900, unit="MWh"))
    assert table is not None and table.prices == (0.08, -0.005)
    assert table.end - table.starts[0] == datetime.timedelta(minutes=30)


def test_home_assistants_nord_pool_attributes() -> None:
    def day(base: datetime.datetime, values: list[float | None]) -> list[dict]:
        hour = datetime.timedelta(hours=1)
        return [
            {"start": (base + i * hour).isoformat(), "end": (base + (i + 1) * hour).isoformat(),
             "value": v}
            for i, v in enumerate(values)
        ]  # fmt: skip

    midnight = datetime.datetime(2024, 1, 15, tzinfo=CET)
    attributes = {
        "current_price": 8.38, "unit": "kWh", "currency": "EUR", "price_in_cents": True,
        "region": "BE", "average": 9.1, "tomorrow_valid": False,
        "raw_today": day(midnight, [8.38, 7.683, 6.9]),
        "raw_tomorrow": day(midnight + datetime.timedelta(days=1), [None, None]),
    }  # fmt: skip
    table = parse_prices(json.dumps(attributes).encode())
    assert table is not None and table.prices == pytest.approx((0.0838, 0.07683, 0.069))
    attributes["tomorrow_valid"] = True  # tomorrow's nulls now count: refused
    with pytest.raises(ValueError, match=r"Nord Pool.*no price for 2024-01-16T00:00:00\+01:00"):
        parse_prices(json.dumps(attributes).encode())


def test_entsoe_day_ahead_xml_with_a03_repeats() -> None:
    table = parse_prices((DATA / "entsoe-a44-de-lu-sample.xml").read_bytes())
    assert table is not None and table.currency == "EUR" and table.interval_s == 3600
    assert table.prices == pytest.approx((0.0955, 0.09, 0.09, 0.09, -0.0032, -0.0032))
    assert table.starts[0] == datetime.datetime(2025, 3, 1, 23, 0, tzinfo=UTC)


def a44(periods: str, curve: str = "A01", currency: str = "EUR") -> bytes:
    return (
        '<?xml version="1.0"?><Publication_MarketDocument '
        'xmlns="urn:iec62325.351:tc57wg16:451-3:publicationdocument:7:3">'
        f"<TimeSeries><currency_Unit.name>{currency}</currency_Unit.name>"
        f"<price_Measure_Unit.name>MWH</price_Measure_Unit.name><curveType>{curve}</curveType>"
        f"{periods}</TimeSeries></Publication_MarketDocument>"
    ).encode()


def period(start: str, end: str, resolution: str, points: dict[int, float]) -> str:
    body = "".join(
        f"<Point><position>{k}</position><price.amount>{v}</price.amount></Point>"
        for k, v in points.items()
    )
    return (
        f"<Period><timeInterval><start>{start}</start><end>{end}</end></timeInterval>"
        f"<resolution>{resolution}</resolution>{body}</Period>"
    )


def test_entsoe_finest_resolution_wins() -> None:
    hourly = period("2025-10-01T22:00Z", "2025-10-01T23:00Z", "PT60M", {1: 100.0})
    quarters = period("2025-10-01T22:00Z", "2025-10-01T23:00Z", "PT15M", {1: 1, 2: 2, 3: 3, 4: 4})
    table = parse_prices(a44(hourly + quarters))
    assert table is not None and table.interval_s == 900 and len(table.prices) == 4


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (hearth([0.1, 0.2], currency="XBT"), "currency = 'XBT'; allowed: BGN, CHF"),
        (hearth([0.1, 0.2], unit="therm"), "unit = 'therm'; allowed: kWh, MWh, Wh"),
        (hearth([0.1, 0.2], interval_s=1800, step_s=1800), "interval_s = 1800"),
        (hearth([0.1, 0.2], step_s=1800), "intervals overlap: 2024-01-15T00:30:00\\+01:00"),
        (hearth([0.1, 0.2], step_s=7200), "intervals missing: nothing from 2024-01-15T01:00"),
        (hearth([0.1, "0.2"]), "price at 2024-01-15T01:00:00\\+01:00 = '0.2'"),
        (hearth([0.1], start="2024-01-15T00:00:00"), "has no UTC offset"),
        (hearth([]), "no prices"),
        (hearth([0.1] * (MAX_INTERVALS + 1)), f"allowed: at most {MAX_INTERVALS}"),
        (b'{"currency": "EUR", "prices": [], "extra": 1}', "unknown key"),
        (b'{"currency": "EUR", "unit": "kWh", "interval_s": 3600, "prices": [{"start": '
         b'"2024-01-15T00:00:00Z", "price": NaN}]}', "not usable JSON"),
        (b"[1, 2]", "expected a JSON object"),
        (a44(period("2025-03-01T23:00Z", "2025-03-02T02:00Z", "PT60M", {1: 1.0, 3: 3.0})),
         "intervals missing: nothing from 2025-03-02T00:00:00\\+00:00"),
        (a44(period("2025-03-01T23:00Z", "2025-03-02T00:00Z", "PT30M", {1: 1.0})),
         "resolution 'PT30M'"),
        (a44(period("2025-03-01T23:00Z", "2025-03-02T00:00Z", "PT60M", {1: 1.0}),
             currency="ABC"), "currency = 'ABC'"),
        (a44(period("2025-03-01T23:00Z", "2025-03-02T00:00Z", "PT60M", {2: 1.0})),
         "position 2 outside 1..1"),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><Publication_MarketDocument/>',
         "not well-formed, safe XML"),
        (b'<Acknowledgement_MarketDocument xmlns="urn:x"><Reason><code>999</code><text>No '
         b"matching data found</text></Reason></Acknowledgement_MarketDocument>",
         "the platform answered: No matching data found"),
        (b"<Other/>", "root element <Other>"),
    ],
)  # fmt: skip
def test_bad_tables_are_refused_with_the_reason(payload: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_prices(payload)


@given(st.binary(max_size=512))
def test_any_bytes_give_a_table_none_or_a_value_error(payload: bytes) -> None:
    try:
        parse_prices(payload)
    except ValueError as exc:
        assert str(exc).startswith("prices")
