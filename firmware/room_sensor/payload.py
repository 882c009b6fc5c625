"""One room-temperature payload → degrees Celsius, or a ValueError saying why not.

Forms (docs/config.md `[room_sensor]`):
* a plain number, as Home Assistant's MQTT statestream and most sensors publish it:
  `21.5` (surrounding whitespace allowed; a JSON number is the same text);
* a JSON object and `field`, as Zigbee2MQTT publishes a device's state:
  `{"temperature": 21.5, "humidity": 48, ...}` with `field = "temperature"`; a dotted
  field (`"sensor.temperature"`) walks nested objects.

Home Assistant's `unavailable` / `unknown` and anything outside ROOM_MIN_C..ROOM_MAX_C
are not readings: they are refused, so they never refresh the sensor's freshness.
"""

from __future__ import annotations

import json
import math

# A room reading outside this is a broken sensor or a unit mix-up (°F), not a room.
ROOM_MIN_C = -40.0
ROOM_MAX_C = 60.0
MAX_PAYLOAD_BYTES = 65536


def parse_room_c(payload: bytes, field: str = "") -> float:
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise ValueError(
            f"room sensor: payload of {len(payload)} bytes (at most {MAX_PAYLOAD_BYTES})"
        )
    try:
        text = payload.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise ValueError("room sensor: payload is not UTF-8 text") from None
    if not field:
        return _celsius(_number(text, text), text)
    try:
        value: object = json.loads(text)
    except (ValueError, RecursionError):
        raise ValueError(f"room sensor: payload is not JSON (field {field!r} expected)") from None
    for key in field.split("."):
        if not isinstance(value, dict) or key not in value:
            raise ValueError(f"room sensor: no field {field!r} in {_short(text)}")
        value = value[key]
    return _celsius(_number(value, text), text)


def _number(value: object, text: str) -> float:
    if isinstance(value, bool) or value is None:
        raise ValueError(f"room sensor: {_short(text)} is not a temperature")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    raise ValueError(f"room sensor: {_short(text)} is not a temperature (a number in °C)")


def _celsius(value: float, text: str) -> float:
    if not math.isfinite(value) or not ROOM_MIN_C <= value <= ROOM_MAX_C:
        raise ValueError(
            f"room sensor: {_short(text)} is outside {ROOM_MIN_C:g}..{ROOM_MAX_C:g} °C"
        )
    return value


def _short(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")
