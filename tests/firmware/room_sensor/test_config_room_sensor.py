"""`[room_sensor]` in hearth.toml: defaults, the documented forms, and clear errors."""

from __future__ import annotations

import pytest

from firmware.config import ConfigError, parse_config
from firmware.config.schema import RoomSensorConfig

POOL = [{"url": "stratum+tcp://127.0.0.1:3333", "user": "bc1qtest.w"}]


def parse(room_sensor: dict[str, object]) -> RoomSensorConfig:
    return parse_config({"pool": POOL, "room_sensor": room_sensor}).room_sensor


def test_defaults_mean_the_heaters_own_sensor() -> None:
    assert parse_config({"pool": POOL}).room_sensor == RoomSensorConfig()
    assert RoomSensorConfig().topic == ""


def test_zigbee2mqtt_and_home_assistant_forms() -> None:
    z2m = parse({"topic": "zigbee2mqtt/Living room", "field": "temperature"})
    assert (z2m.topic, z2m.field) == ("zigbee2mqtt/Living room", "temperature")
    assert z2m.stale_minutes == 10.0
    ha = parse({"topic": "homeassistant/sensor/living_temperature/state", "stale_minutes": 30})
    assert (ha.field, ha.stale_minutes, ha.fallback_percent) == ("", 30.0, 25.0)


@pytest.mark.parametrize(
    ("table", "key", "allowed"),
    [
        ({"topic": "zigbee2mqtt/+"}, "room_sensor.topic", "no wildcard"),
        ({"topic": "a//b"}, "room_sensor.topic", "none empty"),
        ({"topic": 7}, "room_sensor.topic", "MQTT topic"),
        ({"field": "temperature"}, "room_sensor.topic", "whenever room_sensor.field is set"),
        ({"topic": "t", "field": "a..b"}, "room_sensor.field", "JSON key"),
        ({"topic": "t", "stale_minutes": 0.5}, "room_sensor.stale_minutes", "1.0..1440.0"),
        ({"topic": "t", "fallback_percent": 100}, "room_sensor.fallback_percent", "0.0..50.0"),
        ({"topic": "t", "stale": 5}, "room_sensor.stale", "no such key"),
    ],
)
def test_bad_values_are_refused_naming_key_value_and_what_is_allowed(
    table: dict[str, object], key: str, allowed: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(table)
    assert key in str(caught.value) and allowed in str(caught.value)
