"""Power caps: every input that may limit the heater's power (docs/heat.md, "One model of
every input") posts a `Cap` under its own source name, and the most restrictive cap in
force wins. Pure, with an injected clock: `until_s` is control-clock seconds.

Sources:
    "owner"        the owner's `power_limit_w`
    "quiet_hours"  the owner's quiet hours, while they last
    "demand"       MQTT `demand` (firmware.heat.demand)
    "openadr"      an OpenADR event
    "restore"      the owner's restore ramp after a demand or OpenADR cap lifts
                   (firmware.heat.restore)

Solar surplus and prices post no cap: surplus is a floor under the thermostat's watts,
prices move the target (docs/heat.md).

The comfort floor: below `frost_c` the grid's caps (demand, openadr, restore) are not
honoured, so the room never freezes; the owner's own caps still are.
Safety limits are not caps: they live in the supervisor and the interlocks, after this.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

OWNER_SOURCES = frozenset({"owner", "quiet_hours"})
GRID_SOURCES = frozenset({"demand", "openadr", "restore"})
SOURCES = OWNER_SOURCES | GRID_SOURCES
FROST_C = 7.0  # below this the grid's caps yield: frozen pipes cost more than any tariff


@dataclass(frozen=True)
class Cap:
    source: str  # one of SOURCES
    max_power_w: float  # electrical watts, >= 0
    until_s: float | None  # control-clock seconds; None = until cleared

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(
                f"cap: source = {self.source!r}; allowed: {', '.join(sorted(SOURCES))}"
            )
        w = self.max_power_w
        if isinstance(w, bool) or not isinstance(w, int | float) or not math.isfinite(w) or w < 0:
            raise ValueError(f"cap: max_power_w = {w!r}; allowed: watts >= 0")
        u = self.until_s
        if u is not None and (
            isinstance(u, bool) or not isinstance(u, int | float) or not math.isfinite(u)
        ):
            raise ValueError(f"cap: until_s = {u!r}; allowed: control-clock seconds or None")


class CapStore:
    def __init__(self, frost_c: float = FROST_C) -> None:
        self.frost_c = frost_c
        self._caps: dict[str, Cap] = {}

    def set(self, cap: Cap) -> None:
        """Post `cap`, replacing the same source's."""
        self._caps[cap.source] = cap

    def clear(self, source: str) -> None:
        self._caps.pop(source, None)

    def get(self, source: str) -> Cap | None:
        return self._caps.get(source)

    def in_force(self, now_s: float, room_c: float | None) -> tuple[Cap, ...]:
        """Every cap honoured now, most restrictive first (ties: the earliest to end
        last, so `limited_until` is honest); expired caps are dropped. No room reading:
        no frost floor to honour."""
        for source, cap in list(self._caps.items()):
            if cap.until_s is not None and now_s >= cap.until_s:
                del self._caps[source]
        frozen = room_c is not None and room_c < self.frost_c
        honoured = [c for c in self._caps.values() if not (frozen and c.source in GRID_SOURCES)]
        return tuple(
            sorted(
                honoured,
                key=lambda c: (c.max_power_w, -(math.inf if c.until_s is None else c.until_s)),
            )
        )

    def effective(self, now_s: float, room_c: float | None) -> Cap | None:
        """The most restrictive cap in force, or None."""
        caps = self.in_force(now_s, room_c)
        return caps[0] if caps else None
