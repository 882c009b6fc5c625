"""Drive a `Room` from a clock: each `advance()` steps the model by the clock time that
passed since the last call times `speed`, in steps of at most `max_step_s`. With
`time.monotonic` it runs in real time (speed 1) or accelerated (speed > 1); tests inject
their own clock."""

from __future__ import annotations

import time
from collections.abc import Callable

from hw.sim.room.model import Room, RoomState


class RoomRunner:
    def __init__(
        self,
        room: Room,
        clock: Callable[[], float] = time.monotonic,
        speed: float = 1.0,
        max_step_s: float = 10.0,
    ) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be > 0, got {speed}")
        if max_step_s <= 0:
            raise ValueError(f"max_step_s must be > 0, got {max_step_s}")
        self.room = room
        self.speed = speed
        self.max_step_s = max_step_s
        self.heater_w = 0.0
        self._clock = clock
        self._last = clock()

    def set_heater(self, watts: float) -> RoomState:
        """Bring the room up to now at the old power, then switch to `watts`."""
        state = self.advance()
        if watts < 0:
            raise ValueError(f"heater watts must be >= 0, got {watts}")
        self.heater_w = watts
        return state

    def advance(self) -> RoomState:
        now = self._clock()
        sim_dt = max(0.0, now - self._last) * self.speed
        self._last = now
        while sim_dt > 0:
            h = min(self.max_step_s, sim_dt)
            self.room.step(h, self.heater_w)
            sim_dt -= h
        return self.room.state()
