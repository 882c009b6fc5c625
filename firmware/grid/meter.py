"""The grid meter: the house's net power at its grid connection, read from an MQTT topic
(`[grid_meter]` in hearthd's config, docs/config.md), in watts, import positive (export
negative). Pure: `GridMeterFormat.parse` turns one message into watts or raises a
`ValueError` that names what was wrong; the bridge does the I/O.

The payload forms people already have (docs/mqtt.md, "Grid meter"):
    a plain number           a Home Assistant sensor through MQTT statestream or an
                             automation (`-512.3`), a Shelly Gen1 `emeter/0/power` topic
    a JSON number            `-512.3`
    a JSON object + `field`  a Shelly Pro 3EM `status/em:0` (`total_act_power`), a Shelly
                             Pro EM `status/em1:0` (`act_power`), a Shelly plug
                             `status/switch:0` (`apower`), a P1 meter bridged as JSON
                             (HomeWizard `active_power_w`); `field` is a dotted path,
                             list indices as numbers (`emeters.0.power`)
`sign = "export_positive"` flips a meter that counts export as positive; `unit = "kW"`
reads kilowatts (DSMR-style readings).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

from firmware.validation import Invalid, Validator, string

SIGNS = ("import_positive", "export_positive")
UNITS = {"W": 1.0, "kW": 1000.0}
# No house connection comes near this: a reading beyond it is a wrong field or unit.
METER_MAX_W = 1_000_000.0
MAX_PAYLOAD = 64 * 1024
# A meter's topic is the meter's own (Shelly topics hold ':'), any MQTT topic name but
# wildcards: one topic, one reading.
METER_TOPIC_PATTERN = re.compile(r"[^+#\x00]{1,256}")
FIELD_PATTERN = re.compile(r"([A-Za-z0-9_:-]+)(\.[A-Za-z0-9_:-]+)*")
FIELD_ALLOWED = 'a dotted JSON path like "total_act_power" or "emeters.0.power", or ""'


def meter_topic() -> Validator[str]:
    return string(
        pattern=METER_TOPIC_PATTERN,
        allowed="an MQTT topic of 1-256 characters without wildcards (+ #)",
    )


def field_path(value: object) -> tuple[str | int, ...]:
    """`"emeters.0.power"` → `("emeters", 0, "power")`; `""` → `()` (the payload is the
    number)."""
    text = string(allowed=FIELD_ALLOWED)(value)
    if not text:
        return ()
    if FIELD_PATTERN.fullmatch(text) is None:
        raise Invalid((), value, FIELD_ALLOWED)
    return tuple(int(part) if part.isdigit() else part for part in text.split("."))


@dataclass(frozen=True)
class GridMeterFormat:
    field: tuple[str | int, ...] = ()
    export_positive: bool = False
    unit: str = "W"

    def parse(self, payload: bytes) -> float:
        """Watts, import positive. Raises ValueError ("grid meter: ...") on anything
        that is not one clear reading."""
        if len(payload) > MAX_PAYLOAD:
            raise ValueError(f"grid meter: payload of {len(payload)} bytes; allowed: a reading")
        try:
            text = payload.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise ValueError("grid meter: payload is not UTF-8 text") from None
        try:
            value: object = json.loads(text)
        except (ValueError, RecursionError):
            raise ValueError(
                f"grid meter: payload {text[:40]!r}; allowed: a number of watts or JSON"
            ) from None
        if self.field:
            value = self._pick(value)
        elif isinstance(value, dict | list):
            raise ValueError(
                "grid meter: payload is a JSON object; set grid_meter.field to the path "
                "of its watts (e.g. total_act_power, apower, active_power_w)"
            )
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"grid meter: reading {value!r}; allowed: a number of watts")
        try:
            watts = float(value) * UNITS[self.unit]
        except OverflowError:
            watts = math.inf
        if not math.isfinite(watts) or abs(watts) > METER_MAX_W:
            raise ValueError(
                f"grid meter: reading {value!r} {self.unit}; allowed: |watts| <= {METER_MAX_W:.0f}"
            )
        return -watts if self.export_positive else watts

    def _pick(self, value: object) -> object:
        where = ""
        for part in self.field:
            where = f"{where}.{part}" if where else str(part)
            if isinstance(part, int) and isinstance(value, list) and part < len(value):
                value = value[part]
            elif isinstance(value, dict) and str(part) in value:
                value = value[str(part)]
            else:
                raise ValueError(f"grid meter: payload has no {where!r} (grid_meter.field)")
        return value
