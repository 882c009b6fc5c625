"""Demand response as the daemon drives it: a shed "until the next signal" (the MQTT
`"shed"` word) still ends by itself after MAX_SHED_S, and a restore lifts it at once."""

from __future__ import annotations

import datetime

from firmware.heat import DemandSignal, HeatController, HeatSettings
from firmware.heat.demand import MAX_SHED_S
from tests.firmware.heat.loop import MAX_W, MIN_W

NOON = datetime.datetime(2026, 11, 23, 12, 0)


def test_an_open_ended_shed_expires_after_the_maximum() -> None:
    heat = HeatController(HeatSettings(mode="heat", target_c=21.0), MIN_W, MAX_W)
    heat.demand_response(0.0, DemandSignal(max_power_w=0.0))  # "until the next signal"
    shed = heat.tick(10.0, NOON, 18.0)
    assert shed.watts == 0.0 and "demand_response" in shed.reasons
    still = heat.tick(MAX_SHED_S - 10.0, NOON, 18.0)
    assert still.watts == 0.0 and "demand_response" in still.reasons
    after = heat.tick(MAX_SHED_S + 10.0, NOON, 18.0)
    assert "demand_response" not in after.reasons
    assert after.watts > 0.0


def test_restore_lifts_the_cap_at_once() -> None:
    heat = HeatController(HeatSettings(mode="heat", target_c=21.0), MIN_W, MAX_W)
    heat.demand_response(0.0, DemandSignal(max_power_w=100.0))
    assert heat.tick(10.0, NOON, 18.0).limit_w == 100.0
    heat.demand_response(20.0, DemandSignal(max_power_w=None))
    assert heat.tick(30.0, NOON, 18.0).limit_w == MAX_W
