"""The room model: physics that holds (energy balance, two masses, lags), events that
act, a sensor that behaves like one, and a runner that follows its clock."""

from __future__ import annotations

import dataclasses

import pytest

from hw.sim.room import ROOMS, Climate, Room, RoomParams, RoomRunner, SensorParams, room_params

STILL = Climate(outdoor_mean_c=5.0, outdoor_swing_c=0.0, sunrise_hour=12.0, sunset_hour=12.0)


def still_room(name: str = "living") -> Room:
    """A room with constant weather and no sun, and an exact sensor."""
    params = dataclasses.replace(ROOMS[name], climate=STILL)
    return Room(params, sensor=SensorParams(lag_s=0.0, noise_c=0.0, resolution_c=0.0))


@pytest.mark.parametrize("name", sorted(ROOMS))
def test_steady_heat_holds_the_room(name: str) -> None:
    room = still_room(name)
    room.settle(21.0)
    watts = room.steady_heat_w(21.0)
    assert watts > 0
    for _ in range(6 * 360):
        room.step(10.0, watts)
    assert room.air_c == pytest.approx(21.0, abs=0.01)


@pytest.mark.parametrize("name", sorted(ROOMS))
def test_more_heat_warms_air_first_then_structure(name: str) -> None:
    room = still_room(name)
    room.settle(20.0)
    base = room.steady_heat_w(20.0)
    structure0 = room.structure_c
    for _ in range(180):  # 30 min
        room.step(10.0, base + 200.0)
    air_rise = room.air_c - 20.0
    structure_rise = room.structure_c - structure0
    assert air_rise > 0.3
    assert 0 < structure_rise < air_rise / 2


def test_heater_lag_delays_heat() -> None:
    room = still_room()
    room.settle(20.0)
    heat0 = room.heater_heat_w
    state = room.step(10.0, heat0 + 300.0)
    # after one step only a fraction of the new power has come through the heat sink
    assert heat0 < state.heater_heat_w < heat0 + 300.0 * 0.2


def test_open_window_cools_fast_and_closes_by_itself() -> None:
    room = still_room("living")
    room.settle(21.0)
    watts = room.steady_heat_w(21.0)
    room.open_window(duration_s=600.0)
    assert room.window_open
    for _ in range(30):
        state = room.step(10.0, watts)
    assert state.air_c < 20.0
    for _ in range(31):
        state = room.step(10.0, watts)
    assert not state.window_open


def test_open_door_pulls_towards_the_rest_of_the_house() -> None:
    room = still_room("living")
    room.settle(23.0)
    watts = room.steady_heat_w(23.0)
    room.open_door()
    for _ in range(60):
        room.step(10.0, watts)
    assert room.air_c < 22.5
    room.close_door()
    assert not room.door_open


def test_sun_warms_the_room_by_day_only() -> None:
    climate = Climate(outdoor_mean_c=5.0, outdoor_swing_c=0.0)
    assert climate.sun_fraction(3 * 3600.0) == 0.0
    assert climate.sun_fraction(12.5 * 3600.0) == pytest.approx(1.0)
    sunny = Room(dataclasses.replace(ROOMS["living"], climate=climate), start_s=10 * 3600.0)
    dark = Room(
        dataclasses.replace(ROOMS["living"], climate=climate, sun_peak_w=0.0), start_s=10 * 3600.0
    )
    for room in (sunny, dark):
        for _ in range(360):
            room.step(10.0, 0.0)
    assert sunny.air_c > dark.air_c + 0.3


def test_outdoor_swing_is_coldest_at_dawn() -> None:
    climate = Climate(outdoor_mean_c=0.0, outdoor_swing_c=4.0, coldest_hour=5.0)
    assert climate.outdoor_c(5 * 3600.0) == pytest.approx(-4.0)
    assert climate.outdoor_c(17 * 3600.0) == pytest.approx(4.0)


def test_rooms_have_very_different_time_constants() -> None:
    snug, hall = ROOMS["snug"], ROOMS["hall"]
    assert hall.air_time_constant_s > 2 * snug.air_time_constant_s
    assert set(ROOMS) >= {"snug", "living", "hall"}


def test_sensor_noise_lag_and_quantisation() -> None:
    params = dataclasses.replace(ROOMS["living"], climate=STILL)
    room = Room(params, sensor=SensorParams(lag_s=60.0, noise_c=0.1, resolution_c=0.1), seed=3)
    room.settle(20.0)
    readings = []
    for _ in range(200):
        readings.append(room.step(10.0, room.steady_heat_w(20.0)).sensor_c)
    assert all(abs(r * 10 - round(r * 10)) < 1e-6 for r in readings)  # 0.1 °C steps
    assert all(abs(r - 20.0) <= 0.151 for r in readings)
    assert len(set(readings)) > 1  # it is noisy
    # lag: a sudden jump of the air shows up in the sensor only gradually
    room.air_c += 2.0
    first = room.step(10.0, 0.0).sensor_c
    assert first < room.air_c - 1.0


def test_bad_inputs_are_refused() -> None:
    room = still_room()
    with pytest.raises(ValueError, match="dt_s"):
        room.step(-1.0, 0.0)
    with pytest.raises(ValueError, match="heater_w"):
        room.step(1.0, -5.0)
    with pytest.raises(ValueError, match="air_capacity_j_k"):
        dataclasses.replace(ROOMS["snug"], air_capacity_j_k=0.0)
    with pytest.raises(ValueError, match="no such room"):
        room_params("kitchen")
    assert isinstance(room_params("hall"), RoomParams)


def test_runner_follows_its_clock_and_speed() -> None:
    now = [0.0]
    room = still_room()
    room.settle(20.0)
    runner = RoomRunner(room, clock=lambda: now[0], speed=60.0, max_step_s=10.0)
    runner.set_heater(room.steady_heat_w(20.0) + 500.0)
    now[0] = 30.0  # 30 wall seconds at 60x = 30 simulated minutes
    state = runner.advance()
    assert state.t_s == pytest.approx(1800.0)
    assert state.air_c > 20.5
    with pytest.raises(ValueError):
        runner.set_heater(-1.0)
    with pytest.raises(ValueError):
        RoomRunner(room, speed=0.0)
