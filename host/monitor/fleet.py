"""What the monitor knows about each heater, built from its MQTT messages (docs/mqtt.md).

Pure: topics and payloads in, rows out; no broker, no clock of its own. A heater's payload
is never trusted: a `state` that is not a JSON object makes the row "bad state" (until a good
one arrives), a field of the wrong type shows as unknown, and nothing here raises on input.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

STATE = "state"
AVAILABILITY = "availability"
# A heater publishes its state at least every 10 s (docs/mqtt.md, "state"); three missed
# rounds and its numbers are old news.
STALE_AFTER_S = 30.0


@dataclass(frozen=True)
class HeaterState:
    """The `state` fields the monitor shows; None where the heater sent nothing usable."""

    mode: str | None = None
    preset: str | None = None
    action: str | None = None
    room_c: float | None = None
    target_c: float | None = None
    power_w: float | None = None
    hashrate_ghs: float | None = None
    shares_accepted: int | None = None
    shares_rejected: int | None = None
    pool: str | None = None
    alarms: tuple[str, ...] = ()
    firmware: str | None = None


@dataclass
class Heater:
    device_id: str
    availability: str | None = None  # "online", "offline", or whatever odd word it sent
    state: HeaterState | None = None
    bad_state: str | None = None  # why the last state payload was refused
    state_at: float | None = None


@dataclass
class Fleet:
    """Every heater seen under `prefix`, by device id."""

    prefix: str = "hearth"
    heaters: dict[str, Heater] = field(default_factory=dict)

    def topics(self) -> list[str]:
        return [f"{self.prefix}/+/{STATE}", f"{self.prefix}/+/{AVAILABILITY}"]

    def apply(self, topic: str, payload: bytes, now: float) -> None:
        """One message. Topics that are not `<prefix>/<id>/state|availability` are ignored;
        an empty payload (a retained message cleared) forgets that part of the heater."""
        parts = topic.split("/")
        prefix_parts = self.prefix.split("/")
        if len(parts) != len(prefix_parts) + 2 or parts[: len(prefix_parts)] != prefix_parts:
            return
        device_id, kind = parts[-2], parts[-1]
        if kind not in (STATE, AVAILABILITY) or not device_id:
            return
        heater = self.heaters.get(device_id) or Heater(device_id)
        if kind == AVAILABILITY:
            heater.availability = payload.decode("utf-8", "replace").strip() or None
        elif not payload:
            heater.state, heater.bad_state, heater.state_at = None, None, None
        else:
            parsed = parse_state(payload)
            if isinstance(parsed, HeaterState):
                heater.state, heater.bad_state = parsed, None
            else:
                heater.state, heater.bad_state = None, parsed
            heater.state_at = now
        if heater.availability is None and heater.state is None and heater.bad_state is None:
            self.heaters.pop(device_id, None)
        else:
            self.heaters[device_id] = heater

    def sorted(self) -> list[Heater]:
        return [self.heaters[key] for key in sorted(self.heaters)]


def parse_state(payload: bytes) -> HeaterState | str:
    """A HeaterState, or the reason the payload is not one."""
    try:
        decoded = json.loads(payload.decode("utf-8"))
    except UnicodeDecodeError:
        return "not UTF-8"
    except ValueError:
        return "not JSON"
    except RecursionError:
        return "nested too deeply"
    if not isinstance(decoded, dict):
        return f"JSON {type(decoded).__name__}, not an object"
    return HeaterState(
        mode=_text(decoded.get("mode")),
        preset=_text(decoded.get("preset")),
        action=_text(decoded.get("action")),
        room_c=_number(decoded.get("room_c")),
        target_c=_number(decoded.get("target_c")),
        power_w=_number(decoded.get("power_w")),
        hashrate_ghs=_number(decoded.get("hashrate_ghs")),
        shares_accepted=_count(decoded.get("shares_accepted")),
        shares_rejected=_count(decoded.get("shares_rejected")),
        pool=_text(decoded.get("pool")),
        alarms=_alarms(decoded.get("alarms")),
        firmware=_text(decoded.get("firmware")),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _count(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _alarms(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(code) for code in value if isinstance(code, str))
    return ()
