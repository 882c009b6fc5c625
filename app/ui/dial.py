"""The thermostat dial: a 270° arc, the target as a knob, the room temperature as a tick.

Dragging the knob previews the new target on the dial and commits it once, when the
finger lifts (one `set` per gesture, not one per pixel).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from kivy.graphics import Color, Ellipse, Line
from kivy.metrics import dp
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty
from kivy.uix.floatlayout import FloatLayout

from app.model.thermostat_view import dial_fraction, target_at_fraction
from app.ui import theme

START_DEG = -135.0  # Kivy's circle angles: 0 = 12 o'clock, clockwise
SWEEP_DEG = 270.0


def angle_for(fraction: float) -> float:
    return START_DEG + SWEEP_DEG * min(1.0, max(0.0, fraction))


def fraction_for(dx: float, dy: float) -> float:
    angle = math.degrees(math.atan2(dx, dy))
    return min(1.0, max(0.0, (angle - START_DEG) / SWEEP_DEG))


class ThermostatDial(FloatLayout):
    target_fraction = NumericProperty(0.0)
    room_fraction = NumericProperty(-1.0)  # < 0: no room reading
    pending = BooleanProperty(False)
    active = BooleanProperty(True)  # False: offline, drawn dim and not draggable
    arc_colour = ObjectProperty(theme.HEAT)

    def __init__(self, commit: Callable[[float], object], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.commit = commit
        self.dragging = False
        self.units = "C"  # the units shown; the thermostat screen keeps it current
        self.on_preview: Callable[[float], None] | None = None
        with self.canvas.before:
            Color(*theme.TRACK)
            self.track = Line(width=dp(14), cap="round")
            self.arc_tint = Color(*theme.HEAT)
            self.arc = Line(width=dp(14), cap="round")
            self.room_tint = Color(*theme.ROOM)
            self.room_tick = Ellipse()
            self.knob_tint = Color(*theme.TEXT)
            self.knob = Ellipse()
        self.bind(
            pos=self.redraw,
            size=self.redraw,
            target_fraction=self.redraw,
            room_fraction=self.redraw,
            pending=self.redraw,
            active=self.redraw,
            arc_colour=self.redraw,
        )

    @property
    def radius(self) -> float:
        return float(min(self.width, self.height) / 2 - dp(22))

    def point_at(self, fraction: float, radius: float) -> tuple[float, float]:
        angle = math.radians(angle_for(fraction))
        return self.center_x + radius * math.sin(angle), self.center_y + radius * math.cos(angle)

    def redraw(self, *_: object) -> None:
        radius = max(self.radius, 1.0)
        cx, cy = self.center
        self.track.circle = (cx, cy, radius, START_DEG, START_DEG + SWEEP_DEG)
        end = angle_for(self.target_fraction)
        self.arc.circle = (cx, cy, radius, START_DEG, max(end, START_DEG + 0.5))
        colour = self.arc_colour if self.active else theme.TEXT_DIM
        self.arc_tint.rgba = theme.PENDING if self.pending else colour
        knob = dp(34)
        kx, ky = self.point_at(self.target_fraction, radius)
        self.knob.pos, self.knob.size = (kx - knob / 2, ky - knob / 2), (knob, knob)
        tick = dp(16)
        if self.room_fraction >= 0:
            rx, ry = self.point_at(self.room_fraction, radius)
            self.room_tick.pos, self.room_tick.size = (rx - tick / 2, ry - tick / 2), (tick, tick)
        else:
            self.room_tick.size = (0, 0)

    def on_touch_down(self, touch: Any) -> bool:
        if not self.active or not self.collide_point(*touch.pos):
            return bool(super().on_touch_down(touch))
        distance = math.dist(touch.pos, self.center)
        if abs(distance - self.radius) > dp(40):
            return bool(super().on_touch_down(touch))
        touch.grab(self)
        self.dragging = True
        self.follow(touch)
        return True

    def on_touch_move(self, touch: Any) -> bool:
        if touch.grab_current is not self:
            return bool(super().on_touch_move(touch))
        self.follow(touch)
        return True

    def on_touch_up(self, touch: Any) -> bool:
        if touch.grab_current is not self:
            return bool(super().on_touch_up(touch))
        touch.ungrab(self)
        self.dragging = False
        self.follow(touch)
        self.commit(target_at_fraction(self.target_fraction, self.units))
        return True

    def follow(self, touch: Any) -> None:
        fraction = fraction_for(touch.x - self.center_x, touch.y - self.center_y)
        # Snap to the display step (0.1 °C, 0.5 °F) so the preview shows what will be sent.
        target = target_at_fraction(fraction, self.units)
        self.target_fraction = dial_fraction(target)
        if self.on_preview is not None:
            self.on_preview(target)
