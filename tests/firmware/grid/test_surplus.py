"""Solar surplus following (firmware/grid/surplus.py) and the grid meter's payloads
(firmware/grid/meter.py): pure, on an injected clock."""

from __future__ import annotations

import pytest

from firmware.grid.meter import GridMeterFormat, field_path
from firmware.grid.surplus import SurplusFollower, SurplusTuning
from firmware.heat import HeatController, HeatSettings

TUNING = SurplusTuning(smoothing_s=1.0, min_on_s=60.0, min_off_s=60.0)


def follower() -> SurplusFollower:
    return SurplusFollower(100.0, 400.0, stale_s=30.0, tuning=TUNING)


def test_export_plus_own_draw_is_followed_within_the_band() -> None:
    f = follower()
    f.reading(0.0, -300.0, 0.0)  # exporting 300 W, heater off
    d = f.decide(0.0, 20.0, 20.0, 1.0)
    assert d.surplus_w == 300.0 and d.heat_w == 300.0
    # the heater now draws 300 W: the meter reads ~0, the true surplus is unchanged
    for t in range(1, 20):
        f.reading(float(t), 0.0, 300.0)
    assert f.decide(20.0, 20.5, 20.0, 1.0).heat_w == 300.0


def test_import_stops_the_surplus_part_only_after_min_on() -> None:
    f = follower()
    f.reading(0.0, -300.0, 0.0)
    assert f.decide(0.0, 20.0, 20.0, 1.0).heat_w == 300.0
    for t in range(1, 30):  # a cloud: importing 250 W while drawing 300 W
        f.reading(float(t), 250.0, 300.0)
    assert f.decide(30.0, 20.2, 20.0, 1.0).heat_w == 100.0  # held at the chips' lowest
    f.reading(61.0, 250.0, 300.0)
    assert f.decide(61.0, 20.2, 20.0, 1.0).heat_w == 0.0  # stopped
    f.reading(62.0, -500.0, 0.0)
    assert f.decide(62.0, 20.2, 20.0, 1.0).heat_w == 0.0  # min off holds
    f.reading(122.0, -500.0, 0.0)
    assert f.decide(122.0, 20.2, 20.0, 1.0).heat_w == 400.0  # capped at max_w


def test_the_band_ceiling_and_stale_meter() -> None:
    f = follower()
    f.reading(0.0, -300.0, 0.0)
    assert f.decide(0.0, 20.9, 20.0, 1.0).heat_w == 0.0  # within the hysteresis below 21
    assert f.decide(0.0, 20.5, 20.0, 1.0).heat_w == 300.0
    f.reading(10.0, -300.0, 300.0)
    stale = f.decide(41.0, 20.5, 20.0, 1.0)
    assert stale.surplus_w is None and stale.heat_w == 0.0  # plain thermostat at once


def test_heating_off_offers_nothing() -> None:
    f = follower()
    f.reading(0.0, -300.0, 0.0)
    assert f.decide(0.0, 18.0, None, 1.0).heat_w == 0.0


def test_controller_takes_the_larger_of_thermostat_and_surplus_within_caps() -> None:
    import datetime

    c = HeatController(HeatSettings(target_c=20.0, power_limit_w=250.0), 100.0, 400.0)
    c.set_surplus(350.0)
    d = c.tick(0.0, datetime.datetime(2026, 6, 1, 12, 0), 20.4)
    assert d.watts == 250.0 and "solar_surplus" in d.reasons  # the owner's cap still wins


@pytest.mark.parametrize(
    ("fmt", "payload", "watts"),
    [
        (GridMeterFormat(), b"-512.3", -512.3),
        (GridMeterFormat(), b" 42\n", 42.0),
        (
            GridMeterFormat(field_path("total_act_power")),
            b'{"id":0,"total_act_power":-80.5}',
            -80.5,
        ),
        (GridMeterFormat(field_path("apower")), b'{"apower": 12}', 12.0),
        (GridMeterFormat(field_path("emeters.1.power")), b'{"emeters":[{},{"power":5}]}', 5.0),
        (GridMeterFormat(export_positive=True), b"300", -300.0),
        (GridMeterFormat(unit="kW"), b"0.25", 250.0),
    ],
)
def test_meter_payload_forms(fmt: GridMeterFormat, payload: bytes, watts: float) -> None:
    assert fmt.parse(payload) == pytest.approx(watts)


@pytest.mark.parametrize(
    ("fmt", "payload", "message"),
    [
        (GridMeterFormat(), b"unavailable", "a number of watts or JSON"),
        (GridMeterFormat(), b'{"apower": 1}', "set grid_meter.field"),
        (GridMeterFormat(field_path("apower")), b'{"power": 1}', "no 'apower'"),
        (GridMeterFormat(field_path("apower")), b'{"apower": true}', "a number of watts"),
        (GridMeterFormat(), b"NaN", "|watts|"),
        (GridMeterFormat(), b"1e400", "|watts|"),
        (GridMeterFormat(), b"\xff", "UTF-8"),
    ],
)
def test_bad_meter_payloads_are_named(fmt: GridMeterFormat, payload: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("|", r"\|")):
        fmt.parse(payload)
