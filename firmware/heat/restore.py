"""The restore ramp: after a grid event's cap lifts, power climbs back at the owner's
pace (`restore_ramp_s`), so heaters released by one signal do not all return to full
power in the same second (cold-load pickup). Pure, with an injected clock.

While an event cap (MQTT `demand`, OpenADR) is in force the ramp remembers where it
holds power. Once that cap lifts or rises, `update` returns a "restore" `Cap` whose
ceiling climbs from there by `max_w / restore_ramp_s` watts a second, until it reaches
the board's maximum and ends. Posted in the `CapStore`, it is a cap like any other:
the thermostat saturates against it (no wind-up), the state shows it in `limited_by`,
and below the frost floor it yields (a grid source). `restore_ramp_s` 0: no ramp,
power returns as fast as the chips' PLL ramp allows. Going down is never ramp-limited.
"""

from __future__ import annotations

from collections.abc import Iterable

from firmware.heat.caps import Cap

EVENT_SOURCES = frozenset({"demand", "openadr"})


class RestoreRamp:
    def __init__(self) -> None:
        self._from_w: float | None = None  # where the last event cap held power
        self._since_s = 0.0  # ... until this control-clock time

    def update(
        self, now_s: float, in_force: Iterable[Cap], max_w: float, ramp_s: float
    ) -> Cap | None:
        """The restore cap to post now (None: no ramp running), given the caps in force."""
        held = [c.max_power_w for c in in_force if c.source in EVENT_SOURCES]
        if held:
            self._from_w, self._since_s = min(held), now_s
            return None
        if self._from_w is None or ramp_s <= 0 or max_w <= 0:
            self._from_w = None
            return None
        rate_w_s = max_w / ramp_s
        ceiling = self._from_w + rate_w_s * (now_s - self._since_s)
        if ceiling >= max_w:
            self._from_w = None
            return None
        return Cap("restore", ceiling, self._since_s + (max_w - self._from_w) / rate_w_s)
