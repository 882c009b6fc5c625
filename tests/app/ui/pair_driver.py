"""Runs a fresh app (no broker, no settings) in this process, as a new owner would use it:
it waits for a heater found over mDNS, taps it, types the pairing code, taps Pair, waits
for the heater's own 48-hour history and captures the stats screen. Reports JSON.

    python -m tests.app.ui.pair_driver --code 123456 --out-dir DIR --data-dir DIR

Only inside a network namespace of its own (tests/support/netns.py): the app's mDNS
browser multicasts. DIR gets found.png (the heater found, its code typed), stats.png
(the 48-hour charts) and report.json; then it sets °F and a price on Setup and reports
what settings.json holds right after. Exit status as tests/app/ui/kivy_driver.py's.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import time
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock
from kivy.tests.common import UnitTestTouch

from app.launch import LaunchOptions
from app.model.session import CONNECTED
from app.model.stats_view import DAY, stats_view
from app.ui import theme
from app.ui.hearth_app import HearthApp
from app.ui.window_capture import capture_window
from tests.app.ui.kivy_driver import (
    ReportingDriver,
    colour_count,
    drive,
    labels,
    report_to_real_stderr,
    say,
)

STEP_TIMEOUT_S = 60.0  # each step: found, paired and connected, history in
ROOM = tuple(round(c * 255) for c in theme.ROOM[:3])
POWER = tuple(round(c * 255) for c in theme.POWER[:3])


def tap(widget: Any) -> None:
    touch = UnitTestTouch(*widget.to_window(*widget.center))
    touch.touch_down()
    touch.touch_up()


class PairDriver(ReportingDriver):
    def __init__(self, app: HearthApp, args: argparse.Namespace) -> None:
        super().__init__(app, args)
        self.out = pathlib.Path(args.out_dir)

    def wait(self, what: str, ready: Callable[[], bool], then: Callable[[], None]) -> None:
        """Poll `ready` every frame or so; `then()` once it holds, else fail naming `what`."""
        deadline = time.monotonic() + STEP_TIMEOUT_S

        def poll(_dt: float) -> bool:
            if ready():
                say(f"{what}: done")
                then()
                return False
            if time.monotonic() > deadline:
                model = self.app.model
                self.report["error"] = (
                    f"{what}: not within {STEP_TIMEOUT_S:.0f} s (connection "
                    f"{model.connection} {model.connection_detail}; pairing "
                    f"{model.pairing_message!r}; refused {model.found_refused})"
                )
                self.finish()
                return False
            return True

        say(f"waiting: {what}")
        Clock.schedule_interval(poll, 0.05)

    def start(self, *_: object) -> None:
        self.report["first_screen"] = self.app.current
        self.wait("a heater found on the LAN", lambda: bool(self.app.model.found), self.choose)

    def choose(self) -> None:
        settings = self.app.screens["settings"]
        self.app.refresh_now()
        service, heater = self.app.model.found_list()[0]
        self.report["found"] = {
            "service": service,
            "name": heater.name,
            "mqtt": f"{heater.mqtt_host}:{heater.mqtt_port}",
            "pairing_open": heater.pairing_open,
        }
        button = next(
            w for w in settings.found_box.walk() if getattr(w, "text", "").startswith(heater.name)
        )
        Clock.schedule_once(lambda _dt: self.type_code(button), 0.3)

    def type_code(self, button: Any) -> None:
        tap(button)
        settings = self.app.screens["settings"]
        Clock.schedule_once(lambda _dt: settings.code.insert_text(self.args.code), 0.3)
        Clock.schedule_once(lambda _dt: self.capture_found(), 0.8)

    def capture_found(self) -> None:
        settings = self.app.screens["settings"]
        capture_window(self.out / "found.png")
        self.report["found_labels"] = labels(settings)
        self.report["code_typed"] = settings.code.text
        tap(settings.pair_button)
        self.wait("paired and connected", self.connected_with_history, self.show_stats)

    def connected_with_history(self) -> bool:
        model = self.app.model
        heater = model.selected
        minutes = None if heater is None else heater.kept.get("minute")
        return model.connection == CONNECTED and minutes is not None  # the test judges it

    def show_stats(self) -> None:
        self.report["pairing_message"] = self.app.model.pairing_message
        self.app.show("stats")
        self.app.refresh_now()
        Clock.schedule_once(self.capture_stats, 0.5)

    def capture_stats(self, _dt: float) -> None:
        app = self.app
        model = app.model
        screen = app.screens["stats"]
        png = self.out / "stats.png"
        capture_window(png)
        view = stats_view(model.selected, units=model.settings.units, now=model.clock(), view=DAY)
        saved = json.loads((pathlib.Path(self.args.data_dir) / "settings.json").read_text())

        def box(widget: Any) -> tuple[float, float, float, float]:
            x, y = widget.to_window(*widget.pos)
            return (x, y, widget.width, widget.height)

        self.report["stats"] = {
            "labels": labels(screen),
            "kept_samples": view.kept_samples,
            "room_points": len(view.room),
            "oldest_s": view.room[0][0] if view.room else None,
            "note": view.note,
            "room_pixels": colour_count(png, box(screen.room_chart), ROOM),
            "power_pixels": colour_count(png, box(screen.power_chart), POWER),
        }
        self.report["saved_login"] = {
            "host": saved.get("broker_host"),
            "port": saved.get("broker_port"),
            "username": saved.get("username"),
        }
        self.change_settings()

    def change_settings(self) -> None:
        """°F and an electricity price, as the owner sets them: kept without a button."""
        self.app.show("settings")
        settings = self.app.screens["settings"]
        settings.unit_buttons["F"].dispatch("on_release")  # below the fold: no tap there
        settings.tariff.text = "0.31"
        saved = json.loads((pathlib.Path(self.args.data_dir) / "settings.json").read_text())
        self.report["saved_after_change"] = {
            "units": saved.get("units"),
            "tariff_per_kwh": saved.get("tariff_per_kwh"),
        }
        self.finish()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--code", required=True)
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--data-dir", required=True)
    args = parser.parse_args()
    options = LaunchOptions(
        broker=None,
        screenshot=None,
        screen="thermostat",
        wait_s=0.0,
        timeout_s=30.0,
        data_dir=pathlib.Path(args.data_dir),
        prefix=None,
        discovery=True,
    )
    app = HearthApp(options)
    drive(app, PairDriver(app, args))


if __name__ == "__main__":
    report_to_real_stderr()
    main()
