"""The thermostat: dial, step buttons, mode and preset, what the heater is doing."""

from __future__ import annotations

from typing import Any

from kivy.metrics import dp
from kivy.uix.anchorlayout import AnchorLayout
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout

from app.model.heater_state import MODES
from app.model.session import AppModel
from app.model.thermostat_view import thermostat_view
from app.model.units import CELSIUS, STEPS, format_step, format_temperature
from app.ui import theme
from app.ui.controls import FlatButton, Text, figure
from app.ui.dial import ThermostatDial
from app.ui.screens.page import Page

SHOWN_PRESETS = ("comfort", "eco", "boost", "away")


class ThermostatScreen(Page):
    def __init__(self, model: AppModel, **kwargs: Any) -> None:
        super().__init__(name="thermostat", **kwargs)
        self.model = model
        column = BoxLayout(orientation="vertical", padding=dp(16), spacing=dp(10))
        self.status = Text(
            "", font_size=theme.FONT_LARGE, bold=True, halign="center", size_hint_y=None
        )
        column.add_widget(self.status)
        # Pool down, power shed: said in words under the status line.
        self.notices = Text("", color=theme.WARNING, halign="center", size_hint_y=None)
        column.add_widget(self.notices)

        self.dial = ThermostatDial(commit=model.set_target, size_hint_y=None, height=dp(360))
        self.dial.on_preview = self.preview
        centre = BoxLayout(orientation="vertical", size_hint=(None, None), size=(dp(240), dp(170)))
        self.caption = Text("Target", color=theme.TEXT_DIM, halign="center", size_hint_y=None)
        self.target_label = Text(
            "—", font_size=theme.FONT_HUGE, bold=True, halign="center", size_hint_y=None
        )
        self.room_label = Text(
            "", font_size=theme.FONT_MEDIUM, color=theme.ROOM, halign="center", size_hint_y=None
        )
        for widget in (self.caption, self.target_label, self.room_label):
            centre.add_widget(widget)
        anchor = AnchorLayout(anchor_x="center", anchor_y="center")
        anchor.add_widget(centre)
        self.dial.add_widget(anchor)
        self.dial.bind(pos=lambda *_: self.place(anchor), size=lambda *_: self.place(anchor))
        column.add_widget(self.dial)

        steps = BoxLayout(size_hint_y=None, height=dp(52), spacing=dp(8))
        self.step_buttons: list[FlatButton] = []
        for index, step in enumerate(STEPS[CELSIUS]):
            button = FlatButton(format_step(step, CELSIUS), font_size=theme.FONT_MEDIUM)
            # The step of the units shown when tapped (°C: 0.1/0.5, °F: 0.5/1).
            button.bind(
                on_release=lambda _b, i=index: model.step_target(STEPS[model.settings.units][i])
            )
            self.step_buttons.append(button)
            steps.add_widget(button)
        column.add_widget(steps)

        self.mode_buttons = self.choice_row(column, MODES, model.set_mode)
        self.preset_buttons = self.choice_row(column, SHOWN_PRESETS, model.set_preset)
        figures = GridLayout(cols=3, spacing=dp(8), size_hint_y=None, height=dp(78))
        power, self.power = figure("Power")
        mining, self.hashrate = figure("Mining")
        earned, self.earned = figure("Earned")
        for card in (power, mining, earned):
            figures.add_widget(card)
        column.add_widget(figures)
        self.message = Text("", color=theme.WARNING, halign="center", size_hint_y=None)
        column.add_widget(self.message)
        column.add_widget(BoxLayout())
        self.add_widget(column)

    def place(self, anchor: AnchorLayout) -> None:
        anchor.pos, anchor.size = self.dial.pos, self.dial.size

    def choice_row(
        self, column: BoxLayout, choices: tuple[str, ...], send: Any
    ) -> dict[str, FlatButton]:
        row = BoxLayout(size_hint_y=None, height=dp(48), spacing=dp(8))
        buttons: dict[str, FlatButton] = {}
        for choice in choices:
            button = FlatButton(choice.capitalize())
            button.bind(on_release=lambda _b, c=choice: send(c))
            buttons[choice] = button
            row.add_widget(button)
        column.add_widget(row)
        return buttons

    def preview(self, target_c: float) -> None:
        self.target_label.text = format_temperature(
            target_c, self.model.settings.units, with_unit=False
        )
        self.caption.text = "Release to set"

    def refresh(self) -> None:
        units = self.model.settings.units
        view = thermostat_view(
            self.model.selected, units=units, now=self.model.clock(), message=self.model.message
        )
        for button, step in zip(self.step_buttons, STEPS[units], strict=True):
            button.text = format_step(step, units)
        self.dial.units = units
        self.status.text = view.status_text
        self.notices.text = "\n".join(view.notices)
        self.status.color = theme.ACTION_COLOURS.get(view.action or "", theme.TEXT_DIM)
        if not self.dial.dragging:
            self.target_label.text = view.target_text
            self.caption.text = "Target · sending…" if view.target_pending else "Target"
            self.dial.target_fraction = view.target_fraction
        self.room_label.text = f"Room {view.room_text}"
        self.dial.room_fraction = -1.0 if view.room_fraction is None else view.room_fraction
        self.dial.pending = view.target_pending
        self.dial.active = view.online
        self.dial.arc_colour = theme.ACTION_COLOURS.get(view.action or "", theme.HEAT)
        self.target_label.color = theme.PENDING if view.target_pending else theme.TEXT
        for mode, button in self.mode_buttons.items():
            button.show(selected=view.mode == mode, pending=view.mode_pending and view.mode == mode)
        for preset, button in self.preset_buttons.items():
            button.show(
                selected=view.preset == preset,
                pending=view.preset_pending and view.preset == preset,
            )
        self.power.text = view.power_text
        self.hashrate.text = view.hashrate_text
        self.earned.text = view.earned_text
        self.message.text = view.message
