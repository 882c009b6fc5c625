"""Changes the app has asked for but the heater has not confirmed yet.

Each `set` carries a correlation `"id"` that the heater echoes on `result`. A change
stays *pending* (drawn as such) until the heater's `state` shows the value, or it is
accepted on `result` and the next `state` arrives; a refusal on `result` drops it and
keeps the heater's message; silence for CONFIRM_TIMEOUT_S drops it as unconfirmed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.model.heater_state import HeaterState

CONFIRM_TIMEOUT_S = 15.0
# The settable keys as the owner knows them, for messages in plain words.
PLAIN_NAMES = {
    "target_c": "the target temperature",
    "mode": "the mode",
    "preset": "the preset",
    "power_limit_w": "the power cap",
    "quiet_hours": "the quiet hours",
    "schedule": "the schedule",
}


def plain_names(keys: list[str]) -> str:
    return " and ".join(PLAIN_NAMES.get(key, key) for key in keys)


@dataclass
class PendingChange:
    key: str
    value: object
    request_id: str
    sent_at: float
    accepted: bool = False


def same_value(wanted: object, reported: object) -> bool:
    if isinstance(wanted, float | int) and isinstance(reported, float | int):
        return math.isclose(float(wanted), float(reported), abs_tol=0.05)
    return wanted == reported


class PendingChanges:
    def __init__(self) -> None:
        self.changes: dict[str, PendingChange] = {}
        self.last_error: str | None = None

    def add(self, settings: dict[str, object], request_id: str, now: float) -> None:
        for key, value in settings.items():
            self.changes[key] = PendingChange(key, value, request_id, now)
        self.last_error = None

    def value(self, key: str) -> object:
        change = self.changes.get(key)
        return None if change is None else change.value

    def is_pending(self, key: str) -> bool:
        return key in self.changes

    def on_result(self, request: object, ok: bool, error: str | None) -> bool:
        """Returns True if the result answered one of our requests."""
        matching = [c for c in self.changes.values() if c.request_id == request]
        if not matching:
            return False
        for change in matching:
            if ok:
                change.accepted = True
            else:
                del self.changes[change.key]
        if not ok:
            names = plain_names([change.key for change in matching])
            self.last_error = f"The heater refused {names}: {error or 'no reason given'}"
        return True

    def on_state(self, state: HeaterState) -> None:
        for key, change in list(self.changes.items()):
            reported = getattr(state, key, None)
            if change.accepted or (reported is not None and same_value(change.value, reported)):
                del self.changes[key]

    def expire(self, now: float) -> bool:
        expired = [c for c in self.changes.values() if now - c.sent_at > CONFIRM_TIMEOUT_S]
        for change in expired:
            del self.changes[change.key]
        if expired:
            names = plain_names([change.key for change in expired])
            self.last_error = f"The heater did not confirm {names}; it may be offline"
        return bool(expired)
