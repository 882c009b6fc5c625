"""The weekly schedule editor: pick a day, adjust its blocks, send after validation."""

from __future__ import annotations

from typing import Any

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout

from app.model.schedule import DAYS, ScheduleEditor, ScheduleError, from_payload, is_empty
from app.model.session import AppModel
from app.model.units import format_temperature
from app.ui import theme
from app.ui.controls import Card, FlatButton, Text
from app.ui.screens.page import Page

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def applies_text(model: AppModel) -> str:
    heater = model.selected
    mode = None if heater is None else heater.shown("mode")
    if mode == "auto":
        return "The heater is in Auto: it follows this schedule."
    if mode in ("heat", "off"):
        return (
            f"The schedule applies only in Auto; the heater is in {str(mode).capitalize()} "
            "now, so it is not followed."
        )
    return "The schedule applies only in mode Auto."


class ScheduleScreen(Page):
    def __init__(self, model: AppModel, **kwargs: Any) -> None:
        super().__init__(name="schedule", **kwargs)
        self.model = model
        self.editor = ScheduleEditor()
        self.loaded_from: object = None
        self.drawn: object = None  # what the block rows show now; rebuilt only on change
        column = BoxLayout(orientation="vertical", padding=dp(16), spacing=dp(10))
        self.source = Text("", color=theme.TEXT_DIM, size_hint_y=None)
        column.add_widget(self.source)
        # The schedule is followed only in mode Auto: say so, and what the heater does now.
        self.applies = Text("", color=theme.TEXT_DIM, size_hint_y=None)
        column.add_widget(self.applies)
        days = BoxLayout(size_hint_y=None, height=dp(46), spacing=dp(4))
        self.day_buttons: dict[str, FlatButton] = {}
        for day in DAYS:
            button = FlatButton(day.capitalize())
            button.bind(on_release=lambda _b, d=day: self.pick_day(d))
            self.day_buttons[day] = button
            days.add_widget(button)
        column.add_widget(days)
        self.blocks = BoxLayout(orientation="vertical", spacing=dp(6), size_hint_y=None)
        self.blocks.bind(minimum_height=self.blocks.setter("height"))
        column.add_widget(self.blocks)
        actions = BoxLayout(size_hint_y=None, height=dp(50), spacing=dp(8))
        for text, action in (
            ("Add block", self.add_block),
            ("Copy to Mon–Fri", self.copy_weekdays),
            ("Send to heater", self.send),
        ):
            button = FlatButton(text)
            button.bind(on_release=lambda _b, a=action: a())
            actions.add_widget(button)
        column.add_widget(actions)
        self.errors = Text("", color=theme.WARNING, size_hint_y=None)
        column.add_widget(self.errors)
        column.add_widget(BoxLayout())
        self.add_widget(column)

    def pick_day(self, day: str) -> None:
        self.editor.select_day(day)
        self.refresh()

    def add_block(self) -> None:
        self.editor.add_block()
        self.refresh()

    def copy_weekdays(self) -> None:
        self.editor.copy_day_to(WEEKDAYS)
        self.refresh()

    def send(self) -> None:
        self.model.send_schedule(self.editor)
        self.refresh()

    def edit(self, action: Any) -> None:
        action()
        self.editor.validate()
        self.refresh()

    def load_from_heater(self) -> None:
        """Start from the heater's own schedule the first time it reports one."""
        heater = self.model.selected
        reported = None if heater is None or heater.state is None else heater.state.schedule
        if reported is None or reported == self.loaded_from:
            return
        self.loaded_from = reported
        if is_empty(reported):
            self.editor = ScheduleEditor()
            self.source.text = "No schedule yet. A suggested week is shown: tap Send to use it."
            return
        try:
            self.editor = ScheduleEditor(from_payload(reported))
            self.source.text = "The heater's current schedule. Changes are sent when you tap Send."
        except ScheduleError as error:
            self.source.text = (
                f"The heater's schedule could not be read ({error}); a default is shown."
            )

    def refresh(self) -> None:
        if not self.source.text:
            self.source.text = "A suggested schedule; tap Send to use it."
        self.load_from_heater()
        self.applies.text = applies_text(self.model)
        for day, button in self.day_buttons.items():
            button.show(selected=day == self.editor.day)
        units = self.model.settings.units
        editor = self.editor
        self.show_problems()
        shown = (editor.day, tuple(editor.blocks()), units)
        if shown == self.drawn:
            return
        self.drawn = shown
        self.blocks.clear_widgets()
        for index, block in enumerate(editor.blocks()):
            row = Card(size_hint_y=None, height=dp(58), padding=dp(8), spacing=dp(6))
            row.add_widget(Text(block.at, font_size=theme.FONT_LARGE, bold=True, size_hint_x=0.26))
            for text, action in (
                ("−15m", lambda i=index: editor.shift_time(i, -15)),
                ("+15m", lambda i=index: editor.shift_time(i, 15)),
            ):
                button = FlatButton(text, size_hint_x=0.13)
                button.bind(on_release=lambda _b, a=action: self.edit(a))
                row.add_widget(button)
            row.add_widget(
                Text(
                    format_temperature(block.target_c, units),
                    font_size=theme.FONT_MEDIUM,
                    color=theme.HEAT,
                    halign="center",
                    size_hint_x=0.22,
                )
            )
            for text, action in (
                ("−", lambda i=index: editor.shift_target(i, -0.5)),
                ("+", lambda i=index: editor.shift_target(i, 0.5)),
                ("×", lambda i=index: editor.remove_block(i)),
            ):
                button = FlatButton(text, size_hint_x=0.09, font_size=theme.FONT_MEDIUM)
                button.bind(on_release=lambda _b, a=action: self.edit(a))
                row.add_widget(button)
            self.blocks.add_widget(row)

    def show_problems(self) -> None:
        editor = self.editor
        pending = self.model.selected is not None and self.model.selected.pending.is_pending(
            "schedule"
        )
        problems = editor.errors or ([self.model.message] if self.model.message else [])
        self.errors.text = (
            "Sending… waiting for the heater to confirm." if pending else "\n".join(problems)
        )
