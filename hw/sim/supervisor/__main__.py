"""Run a simulated supervisor on its own: `python -m hw.sim.supervisor [--exhaust 30 ...]`.

Prints the pty path to give a controller (`[supervisor] port`, or SupervisorLink), then one
status line per second until Ctrl-C or --duration.
"""

from __future__ import annotations

import argparse
import time

from hw.sim.supervisor.sim import SupervisorSim


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hw.sim.supervisor", description=__doc__)
    parser.add_argument("--room", type=float, default=21.0, help="°C (default 21)")
    parser.add_argument("--intake", type=float, default=21.0, help="°C (default 21)")
    parser.add_argument("--exhaust", type=float, default=24.0, help="°C (default 24)")
    parser.add_argument("--board", type=float, default=30.0, help="°C (default 30)")
    parser.add_argument("--duration", type=float, default=0.0, help="seconds; 0 = until Ctrl-C")
    args = parser.parse_args(argv)
    sim = SupervisorSim(
        room_c=args.room, intake_c=args.intake, exhaust_c=args.exhaust, board_c=args.board
    )
    port = sim.start()
    print(f"supervisor on {port} (firmware log: {sim.log_path})", flush=True)
    started = time.monotonic()
    try:
        while not args.duration or time.monotonic() - started < args.duration:
            time.sleep(1.0)
            print(
                f"power {'ON ' if sim.power_enabled else 'off'}  fan {sim.fan_duty:4.0%} "
                f"{sim.fan_rpm:5.0f} rpm  watchdog resets {sim.watchdog_resets}",
                flush=True,
            )
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
