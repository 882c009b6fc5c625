"""A room sensor from outside: the room temperature read from an MQTT topic (a Zigbee2MQTT
sensor's JSON, a Home Assistant sensor's plain number), with staleness (docs/config.md
`[room_sensor]`). Pure: the bridge hands payloads in, the control loop asks what to use."""

from firmware.room_sensor.payload import ROOM_MAX_C, ROOM_MIN_C, parse_room_c
from firmware.room_sensor.watch import RoomChoice, RoomSensorWatch

__all__ = ["ROOM_MAX_C", "ROOM_MIN_C", "RoomChoice", "RoomSensorWatch", "parse_room_c"]
