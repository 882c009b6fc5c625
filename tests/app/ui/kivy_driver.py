"""Runs the real app in this (sub)process, drives it like a person, reports JSON.

    python -m tests.app.ui.kivy_driver --broker H:P --user U --password P \
        --screens thermostat,stats --out-dir DIR --data-dir DIR [--drag-to 25.0]

Waits for live data, then shows each screen in turn, exports it to DIR/NAME.png and
records every label's text and a pixel summary (read back from the PNG with Pillow);
finally it can drag the dial. The report is DIR/report.json.

Exit status: 0 once the report is written; 1 if the app raised (the traceback is on
stderr); 4 if Kivy stopped before the report was written. While Kivy runs it routes
`sys.stderr` into its own log, which the tests' environment keeps off the console
(KIVY_NO_CONSOLELOG), so the driver writes its own steps and Kivy's warnings and errors
to the real stderr: whatever ends the run, stderr says where it was and why.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import logging
import math
import pathlib
import sys
import time
import traceback
from typing import Any

from kivy.clock import Clock
from kivy.logger import Logger
from kivy.tests.common import UnitTestTouch
from kivy.uix.label import Label
from PIL import Image

from app.launch import BrokerTarget, LaunchOptions
from app.model.thermostat_view import dial_fraction
from app.ui import theme
from app.ui.dial import angle_for
from app.ui.hearth_app import HearthApp
from app.ui.window_capture import capture_window


def labels(widget: Any) -> list[str]:
    found = [widget.text] if isinstance(widget, Label) and widget.text else []
    for child in widget.children:
        found += labels(child)
    return found


def pixel_summary(
    png: pathlib.Path, box: tuple[float, float, float, float] | None
) -> dict[str, Any]:
    image = Image.open(png).convert("RGB")
    counts = image.getcolors(maxcolors=1 << 24) or []
    background = max(count for count, _ in counts)
    summary: dict[str, Any] = {
        "size": image.size,
        "distinct_colours": len(counts),
        "non_background_fraction": 1 - background / (image.width * image.height),
    }
    if box is not None:
        # Kivy's y grows upwards, the PNG's downwards.
        x, y, w, h = box
        top = image.height - (y + h)
        crop = image.crop((int(x), int(top), int(x + w), int(top + h)))
        summary["bright_in_target_label"] = sum(
            count for count, colour in crop.getcolors(maxcolors=1 << 24) or [] if min(colour) > 200
        )
    return summary


HEAT = tuple(round(c * 255) for c in theme.HEAT[:3])


def colour_count(
    png: pathlib.Path, box: tuple[float, float, float, float], colour: tuple[int, ...]
) -> int:
    """Pixels within a few levels of `colour` inside `box` (Kivy window coordinates)."""
    image = Image.open(png).convert("RGB")
    x, y, w, h = box
    top = image.height - (y + h)
    crop = image.crop((int(x), int(top), int(x + w), int(top + h)))
    return sum(
        count
        for count, found in crop.getcolors(maxcolors=1 << 24) or []
        if all(abs(a - b) <= 8 for a, b in zip(found, colour, strict=True))
    )


def say(message: str) -> None:
    """One line on the process's real stderr (Kivy has replaced `sys.stderr`)."""
    print(f"kivy_driver: {message}", file=sys.__stderr__, flush=True)


# How long the app may take to show a live heater once its window is up.
LIVE_TIMEOUT_S = 60.0


class ReportingDriver:
    """Drives the app from its first frame (`start`) and ends with `finish`: the report
    (`report.json` in `--out-dir`) written, then the app stopped."""

    def __init__(self, app: HearthApp, args: argparse.Namespace) -> None:
        self.app, self.args = app, args
        self.report: dict[str, Any] = {}
        self.finished = False

    def start(self, *_: object) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        self.report["milestones"] = self.app.milestones
        (pathlib.Path(self.args.out_dir) / "report.json").write_text(json.dumps(self.report))
        self.finished = True
        say("report written" + (f": {self.report['error']}" if "error" in self.report else ""))
        self.app.stop()


class Driver(ReportingDriver):
    def __init__(self, app: HearthApp, args: argparse.Namespace) -> None:
        super().__init__(app, args)
        self.todo: list[str] = []
        self.prefix = ""  # of the report entries and PNG names of captured screens
        self.deadline = 0.0

    def start(self, *_: object) -> None:
        # Counted from the first frame, not from the process start: on a loaded machine
        # Kivy's own start-up can take seconds.
        self.deadline = time.monotonic() + LIVE_TIMEOUT_S
        say(f"window up after {self.app.milestones}; waiting for a live heater")
        Clock.schedule_interval(self.wait_live, 0.05)

    def wait_live(self, _dt: float) -> bool:
        if self.app.live_at is None:
            if time.monotonic() > self.deadline:
                model = self.app.model
                self.report["error"] = (
                    f"no live heater within {LIVE_TIMEOUT_S:.0f} s "
                    f"({model.connection_detail or model.connection})"
                )
                self.finish()
                return False
            return True
        say(f"live: {self.app.milestones}")
        self.todo = list(self.args.screens.split(","))
        if self.args.watch:
            self.watch_started = time.monotonic()
            (pathlib.Path(self.args.out_dir) / "live").write_text("live")
            Clock.schedule_interval(self.watch, 0.25)
        else:
            self.next_screen()
        return False

    def watch(self, _dt: float) -> bool:
        """--watch S: record the thermostat's status line while the test changes the
        heaters (it waits for DIR/live first). Each change is also appended to
        DIR/watched.jsonl at once, so the test can wait for what the screen shows. Ends
        when the test creates DIR/stop-watching (or after S seconds at most), then
        captures --screens under "then-"."""
        screen = self.app.screens["thermostat"]
        entry = [screen.status.text, *labels(self.app.root.children[-1])]
        watched = self.report.setdefault("watched", [])
        if not watched or watched[-1] != entry:
            watched.append(entry)
            with (pathlib.Path(self.args.out_dir) / "watched.jsonl").open("a") as log:
                log.write(json.dumps(entry) + "\n")
        stop = pathlib.Path(self.args.out_dir) / "stop-watching"
        if not stop.exists() and time.monotonic() - self.watch_started < self.args.watch:
            return True
        if not stop.exists():
            self.report["error"] = f"still watching after {self.args.watch} s"
        self.prefix = "then-"
        self.next_screen()
        return False

    def next_screen(self) -> None:
        if not self.todo:
            if self.args.drag_to is not None:
                self.app.show("thermostat")
                Clock.schedule_once(lambda _dt: self.drag(self.args.drag_to), 0.3)
                Clock.schedule_once(self.after_drag, 0.6)
            elif self.args.press:
                self.app.show("thermostat")
                Clock.schedule_once(lambda _dt: self.press(self.args.press.split(",")), 0.3)
            else:
                self.finish()
            return
        self.app.show(self.todo[0])
        self.app.refresh_now()
        # Widgets made or changed by the refresh are laid out and drawn on the next frames.
        Clock.schedule_once(self.capture, 0.4)

    def capture(self, _dt: float) -> None:
        app = self.app
        name = self.todo.pop(0)
        say(f"capturing {name}")
        screen = app.screens[app.current]
        png = pathlib.Path(self.args.out_dir) / f"{self.prefix}{name}.png"
        capture_window(png)
        target = getattr(screen, "target_label", None)
        box = None
        if target is not None:
            x, y = target.to_window(*target.pos)
            box = (x, y, target.width, target.height)
        pixels = pixel_summary(png, box)
        dial = getattr(screen, "dial", None)
        if dial is not None:
            x, y = dial.to_window(*dial.pos)
            pixels["heat_in_dial"] = colour_count(png, (x, y, dial.width, dial.height), HEAT)
        self.report[self.prefix + name] = dict(
            screen=app.current,
            screen_class=type(screen).__name__,
            labels=labels(screen),
            top_bar=labels(app.root.children[-1]),
            pixels=pixels,
        )
        self.next_screen()

    def drag(self, target_c: float) -> None:
        dial = self.app.screens["thermostat"].dial
        start = dial.target_fraction
        end = dial_fraction(target_c)

        def point(fraction: float) -> tuple[float, float]:
            angle = math.radians(angle_for(fraction))
            x = dial.center_x + dial.radius * math.sin(angle)
            y = dial.center_y + dial.radius * math.cos(angle)
            return dial.to_window(x, y)

        touch = UnitTestTouch(*point(start))
        touch.touch_down()
        for step in range(1, 11):
            touch.touch_move(*point(start + (end - start) * step / 10))
        touch.touch_up()

    def press(self, labels: list[str]) -> None:
        """Tap the thermostat's buttons with these labels, one every 0.4 s, like a finger."""
        if not labels:
            Clock.schedule_once(self.after_press, 1.0)
            return
        screen = self.app.screens["thermostat"]
        button = next(w for w in screen.walk() if getattr(w, "text", None) == labels[0])
        touch = UnitTestTouch(*button.to_window(*button.center))
        touch.touch_down()
        touch.touch_up()
        self.report.setdefault("pressed", []).append(labels[0])
        Clock.schedule_once(lambda _dt: self.press(labels[1:]), 0.4)

    def after_press(self, _dt: float) -> None:
        self.report["after_press"] = labels(self.app.screens["thermostat"])
        self.finish()

    def after_drag(self, _dt: float) -> None:
        screen = self.app.screens["thermostat"]
        heater = self.app.model.selected
        self.report["after_drag"] = {
            "target_label": screen.target_label.text,
            "caption": screen.caption.text,
            "pending": heater is not None and heater.pending.is_pending("target_c"),
        }
        # Let the heater confirm, then report what the screen settled on.
        Clock.schedule_once(self.after_confirm, 1.5)

    def after_confirm(self, _dt: float) -> None:
        screen = self.app.screens["thermostat"]
        heater = self.app.model.selected
        self.report["after_confirm"] = {
            "target_label": screen.target_label.text,
            "caption": screen.caption.text,
            "pending": heater is not None and heater.pending.is_pending("target_c"),
        }
        self.finish()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--broker", required=True)
    parser.add_argument("--user", default="")
    parser.add_argument("--password", default="")
    parser.add_argument("--screens", default="thermostat")
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--drag-to", type=float)
    parser.add_argument("--press", default="", help="thermostat button labels, comma separated")
    parser.add_argument("--watch", type=float, default=0.0, help="seconds; see Driver.watch")
    args = parser.parse_args()
    host, port = args.broker.rsplit(":", 1)
    options = LaunchOptions(
        broker=BrokerTarget(host, int(port), args.user, args.password),
        screenshot=None,
        screen="thermostat",
        wait_s=0.0,
        timeout_s=30.0,
        data_dir=pathlib.Path(args.data_dir),
        prefix=None,
    )
    app = HearthApp(options)
    drive(app, Driver(app, args))


def drive(app: HearthApp, driver: ReportingDriver) -> None:
    """Run the app with `driver` starting on its first frame; exit 1 if the app raised,
    4 if Kivy stopped before the driver wrote its report."""
    Clock.schedule_once(driver.start, 0)
    try:
        app.run()
    except SystemExit as stop:  # something inside called sys.exit: say who, keep the code
        say(f"sys.exit({stop.code!r}) while running:\n{traceback.format_exc()}")
        raise
    except BaseException:
        say("the app raised:\n" + traceback.format_exc())
        sys.exit(1)
    if not driver.finished:
        say(f"Kivy stopped before the report was written (reached: {app.milestones})")
        sys.exit(4)


def report_to_real_stderr() -> None:
    """Fatal signals (faulthandler) and Kivy's warnings and errors, stray writes to
    `sys.stderr` included, go to the real stderr as well as to Kivy's log file."""
    faulthandler.enable(file=sys.__stderr__)
    handler = logging.StreamHandler(sys.__stderr__)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("kivy: %(levelname)s %(message)s"))
    Logger.addHandler(handler)


if __name__ == "__main__":
    report_to_real_stderr()
    main()
