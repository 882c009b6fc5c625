"""Room-temperature payloads: Home Assistant's plain number, Zigbee2MQTT's JSON object
with a field, nested fields; and everything that is not a reading refused by name."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware.room_sensor import ROOM_MAX_C, ROOM_MIN_C, parse_room_c

Z2M = b'{"battery":97,"humidity":48.2,"linkquality":120,"temperature":21.37,"voltage":2995}'


@pytest.mark.parametrize(
    ("payload", "field", "room_c"),
    [
        (b"21.5", "", 21.5),  # Home Assistant statestream
        (b" 19\n", "", 19.0),
        (Z2M, "temperature", 21.37),  # Zigbee2MQTT
        (b'{"temperature": "20.5"}', "temperature", 20.5),
        (b'{"sensor": {"temperature": -3.5}}', "sensor.temperature", -3.5),
    ],
)
def test_documented_forms(payload: bytes, field: str, room_c: float) -> None:
    assert parse_room_c(payload, field) == room_c


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        (b"unavailable", "", "not a temperature"),  # Home Assistant's placeholders
        (b"unknown", "", "not a temperature"),
        (b"", "", "not a temperature"),
        (b"nan", "", "outside"),
        (b"70.2", "", "outside -40..60"),  # °F by mistake
        (b"true", "", "not a temperature"),
        (Z2M, "temp", "no field 'temp'"),
        (b"21.5", "temperature", "no field 'temperature' in '21.5'"),
        (b"warm", "temperature", "not JSON"),
        (b'{"temperature": null}', "temperature", "not a temperature"),
        (b'{"temperature": true}', "temperature", "not a temperature"),
        (b'[21.5]', "temperature", "no field"),
        (b"\xff\xfe", "", "not UTF-8"),
        (b"1" * 70000, "", "at most 65536"),
    ],
)
def test_what_is_not_a_reading_is_refused_saying_why(
    payload: bytes, field: str, message: str
) -> None:
    with pytest.raises(ValueError, match="room sensor") as caught:
        parse_room_c(payload, field)
    assert message in str(caught.value)


@given(st.binary(max_size=100), st.sampled_from(["", "temperature", "a.b"]))
def test_any_bytes_give_a_room_temperature_or_a_value_error(payload: bytes, field: str) -> None:
    try:
        room_c = parse_room_c(payload, field)
    except ValueError as exc:
        assert str(exc).startswith("room sensor:")
    else:
        assert ROOM_MIN_C <= room_c <= ROOM_MAX_C
