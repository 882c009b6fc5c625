"""A room as a thermal model: air and structure masses, outdoor and the rest of the house,
a heater with a heat-sink lag, sun, doors and windows, and a noisy, lagging, quantised
sensor. Pure `step(dt)` core; `RoomRunner` drives it from a clock in real or
accelerated time."""

from hw.sim.room.climate import Climate
from hw.sim.room.model import Room, RoomState
from hw.sim.room.params import ROOMS, RoomParams, room_params
from hw.sim.room.runner import RoomRunner
from hw.sim.room.sensor import Sensor, SensorParams

__all__ = [
    "ROOMS",
    "Climate",
    "Room",
    "RoomParams",
    "RoomRunner",
    "RoomState",
    "Sensor",
    "SensorParams",
    "room_params",
]
