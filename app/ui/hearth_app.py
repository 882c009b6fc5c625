"""The Kivy application: a top bar, six screens and a bottom navigation bar.

All state lives in `AppModel`; this class wires it to the MQTT link (events handed to
the UI thread with `Clock.schedule_once`) and repaints the visible screen, at most
once per frame, whenever the model says it changed.
"""

from __future__ import annotations

import pathlib
import time
from dataclasses import replace
from typing import Any

from kivy.config import Config

from app.ui import theme

Config.set("graphics", "width", str(theme.WINDOW_SIZE[0]))
Config.set("graphics", "height", str(theme.WINDOW_SIZE[1]))
Config.set("input", "mouse", "mouse,disable_multitouch")
Config.set("kivy", "exit_on_escape", "1")

from kivy.app import App  # noqa: E402  (after the window size is configured)
from kivy.clock import Clock  # noqa: E402
from kivy.core.window import Window  # noqa: E402
from kivy.graphics import Color, Rectangle  # noqa: E402
from kivy.metrics import dp  # noqa: E402
from kivy.uix.boxlayout import BoxLayout  # noqa: E402

from app.launch import SCREENS, LaunchOptions  # noqa: E402
from app.link.discovery import HeaterFinder  # noqa: E402
from app.link.mqtt_link import MqttLink  # noqa: E402
from app.link.pairing import pair_in_background  # noqa: E402
from app.model.alerts import CRITICAL  # noqa: E402
from app.model.day_store import DayStore  # noqa: E402
from app.model.found import Pairing  # noqa: E402
from app.model.session import CONNECTED, AppModel  # noqa: E402
from app.model.settings import AppSettings, SettingsError, SettingsStore  # noqa: E402
from app.ui.controls import FlatButton, Text  # noqa: E402
from app.ui.screens.alerts import AlertsScreen  # noqa: E402
from app.ui.screens.earnings import EarningsScreen  # noqa: E402
from app.ui.screens.page import Page  # noqa: E402
from app.ui.screens.schedule import ScheduleScreen  # noqa: E402
from app.ui.screens.settings import SettingsScreen  # noqa: E402
from app.ui.screens.stats import StatsScreen  # noqa: E402
from app.ui.screens.thermostat import ThermostatScreen  # noqa: E402
from app.ui.window_capture import capture_window  # noqa: E402

NAV_LABELS = {
    "thermostat": "Heat",
    "stats": "Stats",
    "earnings": "Earn",
    "schedule": "Week",
    "alerts": "Alerts",
    "settings": "Setup",
}
SETTINGS_FILE = "settings.json"
NO_BROKER = "No heater paired yet"
PAIRING_CLIENT = "Hearth app"  # how this app is listed among the heater's paired apps
DAYS_FILE = "days.json"
SAVE_DAYS_EVERY_S = 60.0
# After the screen is live, let two frames draw before capturing it.
CAPTURE_SETTLE_S = 0.35


def handoff_to_ui(action: Any) -> None:
    # -1: run before the next frame is drawn rather than on the frame after it.
    Clock.schedule_once(lambda _dt: action(), -1)


class HearthApp(App):
    title = "Hearth"

    def __init__(self, options: LaunchOptions, *, started: float | None = None) -> None:
        super().__init__()
        self.options = options
        self.started = time.perf_counter() if started is None else started
        self.exit_code = 0
        self.failure = ""  # why the run failed, printed by __main__ once Kivy has let go
        self.live_at: float | None = None
        # perf_counter() seconds since `started` at which start-up reached each stage.
        self.milestones: dict[str, float] = {}
        self.wrote: pathlib.Path | None = None
        self.link: MqttLink | None = None
        self.finder: HeaterFinder | None = None
        self.store: SettingsStore | None = None
        self.days: DayStore | None = None
        self.model = AppModel(AppSettings())
        self.screens: dict[str, Page] = {}
        # One repaint per frame however many messages arrived, done before that frame
        # is drawn (-1), so an update costs one frame, not two.
        self.redraw = Clock.create_trigger(self.refresh_now, -1)

    # -- building ------------------------------------------------------------------
    def build(self) -> BoxLayout:
        self.mark("kivy")
        Window.clearcolor = theme.BACKGROUND
        data_dir = self.options.data_dir or pathlib.Path(self.user_data_dir)
        self.store = SettingsStore(data_dir / SETTINGS_FILE)
        self.days = DayStore(data_dir / DAYS_FILE)
        self.model.saved_days = self.days.load()
        saved = self.store.load()
        broker = self.options.broker
        settings = replace(saved, prefix=self.options.prefix or saved.prefix)
        if broker is not None:
            settings = replace(
                settings,
                broker_host=broker.host,
                broker_port=broker.port,
                username=broker.username,
                password=broker.password,
            )
        self.model.settings = settings
        self.model.on_settings = self.save_settings
        self.model.subscribe(self.redraw)

        root = BoxLayout(orientation="vertical")
        # Painted, not just the window's clear colour, so exported PNGs are opaque too.
        with root.canvas.before:
            Color(*theme.BACKGROUND)
            backdrop = Rectangle()
        root.bind(
            pos=lambda *_: setattr(backdrop, "pos", root.pos),
            size=lambda *_: setattr(backdrop, "size", root.size),
        )
        top = BoxLayout(size_hint_y=None, height=dp(52), padding=(dp(16), dp(6)), spacing=dp(8))
        self.title_label = Text("Hearth", font_size=theme.FONT_LARGE, bold=True)
        # One line, cut with "…": the whole reason is on Setup, under the broker.
        self.link_label = Text(
            "",
            color=theme.TEXT_DIM,
            halign="right",
            size_hint_x=0.55,
            shorten=True,
            shorten_from="right",
        )
        top.add_widget(self.title_label)
        top.add_widget(self.link_label)
        root.add_widget(top)

        self.stage = BoxLayout()
        self.current = ""
        for screen in (
            ThermostatScreen(self.model),
            StatsScreen(self.model),
            EarningsScreen(self.model),
            ScheduleScreen(self.model),
            AlertsScreen(self.model),
            SettingsScreen(self.model, connect=self.connect, pair=self.pair),
        ):
            self.screens[screen.name] = screen
        root.add_widget(self.stage)

        nav = BoxLayout(size_hint_y=None, height=dp(58), padding=dp(6), spacing=dp(6))
        self.nav_buttons: dict[str, FlatButton] = {}
        for name in SCREENS:
            button = FlatButton(NAV_LABELS[name], font_size=theme.FONT_SMALL)
            button.bind(on_release=lambda _b, n=name: self.show(n))
            self.nav_buttons[name] = button
            nav.add_widget(button)
        root.add_widget(nav)
        # First start with no broker given (a new phone): begin where the broker is entered.
        first_start = self.options.broker is None and not settings.broker_host
        self.show("settings" if first_start else self.options.screen)
        return root

    def on_start(self) -> None:
        self.mark("window")
        if self.model.settings.broker_host:
            self.connect(self.model.settings)
        else:
            self.model.on_disconnected(NO_BROKER)
        if self.options.discovery:
            self.start_discovery()
        Clock.schedule_interval(lambda _dt: self.model.tick(), 1.0)
        Clock.schedule_interval(lambda _dt: self.save_days(), SAVE_DAYS_EVERY_S)
        if self.options.screenshot is not None:
            self.deadline = time.perf_counter() + self.options.timeout_s
            Clock.schedule_interval(self.capture_when_live, 0.05)

    def on_stop(self) -> None:
        if self.link is not None:
            self.link.stop()
        if self.finder is not None:
            self.finder.stop()
        self.save_days()

    def save_days(self) -> None:
        if self.days is None or self.options.screenshot is not None:
            return
        try:
            self.days.save(self.model.day_snapshot())
        except OSError as error:
            self.model.message = f"Today's totals not saved: {error}"

    # -- behaviour -----------------------------------------------------------------
    def start_discovery(self, interfaces: list[str] | None = None) -> None:
        """Browse the LAN for `_hearth._tcp` heaters (Setup lists them)."""
        model = self.model
        self.finder = HeaterFinder(
            handoff_to_ui,
            on_found=model.on_found,
            on_gone=model.on_gone,
            on_refused=model.on_found_refused,
            interfaces=interfaces,
        )
        try:
            self.finder.start()
        except OSError as error:  # no multicast-capable interface
            self.finder = None
            model.on_found_refused(f"Cannot look for heaters on this network: {error}")

    def pair(self, service: str, code: str) -> None:
        """Exchange the code for this app's own login, then connect with it."""
        heater = self.model.begin_pairing(service)
        if heater is None:
            return

        def done(pairing: Pairing | None, error: str) -> None:
            settings = self.model.paired(pairing, error)
            if settings is not None:
                self.connect(settings)

        pair_in_background(heater, code, PAIRING_CLIENT, handoff_to_ui, done)

    def connect(self, settings: AppSettings) -> None:
        if self.link is not None:
            self.link.stop()
        self.model.forget_all()
        self.link = MqttLink(
            self.model,
            handoff_to_ui,
            host=settings.broker_host,
            port=settings.broker_port,
            username=settings.username,
            password=settings.password,
            tls=settings.tls,
        )
        self.link.start()
        self.save_settings(settings)

    def save_settings(self, settings: AppSettings) -> None:
        """Every change is written at once (settings.json), not only on Connect."""
        if self.options.screenshot is not None or self.store is None:
            return
        try:
            self.store.save(settings)
        except (OSError, SettingsError) as error:
            self.model.message = f"Settings not saved: {error}"

    def show(self, name: str) -> None:
        if name != self.current:
            self.stage.clear_widgets()
            self.stage.add_widget(self.screens[name])
            self.current = name
            self.redraw()
        for screen, button in self.nav_buttons.items():
            button.show(selected=screen == name)

    def refresh_now(self, *_: object) -> None:
        model = self.model
        heater = model.selected
        now = model.clock()
        self.title_label.text = "Hearth" if heater is None else heater.name
        if model.connection == CONNECTED:
            count = len(model.heaters)
            self.link_label.text = f"Connected · {count} heater{'s' if count != 1 else ''}"
            self.link_label.color = theme.OK
        else:
            self.link_label.text = model.connection_detail or model.connection
            self.link_label.color = theme.WARNING
        alerts = [alert for _name, alert in model.all_alerts()]
        button = self.nav_buttons["alerts"]
        button.text = f"Alerts ({len(alerts)})" if alerts else "Alerts"
        if any(alert.severity == CRITICAL for alert in alerts):
            button.fill.rgba = theme.CRITICAL if self.current != "alerts" else theme.SELECTED
        self.screens[self.current].refresh()
        if model.connection == CONNECTED and "connected" not in self.milestones:
            self.mark("connected")
        if self.live_at is None and heater is not None and heater.online(now):
            self.live_at = time.perf_counter()
            self.mark("live")

    def mark(self, stage: str) -> None:
        self.milestones[stage] = round(time.perf_counter() - self.started, 3)

    # -- screenshot mode -----------------------------------------------------------
    def capture_when_live(self, _dt: float) -> bool:
        now = time.perf_counter()
        if self.live_at is None:
            if now > self.deadline:
                settings = self.model.settings
                self.failure = (
                    f"no heater reported on {settings.broker_host}:{settings.broker_port} "
                    f"within {self.options.timeout_s:.0f} s "
                    f"({self.model.connection_detail or self.model.connection})"
                )
                self.exit_code = 3
                self.stop()
                return False
            return True
        if now - self.live_at < self.options.wait_s:
            return True
        self.refresh_now()
        Clock.schedule_once(self.capture, CAPTURE_SETTLE_S)
        return False

    def capture(self, _dt: float) -> None:
        path = self.options.screenshot
        if path is None or self.live_at is None:
            return
        capture_window(path)
        self.wrote = path
        self.stop()
