"""The few styled building blocks every screen uses: cards, labels, flat buttons."""

from __future__ import annotations

from typing import Any

from kivy.graphics import Color, RoundedRectangle
from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.label import Label

from app.ui import theme


class Card(BoxLayout):
    """A rounded panel; `tint` recolours it (alerts by severity)."""

    def __init__(self, tint: theme.RGBA = theme.SURFACE, **kwargs: Any) -> None:
        kwargs.setdefault("padding", dp(14))
        kwargs.setdefault("spacing", dp(6))
        super().__init__(**kwargs)
        with self.canvas.before:
            self.tint = Color(*tint)
            self.panel = RoundedRectangle(radius=[dp(16)])
        self.bind(pos=self.redraw, size=self.redraw)

    def redraw(self, *_: object) -> None:
        self.panel.pos, self.panel.size = self.pos, self.size

    def set_tint(self, tint: theme.RGBA) -> None:
        self.tint.rgba = tint


class Text(Label):
    """A label that wraps to its width and grows to its text's height."""

    def __init__(self, text: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("font_size", theme.FONT_SMALL)
        kwargs.setdefault("color", theme.TEXT)
        kwargs.setdefault("halign", "left")
        kwargs.setdefault("valign", "middle")
        super().__init__(text=text, **kwargs)
        self.bind(width=self.wrap)
        if kwargs.get("size_hint_y", 1) is None:
            self.height = dp(24)
            self.bind(texture_size=self.fit_height)

    def wrap(self, *_: object) -> None:
        self.text_size = (self.width, None)

    def fit_height(self, *_: object) -> None:
        self.height = max(self.texture_size[1], dp(24))


class FlatButton(Button):
    """A flat rounded button; `selected` fills it with the accent colour."""

    def __init__(self, text: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("font_size", theme.FONT_SMALL)
        kwargs.setdefault("color", theme.TEXT)
        super().__init__(text=text, background_normal="", background_down="", **kwargs)
        self.background_color = (0, 0, 0, 0)
        with self.canvas.before:
            self.fill = Color(*theme.SURFACE_HIGH)
            self.panel = RoundedRectangle(radius=[dp(12)])
        self.bind(pos=self.redraw, size=self.redraw)

    def redraw(self, *_: object) -> None:
        self.panel.pos, self.panel.size = self.pos, self.size

    def show(self, *, selected: bool = False, pending: bool = False) -> None:
        if pending:
            self.fill.rgba = theme.PENDING
            self.color = theme.BACKGROUND
        elif selected:
            self.fill.rgba = theme.SELECTED
            self.color = theme.BACKGROUND
        else:
            self.fill.rgba = theme.SURFACE_HIGH
            self.color = theme.TEXT


def figure(title: str) -> tuple[Card, Label]:
    """A small card with a caption and a value label (returned to be updated)."""
    card = Card(orientation="vertical", size_hint_y=None, height=dp(78))
    card.add_widget(Text(title, color=theme.TEXT_DIM, font_size=theme.FONT_SMALL))
    value = Text("—", font_size=theme.FONT_FIGURE, bold=True, shorten=True)
    card.add_widget(value)
    return card, value
