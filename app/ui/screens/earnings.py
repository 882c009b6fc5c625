"""Earnings: shares, satoshis, and what the heat really cost, in plain words."""

from __future__ import annotations

from typing import Any

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout

from app.model.earnings import Earnings, format_sats
from app.model.session import AppModel
from app.ui import theme
from app.ui.controls import Card, Text, figure
from app.ui.screens.page import Page


class EarningsScreen(Page):
    def __init__(self, model: AppModel, **kwargs: Any) -> None:
        super().__init__(name="earnings", **kwargs)
        self.model = model
        column = BoxLayout(orientation="vertical", padding=dp(16), spacing=dp(10))
        headline = Card(orientation="vertical", size_hint_y=None, height=dp(150))
        self.headline = Text("", font_size=theme.FONT_LARGE, bold=True, color=theme.OK)
        headline.add_widget(self.headline)
        column.add_widget(headline)
        grid = GridLayout(cols=2, spacing=dp(8), size_hint_y=None, height=dp(4 * 86))
        self.values = {}
        for key, title in (
            ("sats_today", "Earned today"),
            ("sats_total", "Earned in total"),
            ("cost", "Electricity today"),
            ("value", "Mining value today"),
            ("shares", "Shares accepted"),
            ("rejected", "Shares rejected"),
            ("energy", "Heat today"),
            ("offset", "Cost offset today"),
        ):
            card, label = figure(title)
            self.values[key] = label
            grid.add_widget(card)
        column.add_widget(grid)
        self.inputs = Text("", color=theme.TEXT_DIM, size_hint_y=None)
        column.add_widget(self.inputs)
        column.add_widget(BoxLayout())
        self.add_widget(column)

    def refresh(self) -> None:
        heater, settings = self.model.selected, self.model.settings
        state = None if heater is None else heater.state
        earnings = Earnings(
            energy_kwh=None if heater is None else heater.energy_today_kwh(),
            sats=None if heater is None else heater.sats_today(),
            tariff_per_kwh=settings.tariff_per_kwh,
            btc_price=settings.btc_price,
            currency=settings.currency,
        )
        self.headline.text = earnings.summary()
        self.values["sats_today"].text = format_sats(earnings.sats)
        self.values["sats_total"].text = format_sats(None if state is None else state.earned_sats)
        self.values["cost"].text = earnings.money(earnings.cost)
        self.values["value"].text = earnings.money(earnings.value)
        accepted = None if state is None else state.shares_accepted
        rejected = None if state is None else state.shares_rejected
        self.values["shares"].text = "—" if accepted is None else f"{accepted:,.0f}"
        self.values["rejected"].text = "—" if rejected is None else f"{rejected:,.0f}"
        energy = earnings.energy_kwh
        self.values["energy"].text = "—" if energy is None else f"{energy:.2f} kWh"
        offset = earnings.offset
        self.values["offset"].text = "—" if offset is None else f"{offset * 100:.0f}%"
        self.inputs.text = (
            f"Electricity {settings.currency}{settings.tariff_per_kwh:.3f}/kWh · "
            f"BTC {settings.currency}{settings.btc_price:,.0f} — change them in Settings. "
            "Satoshis are the pool's expected value of your accepted shares."
        )
