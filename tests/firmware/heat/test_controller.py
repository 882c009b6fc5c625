"""The heat controller: modes, presets, the schedule in a simulated room, window
detection, power caps, demand response and tariff shifting."""

from __future__ import annotations

import datetime

import pytest

from firmware.heat import (
    DemandSignal,
    HeatController,
    HeatSettings,
    PriceSchedule,
    SettingsLimits,
    apply_update,
    parse_demand,
)
from firmware.heat.demand import MAX_SHED_S
from tests.firmware.heat.loop import DT_S, MAX_W, MIN_W, still_room

LIMITS = SettingsLimits(MAX_W)
MONDAY = datetime.datetime(2026, 11, 23)


def controller(**patch: object) -> HeatController:
    settings = apply_update(HeatSettings(), patch, LIMITS) if patch else HeatSettings()
    return HeatController(settings, MIN_W, MAX_W, room_max_c=28.0)


def at(hours: float) -> datetime.datetime:
    return MONDAY + datetime.timedelta(hours=hours)


def test_off_mode_is_off() -> None:
    c = controller(mode="off")
    d = c.tick(0.0, at(12), 10.0)
    assert (d.watts, d.action, d.target_c) == (0.0, "off", None)


def test_heat_mode_uses_preset_or_dial() -> None:
    assert controller(mode="heat", preset="eco").tick(0.0, at(12), 15.0).target_c == 18.0
    assert controller(mode="heat", target_c=22.5).tick(0.0, at(12), 15.0).target_c == 22.5
    boost = controller(preset="boost").tick(0.0, at(12), 15.0)
    assert boost.target_c == 23.0 and boost.action == "heating" and boost.watts == MAX_W


def test_target_never_exceeds_the_boards_room_limit() -> None:
    c = HeatController(
        apply_update(HeatSettings(), {"target_c": 30.0}, LIMITS), MIN_W, MAX_W, room_max_c=26.0
    )
    assert c.tick(0.0, at(12), 20.0).target_c == 26.0


def test_auto_follows_the_schedule_and_falls_back_without_one() -> None:
    schedule = {"mon": [{"at": "06:30", "target_c": 21.0}, {"at": "22:00", "target_c": 17.0}]}
    c = controller(mode="auto", schedule=schedule, target_c=19.0)
    assert c.tick(0.0, at(5), 18.0).target_c == 17.0
    assert c.tick(10.0, at(7), 18.0).target_c == 21.0
    assert controller(mode="auto", target_c=19.0).tick(0.0, at(7), 18.0).target_c == 19.0


def run_room(c: HeatController, room_name: str, hours: float, start_h: float = 0.0, events=None):
    room = still_room(room_name, 20.0)
    watts, log = 0.0, []
    for k in range(int(hours * 3600 / DT_S)):
        now = start_h * 3600 + k * DT_S
        if events:
            events(now, room)
        state = room.step(DT_S, watts)
        d = c.tick(now + DT_S, MONDAY + datetime.timedelta(seconds=now + DT_S), state.sensor_c)
        watts = d.watts
        log.append((now + DT_S, state.air_c, d))
    return log


def test_schedule_transitions_in_a_room() -> None:
    schedule = {
        "mon": [{"at": "00:00", "target_c": 20.0}, {"at": "08:00", "target_c": 21.5}],
    }
    c = controller(mode="auto", schedule=schedule)
    log = run_room(c, "living", 16.0)
    before = [air for t, air, _ in log if 5 * 3600 <= t < 8 * 3600]
    after = [air for t, air, _ in log if t >= 13 * 3600]
    assert abs(sum(before) / len(before) - 20.0) < 0.2
    assert abs(sum(after) / len(after) - 21.5) < 0.2
    assert max(air for t, air, _ in log if t >= 8 * 3600) < 21.5 + 0.3


@pytest.mark.parametrize("room_name", ["snug", "living", "hall"])
def test_open_window_pauses_heating_then_resumes(room_name: str) -> None:
    c = controller(target_c=20.0)

    def window(now: float, room) -> None:
        if now == 10 * 3600:
            room.open_window(duration_s=1800.0)

    log = run_room(c, room_name, 13.0, events=window)
    paused = [t for t, _, d in log if "window_open" in d.reasons]
    assert paused, "the open window was not detected"
    assert 10 * 3600 < paused[0] < 10 * 3600 + 600  # within minutes
    assert all(
        d.watts == 0.0 and d.action == "idle" for _, _, d in log if "window_open" in d.reasons
    )
    assert log[-1][2].watts > 0  # heating again once closed
    assert not any("window_open" in d.reasons for t, _, d in log if t < 10 * 3600)


def test_window_detection_can_be_turned_off() -> None:
    c = controller(target_c=20.0, window_detection=False)

    def window(now: float, room) -> None:
        if now == 10 * 3600:
            room.open_window(duration_s=1800.0)

    log = run_room(c, "living", 11.0, events=window)
    assert not any("window_open" in d.reasons for _, _, d in log)


def test_power_limit_and_quiet_hours_cap_the_watts() -> None:
    c = controller(power_limit_w=300, quiet_hours={"from": "22:00", "to": "07:00", "limit_w": 120})
    day = c.tick(0.0, at(12), 10.0)
    assert day.watts == 300.0 and day.limit_w == 300.0 and "power_limit" in day.reasons
    night = [c.tick(10.0 * k, at(23), 10.0) for k in range(1, 400)]
    assert all(d.watts <= 120.0 for d in night)
    assert "quiet_hours" in night[-1].reasons
    below_min = controller(quiet_hours={"from": "22:00", "to": "07:00", "limit_w": MIN_W - 1})
    assert below_min.tick(0.0, at(23), 10.0).watts == 0.0
    assert below_min.tick(10.0, at(12), 10.0).watts == MAX_W


def test_demand_response_sheds_at_once_restores_and_expires() -> None:
    c = controller(target_c=21.0)
    assert c.tick(0.0, at(12), 18.0).watts == MAX_W
    c.demand_response(5.0, parse_demand(b'{"max_power_w": 0, "duration_s": 600}'))
    shed = c.tick(10.0, at(12), 18.0)
    assert (shed.watts, shed.action) == (0.0, "idle") and "demand_response" in shed.reasons
    c.demand_response(20.0, parse_demand(b"normal"))
    assert c.tick(30.0, at(12), 18.0).watts == MAX_W
    c.demand_response(40.0, DemandSignal(max_power_w=150.0, duration_s=60.0))
    assert c.tick(50.0, at(12), 18.0).watts <= 150.0
    assert c.tick(110.0, at(12), 18.0).watts == MAX_W  # expired by itself


def test_demand_response_yields_to_frost_protection() -> None:
    c = controller(target_c=21.0)
    c.demand_response(0.0, DemandSignal(max_power_w=0.0, duration_s=3600.0))
    assert c.tick(10.0, at(12), 5.0).watts > 0


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"off", "usable JSON"),
        (b'{"max_power_w": -5}', "max_power_w"),
        (b'{"max_power_w": 0, "duration_s": %d}' % (MAX_SHED_S + 1), "duration_s"),
        (b'{"max_power_w": 0, "extra": 1}', "extra"),
        (b'{"duration_s": 10}', "needs a max_power_w"),
    ],
)
def test_bad_demand_signals_are_refused(payload: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_demand(payload)


def test_cheap_hours_preheat_then_coast() -> None:
    c = controller(target_c=20.0, cheap_hours=["00:00-07:00"], comfort_band_c=1.0)
    assert c.tick(0.0, at(2), 19.0).target_c == 20.0  # cheap, nothing expensive soon
    pre = c.tick(10.0, at(5.5), 19.0)
    assert pre.target_c == 20.85 and "preheat" in pre.reasons and pre.owner_target_c == 20.0
    coast = c.tick(20.0, at(9), 19.0)
    assert coast.target_c == 19.65 and "coast" in coast.reasons


def test_price_schedule_overrides_cheap_hours() -> None:
    c = controller(target_c=20.0, comfort_band_c=2.0)
    day = [(at(0), 0.20), (at(6), 0.50), (at(9), 0.10), (at(17), 0.45)]
    c.set_prices(PriceSchedule.of(day, end=at(24)))
    # margins inside the band's edges: BAND_MARGIN_C
    assert c.tick(0.0, at(7), 19.0).target_c == 19.15  # the dearest third: coast by band/2
    assert c.tick(10.0, at(15.5), 19.0).target_c == 21.85  # the cheapest: pre-heat
    c.set_prices(None)
    assert c.tick(20.0, at(7), 19.0).target_c == 20.0


def test_tariff_shifting_moves_energy_into_cheap_hours() -> None:
    def energy_share(patch: dict) -> float:
        c = controller(**patch)
        log = run_room(c, "living", 48.0)
        cheap = sum(d.watts for t, _, d in log if t > 24 * 3600 and (t / 3600) % 24 < 7)
        total = sum(d.watts for t, _, d in log if t > 24 * 3600)
        return cheap / total

    flat = energy_share({"target_c": 20.0})
    shifted = energy_share(
        {"target_c": 20.0, "cheap_hours": ["00:00-07:00"], "comfort_band_c": 1.0}
    )
    assert shifted > flat + 0.05
