"""Alerts: every heater's trips, faults and outages, most serious first, with what to do."""

from __future__ import annotations

from typing import Any

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.scrollview import ScrollView

from app.model.alerts import Alert
from app.model.session import AppModel
from app.ui import theme
from app.ui.controls import Card, Text
from app.ui.screens.page import Page


class AlertsScreen(Page):
    def __init__(self, model: AppModel, **kwargs: Any) -> None:
        super().__init__(name="alerts", **kwargs)
        self.model = model
        self.shown: list[tuple[str, Alert]] = []
        scroll = ScrollView()
        self.column = BoxLayout(
            orientation="vertical", padding=dp(16), spacing=dp(10), size_hint_y=None
        )
        self.column.bind(minimum_height=self.column.setter("height"))
        scroll.add_widget(self.column)
        self.add_widget(scroll)

    def refresh(self) -> None:
        current = self.model.all_alerts()
        if current == self.shown and self.column.children:
            return
        self.shown = current
        self.column.clear_widgets()
        if not current:
            card = Card(orientation="vertical", size_hint_y=None, height=dp(110))
            card.add_widget(Text("All good", font_size=theme.FONT_LARGE, bold=True, color=theme.OK))
            card.add_widget(Text("No alarms, every heater is online.", color=theme.TEXT_DIM))
            self.column.add_widget(card)
            return
        for name, alert in current:
            red, green, blue, _ = theme.SEVERITY_COLOURS[alert.severity]
            card = Card(
                orientation="vertical",
                tint=(red, green, blue, 0.22),
                size_hint_y=None,
            )
            title = Text(alert.title, font_size=theme.FONT_MEDIUM, bold=True, size_hint_y=None)
            advice = Text(alert.advice, size_hint_y=None)
            where = Text(
                f"{name} · {alert.severity} · {alert.code}",
                color=theme.TEXT_DIM,
                size_hint_y=None,
            )
            for widget in (title, advice, where):
                card.add_widget(widget)
            card.bind(minimum_height=card.setter("height"))
            self.column.add_widget(card)
