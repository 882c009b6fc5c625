"""Settings: heaters found on the LAN and pairing, the broker and the heaters on it,
units, tariff and BTC price, power caps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.scrollview import ScrollView
from kivy.uix.textinput import TextInput

from app.model.found import FoundHeater
from app.model.heater import Heater
from app.model.session import AppModel
from app.model.settings import AppSettings, SettingsError, checked, parse_broker_address
from app.model.units import UNITS, format_temperature
from app.ui import theme
from app.ui.controls import Card, FlatButton, Text
from app.ui.screens.page import Page


def field(hint: str, text: str = "", *, password: bool = False) -> TextInput:
    return TextInput(
        text=text,
        hint_text=hint,
        password=password,
        multiline=False,
        font_size=theme.FONT_MEDIUM,
        size_hint_y=None,
        height=dp(44),
        background_color=theme.SURFACE_HIGH,
        foreground_color=theme.TEXT,
        hint_text_color=theme.TEXT_DIM,
        cursor_color=theme.HEAT,
    )


FOUND_TITLE = "Heaters on your network"


def found_text(heater: FoundHeater) -> str:
    state = "pairing open" if heater.pairing_open else "tap to pair"
    version = f" · v{heater.version}" if heater.version else ""
    return f"{heater.name}{version} · {state}"


def room_of(heater: Heater) -> float | None:
    return None if heater.state is None else heater.state.room_c


class SettingsScreen(Page):
    def __init__(
        self,
        model: AppModel,
        connect: Callable[[AppSettings], None],
        pair: Callable[[str, str], None],
        **kwargs: Any,
    ) -> None:
        super().__init__(name="settings", **kwargs)
        self.model = model
        self.connect = connect
        self.pair = pair
        self.drawn_heaters: object = None
        self.drawn_found: object = None
        s = model.settings
        scroll = ScrollView()
        column = BoxLayout(orientation="vertical", padding=dp(16), spacing=dp(10), size_hint_y=None)
        column.bind(minimum_height=column.setter("height"))

        # Heaters advertised on the LAN: tap one, type its code, paired (no password).
        self.found_box = self.section(column, FOUND_TITLE)
        self.code = field("6-digit code")
        self.code.input_filter = "int"
        self.pair_button = FlatButton("Pair", size_hint_y=None, height=dp(46))
        self.pair_button.bind(on_release=lambda *_: self.apply_code())
        self.pairing_text = Text("", color=theme.TEXT_DIM, size_hint_y=None)

        broker = self.section(column, "Remote broker (typed by hand)")
        address = f"{s.broker_host}:{s.broker_port}" if s.broker_host else ""
        self.address = field("host:port of the broker", address)
        self.username = field("user name", s.username)
        self.password = field("password", s.password, password=True)
        for widget in (self.address, self.username, self.password):
            broker.add_widget(widget)
        self.connection = Text("", color=theme.TEXT_DIM, size_hint_y=None)
        broker.add_widget(self.connection)
        connect_button = FlatButton("Connect", size_hint_y=None, height=dp(46))
        connect_button.bind(on_release=lambda *_: self.apply_broker())
        broker.add_widget(connect_button)

        self.heaters_box = self.section(column, "Heaters on this broker")

        display = self.section(column, "Units and prices")
        units_row = BoxLayout(size_hint_y=None, height=dp(44), spacing=dp(8))
        self.unit_buttons: dict[str, FlatButton] = {}
        for unit in UNITS:
            button = FlatButton(f"°{unit}")
            button.bind(on_release=lambda _b, u=unit: self.store(units=u))
            self.unit_buttons[unit] = button
            units_row.add_widget(button)
        display.add_widget(units_row)
        grid = GridLayout(cols=2, spacing=dp(8), size_hint_y=None, height=dp(3 * 52))
        self.tariff = field("price per kWh", f"{s.tariff_per_kwh:g}")
        self.currency = field("currency", s.currency)
        self.btc_price = field("BTC price", f"{s.btc_price:g}")
        for caption, widget in (
            ("Electricity / kWh", self.tariff),
            ("Currency", self.currency),
            ("BTC price", self.btc_price),
        ):
            grid.add_widget(Text(caption, color=theme.TEXT_DIM))
            grid.add_widget(widget)
            # Kept the moment they change (saved by the app), no button to forget.
            widget.bind(text=lambda *_: self.apply_prices())
        display.add_widget(grid)

        power = self.section(column, "Power")
        self.power_limit = field("power cap in W (0 = no cap)")
        power.add_widget(self.power_limit)
        cap = FlatButton("Send power cap", size_hint_y=None, height=dp(44))
        cap.bind(on_release=lambda *_: self.apply_power_limit())
        power.add_widget(cap)
        quiet = GridLayout(cols=3, spacing=dp(8), size_hint_y=None, height=dp(44))
        self.quiet_start = field("22:00", s.quiet_start)
        self.quiet_end = field("07:00", s.quiet_end)
        self.quiet_power = field("W", f"{s.quiet_power_w:g}")
        for widget in (self.quiet_start, self.quiet_end, self.quiet_power):
            quiet.add_widget(widget)
        power.add_widget(
            Text("Quiet hours: from, until, power cap", color=theme.TEXT_DIM, size_hint_y=None)
        )
        power.add_widget(quiet)
        quiet_button = FlatButton("Send quiet hours", size_hint_y=None, height=dp(44))
        quiet_button.bind(on_release=lambda *_: self.apply_quiet_hours())
        power.add_widget(quiet_button)

        self.pool = self.section(column, "Mining pool")
        self.pool_text = Text("", size_hint_y=None)
        self.pool.add_widget(self.pool_text)
        self.feedback = Text("", color=theme.WARNING, size_hint_y=None)
        column.add_widget(self.feedback)
        scroll.add_widget(column)
        self.add_widget(scroll)

    def section(self, column: BoxLayout, title: str) -> Card:
        card = Card(orientation="vertical", size_hint_y=None)
        card.bind(minimum_height=card.setter("height"))
        card.add_widget(Text(title, font_size=theme.FONT_MEDIUM, bold=True, size_hint_y=None))
        column.add_widget(card)
        return card

    def store(self, **changes: Any) -> bool:
        try:
            settings = checked(replace(self.model.settings, **changes))
        except (SettingsError, TypeError, ValueError) as error:
            self.feedback.text = str(error)
            return False
        self.feedback.text = ""
        self.model.update_settings(settings)
        return True

    def apply_code(self) -> None:
        service = self.model.pairing_with
        if service is not None:
            self.pair(service, self.code.text)

    def show_found(self, rows: tuple[tuple[str, str], ...], pairing_with: str | None) -> None:
        box = self.found_box
        box.clear_widgets()
        box.add_widget(Text(FOUND_TITLE, font_size=theme.FONT_MEDIUM, bold=True, size_hint_y=None))
        for service, text in rows:
            button = FlatButton(text, size_hint_y=None, height=dp(44))
            button.show(selected=service == pairing_with)
            button.bind(on_release=lambda _b, n=service: self.model.start_pairing(n))
            box.add_widget(button)
            if service == pairing_with:
                box.add_widget(self.code)
                box.add_widget(self.pair_button)
        if not rows:
            box.add_widget(
                Text("Looking for heaters on this network…", color=theme.TEXT_DIM, size_hint_y=None)
            )
        box.add_widget(self.pairing_text)

    def apply_broker(self) -> None:
        try:
            host, port = parse_broker_address(self.address.text)
        except SettingsError as error:
            self.feedback.text = str(error)
            return
        if self.store(
            broker_host=host,
            broker_port=port,
            username=self.username.text.strip(),
            password=self.password.text,
        ):
            self.connect(self.model.settings)

    def apply_prices(self) -> None:
        try:
            tariff, btc = float(self.tariff.text or 0), float(self.btc_price.text or 0)
        except ValueError:
            self.feedback.text = "Prices must be numbers, like 0.30 and 60000"
            return
        self.store(tariff_per_kwh=tariff, btc_price=btc, currency=self.currency.text.strip()[:4])

    def apply_power_limit(self) -> None:
        try:
            watts = float(self.power_limit.text)
        except ValueError:
            self.feedback.text = "The power cap must be a number of watts"
            return
        self.model.set_power_limit(watts)

    def apply_quiet_hours(self) -> None:
        try:
            watts = float(self.quiet_power.text or 0)
        except ValueError:
            self.feedback.text = "The quiet-hours cap must be a number of watts"
            return
        start, end = self.quiet_start.text.strip(), self.quiet_end.text.strip()
        if not self.store(quiet_start=start, quiet_end=end, quiet_power_w=watts):
            return
        self.model.set_quiet_hours(start, end, watts)

    def show_heaters(self, rows: tuple[tuple[str, str], ...]) -> None:
        model = self.model
        self.heaters_box.clear_widgets()
        self.heaters_box.add_widget(
            Text("Heaters on this broker", font_size=theme.FONT_MEDIUM, bold=True, size_hint_y=None)
        )
        for device_id, text in rows:
            button = FlatButton(text, size_hint_y=None, height=dp(44))
            button.show(selected=device_id == model.selected_id)
            button.bind(on_release=lambda _b, d=device_id: model.select(d))
            self.heaters_box.add_widget(button)
        if not rows:
            self.heaters_box.add_widget(
                Text("None found yet.", color=theme.TEXT_DIM, size_hint_y=None)
            )

    def refresh(self) -> None:
        model = self.model
        detail = f": {model.connection_detail}" if model.connection_detail else ""
        self.connection.text = f"{model.connection.capitalize()}{detail}"
        for unit, button in self.unit_buttons.items():
            button.show(selected=model.settings.units == unit)
        now = model.clock()
        units = model.settings.units
        rows = tuple(
            (
                heater.device_id,
                f"{heater.name} · {format_temperature(room_of(heater), units)} · "
                f"{'online' if heater.online(now) else 'offline'}",
            )
            for heater in model.heater_list()
        )
        found = tuple((service, found_text(heater)) for service, heater in model.found_list())
        if (found, model.pairing_with) != self.drawn_found:
            self.drawn_found = (found, model.pairing_with)
            self.show_found(found, model.pairing_with)
        problems = model.found_refused[-1:] if not found else []
        self.pairing_text.text = "\n".join([model.pairing_message, *problems]).strip()
        if (rows, model.selected_id) != self.drawn_heaters:
            self.drawn_heaters = (rows, model.selected_id)
            self.show_heaters(rows)
        state = None if model.selected is None else model.selected.state
        limit = None if state is None else state.power_limit_w
        self.power_limit.hint_text = (
            "power cap in W (0 = no cap)" if limit is None else f"now {limit:.0f} W (0 = no cap)"
        )
        pool = "—" if state is None or state.pool is None else state.pool
        url = "" if state is None or not state.pool_url else f" · {state.pool_url}"
        # Pools are not settable over MQTT (docs/mqtt.md, "set and result"): the owner sets
        # them on the heater.
        self.pool_text.text = (
            f"Status: {pool}{url}\nPools are changed in the heater's own set-up (hearth.toml)."
        )
        if model.message and not self.feedback.text:
            self.feedback.text = model.message
