"""`python -m app`: the Hearth thermostat app (see app/launch.py for the options)."""

from __future__ import annotations

import os
import sys
import time


def main() -> int:
    started = time.perf_counter()
    from app.launch import LaunchError, parse

    try:
        options = parse(sys.argv[1:])
    except LaunchError as error:
        print(f"hearth app: {error}", file=sys.stderr)
        return 2
    # Kivy would otherwise parse our command line as its own options.
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    # SDL's own clipboard: Kivy otherwise probes for xclip/xsel and logs a traceback.
    os.environ.setdefault("KIVY_CLIPBOARD", "sdl2")
    # SDL's text renderer even when Pillow is installed (Kivy would prefer PIL's).
    os.environ.setdefault("KIVY_TEXT", "sdl2")
    from app.ui.hearth_app import HearthApp

    app = HearthApp(options, started=started)
    app.run()
    # Kivy routes sys.stdout/sys.stderr into its logger while running: use the originals.
    if app.failure:
        print(f"hearth app: {app.failure}", file=sys.__stderr__)
    if app.wrote is not None:
        stages = ", ".join(f"{stage} {at:.2f} s" for stage, at in app.milestones.items())
        print(f"start-up: {stages}; live screen written to {app.wrote}", file=sys.__stdout__)
    return app.exit_code


if __name__ == "__main__":
    sys.exit(main())
