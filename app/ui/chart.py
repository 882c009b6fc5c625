"""A time-series chart drawn with Kivy's own graphics: lines, a faint grid, value labels."""

from __future__ import annotations

from typing import Any

from kivy.graphics import Color, Line
from kivy.metrics import dp
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from app.model.stats_view import Series
from app.ui import theme

MIN_SPAN_S = 300.0


def value_range(all_series: list[Series]) -> tuple[float, float]:
    values = [value for series in all_series for _, value in series]
    if not values:
        return 0.0, 1.0
    low, high = min(values), max(values)
    pad = max((high - low) * 0.1, abs(high) * 0.02, 0.5)
    return low - pad, high + pad


class LineChart(Widget):
    def __init__(self, unit: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.unit = unit
        self.series: list[tuple[Series, theme.RGBA]] = []
        self.top_label = Label(font_size=theme.FONT_SMALL, color=theme.TEXT_DIM)
        self.bottom_label = Label(font_size=theme.FONT_SMALL, color=theme.TEXT_DIM)
        self.span_label = Label(font_size=theme.FONT_SMALL, color=theme.TEXT_DIM)
        for label in (self.top_label, self.bottom_label, self.span_label):
            self.add_widget(label)
        self.bind(pos=self.redraw, size=self.redraw)

    def show(self, series: list[tuple[Series, theme.RGBA]]) -> None:
        self.series = series
        self.redraw()

    def redraw(self, *_: object) -> None:
        low, high = value_range([points for points, _ in self.series])
        oldest = min((points[0][0] for points, _ in self.series if points), default=0.0)
        span = max(MIN_SPAN_S, -oldest)
        self.top_label.text = f"{high:.1f} {self.unit}"
        self.bottom_label.text = f"{low:.1f} {self.unit}"
        self.span_label.text = f"{ago_text(span)} – now"
        for label in (self.top_label, self.bottom_label, self.span_label):
            label.texture_update()
            label.size = label.texture_size
        # The value labels sit in a gutter left of the plot, never over its lines.
        gutter = max(self.top_label.width, self.bottom_label.width) + dp(8)
        left, bottom = self.x + dp(4) + gutter, self.y + dp(22)
        width = max(self.width - gutter - dp(12), 1)
        height = max(self.height - dp(30), 1)
        self.canvas.before.clear()
        with self.canvas.before:
            Color(*theme.TRACK)
            for step in range(4):
                y = bottom + height * step / 3
                Line(points=[left, y, left + width, y], width=1)
            for points, colour in self.series:
                if len(points) < 2:
                    continue
                Color(*colour)
                flat: list[float] = []
                for at, value in points:
                    flat += [
                        left + width * (1 + at / span),
                        bottom + height * (value - low) / (high - low),
                    ]
                Line(points=flat, width=dp(1.6))
        self.top_label.pos = (self.x + dp(4), bottom + height - self.top_label.height / 2)
        self.bottom_label.pos = (self.x + dp(4), bottom - self.bottom_label.height / 2)
        self.span_label.pos = (left + width - self.span_label.width, self.y)


def ago_text(span_s: float) -> str:
    minutes = span_s / 60
    if minutes >= 72 * 60:
        return f"{minutes / 1440:.0f} days ago"
    if minutes >= 90:
        return f"{minutes / 60:.0f} h ago"
    return f"{minutes:.0f} min ago"
