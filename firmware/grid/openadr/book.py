"""The accepted events' plans: which cap is in force now, until when, and when that next
changes. Pure; times are unix seconds handed in.

An owner's override opts out: a change to the owner's settings (a `set` over MQTT or
HTTP, the app's thermostat) while an event is in force ends the heater's part in that
event (`override`); its later modifications are refused too. Events that have not
started yet are kept: the owner overrode what was happening, not what is to come.
"""

from __future__ import annotations

from dataclasses import dataclass

from firmware.grid.openadr.policy import Plan

REMEMBERED = 256  # overridden events kept, so their modifications stay refused


@dataclass(frozen=True)
class InForce:
    max_power_w: float
    until_s: float  # unix seconds: the end of the step in force
    event_id: str


class EventBook:
    def __init__(self) -> None:
        self._plans: dict[str, Plan] = {}
        self.overridden: dict[str, float] = {}  # event id -> when (the latest 256)

    def accept(self, plan: Plan) -> None:
        """Follow `plan`, replacing an earlier version of the same event."""
        self._plans[plan.event_id] = plan

    def drop(self, event_id: str) -> bool:
        return self._plans.pop(event_id, None) is not None

    def ids(self) -> tuple[str, ...]:
        return tuple(self._plans)

    def expire(self, now_s: float) -> None:
        for event_id, plan in list(self._plans.items()):
            if plan.end_s <= now_s:
                del self._plans[event_id]

    def in_force(self, now_s: float) -> InForce | None:
        """The most restrictive cap of every plan's step covering `now_s`."""
        best: InForce | None = None
        for plan in self._plans.values():
            for step in plan.steps:
                w = step.max_power_w
                if not (step.start_s <= now_s < step.end_s) or w is None:
                    continue
                if best is None or (w, -step.end_s) < (best.max_power_w, -best.until_s):
                    best = InForce(w, step.end_s, plan.event_id)
        return best

    def next_change(self, now_s: float) -> float | None:
        """The first step boundary after `now_s`, or None when nothing is planned."""
        edges = [
            t
            for plan in self._plans.values()
            for step in plan.steps
            for t in (step.start_s, step.end_s)
            if t > now_s
        ]
        return min(edges) if edges else None

    def override(self, now_s: float) -> tuple[str, ...]:
        """The owner overrode the heater: drop and return the events limiting it now."""
        active = [
            event_id
            for event_id, plan in self._plans.items()
            if any(s.start_s <= now_s < s.end_s and s.max_power_w is not None for s in plan.steps)
        ]
        for event_id in active:
            del self._plans[event_id]
        for event_id in active:
            self.overridden[event_id] = now_s
        while len(self.overridden) > REMEMBERED:
            del self.overridden[next(iter(self.overridden))]
        return tuple(active)
