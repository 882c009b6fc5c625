"""Stats: room vs. target, power and hashrate over the last hours; energy and efficiency."""

from __future__ import annotations

from typing import Any

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout

from app.model.session import AppModel
from app.model.stats_view import DAY, WEEK, stats_view
from app.ui import theme
from app.ui.chart import LineChart
from app.ui.controls import Card, FlatButton, Text, figure
from app.ui.screens.page import Page


class StatsScreen(Page):
    def __init__(self, model: AppModel, **kwargs: Any) -> None:
        super().__init__(name="stats", **kwargs)
        self.model = model
        column = BoxLayout(orientation="vertical", padding=dp(16), spacing=dp(10))
        figures = GridLayout(cols=3, spacing=dp(8), size_hint_y=None, height=dp(78))
        today, self.energy_today = figure("Energy today")
        total, self.energy_total = figure("Energy total")
        efficiency, self.efficiency = figure("Efficiency")
        for card in (today, total, efficiency):
            figures.add_widget(card)
        column.add_widget(figures)
        # Day view: 48 h of the heater's minute history; week: 7 days of its hourly one.
        self.view = DAY
        views = BoxLayout(size_hint_y=None, height=dp(42), spacing=dp(8))
        self.view_buttons: dict[str, FlatButton] = {}
        for view, caption in ((DAY, "Day · 48 h"), (WEEK, "Week · 7 days")):
            button = FlatButton(caption)
            button.bind(on_release=lambda _b, v=view: self.pick(v))
            self.view_buttons[view] = button
            views.add_widget(button)
        column.add_widget(views)
        self.room_chart = self.chart(
            column, "[color=6cb4ff]Room[/color] and [color=ff7a2f]target[/color] temperature", "°"
        )
        self.power_chart = self.chart(column, "[color=ffc64d]Power[/color]", "W")
        self.hash_chart = self.chart(column, "[color=b58cff]Hashrate[/color]", "TH/s")
        self.note = Text("", color=theme.TEXT_DIM, size_hint_y=None)
        column.add_widget(self.note)
        self.add_widget(column)

    def chart(self, column: BoxLayout, title: str, unit: str) -> LineChart:
        card = Card(orientation="vertical")
        card.add_widget(Text(title, markup=True, size_hint_y=None, font_size=theme.FONT_MEDIUM))
        chart = LineChart(unit)
        card.add_widget(chart)
        column.add_widget(card)
        return chart

    def pick(self, view: str) -> None:
        self.view = view
        self.refresh()

    def refresh(self) -> None:
        units = self.model.settings.units
        view = stats_view(self.model.selected, units=units, now=self.model.clock(), view=self.view)
        for name, button in self.view_buttons.items():
            button.show(selected=name == self.view)
        self.energy_today.text = view.energy_today_text
        self.energy_total.text = view.energy_total_text
        self.efficiency.text = view.efficiency_text
        self.room_chart.unit = f"°{units}"
        self.room_chart.show([(view.target, theme.HEAT), (view.room, theme.ROOM)])
        self.power_chart.show([(view.power, theme.POWER)])
        self.hash_chart.show([(view.hashrate, theme.HASHRATE)])
        self.note.text = view.note
