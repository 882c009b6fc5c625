"""Run inside a private network namespace (tests/support/netns.py): a real `hearth sim`
with mDNS on (its state dir seeded with 48 hours of history, as an earlier run would
have left it), then a fresh app under Kivy on a private Xvfb (tests/app/ui/pair_driver.py)
finds it, pairs with the code `hearth sim` printed and shows the 48-hour charts.

    python tests/app/ui/netns_pair.py OUT_DIR

Prints one JSON object: the heater's banner code, the driver's report, and the heater's
paired apps as its owner sees them (`GET /api/pair/clients`).
"""

from __future__ import annotations

import json
import math
import pathlib
import re
import signal
import subprocess
import sys
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from firmware.history import HistoryRecorder  # noqa: E402
from tests.app.ui.display import kivy_env, running_xvfb  # noqa: E402

HEARTH = pathlib.Path(sys.executable).with_name("hearth")
BANNER_TIMEOUT_S = 90.0
DRIVER_TIMEOUT_S = 240.0
CODE_LINE = re.compile(r"pairing code: (\d{6}) ")
HTTP_LINE = re.compile(r"HTTP API +: (http://\S+)/")
MINUTES_48H = 48 * 60


def seed_history(state_dir: pathlib.Path) -> None:
    """48 hours of minutes ending a minute ago, written by the heater's own recorder: a
    room following its target (21 °C by day, 17 °C at night) with the power that took."""
    end = time.time() // 60 * 60 - 60
    clock = [end - (MINUTES_48H - 1) * 60]
    state: dict[str, object] = {}
    recorder = HistoryRecorder(state_dir, get_state=lambda: state, now_unix=lambda: clock[0])
    for _ in range(MINUTES_48H):
        hour = clock[0] / 3600 % 24
        target = 21.0 if 7 <= hour < 22 else 17.0
        room = target - 0.6 + 0.5 * math.sin(clock[0] / 1800)
        power = max(0.0, min(400.0, 150.0 + 180.0 * (target - room)))
        state.update(room_c=round(room, 2), target_c=target, power_w=round(power, 1),
                     hashrate_ghs=power * 64.0, energy_kwh=0.0, earned_sats=0.0)  # fmt: skip
        recorder.take()
        clock[0] += 60
    recorder.save()


def read_banner(process: subprocess.Popen[str]) -> tuple[str, str]:
    """(pairing code, HTTP API base URL) from `hearth sim`'s banner."""
    assert process.stdout is not None
    deadline = time.monotonic() + BANNER_TIMEOUT_S
    code = base = ""
    seen: list[str] = []
    while not code and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if match := HTTP_LINE.search(line):
            base = match.group(1)
        if match := CODE_LINE.search(line):
            code = match.group(1)
    if not code or not base:
        raise RuntimeError("hearth sim printed no pairing code:\n" + "".join(seen)[-3000:])
    return code, base


def paired_apps(base: str, state_dir: pathlib.Path) -> object:
    token = (state_dir / "http-token").read_text().strip()
    request = urllib.request.Request(
        f"{base}/api/pair/clients", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def main(out: pathlib.Path) -> None:
    state = out / "sim-state"
    state.mkdir(parents=True)
    seed_history(state)
    config = out / "hearth.toml"
    # hearth sim binds its HTTP API to loopback, which is never announced unless told to.
    config.write_text('[discovery]\naddress = "127.0.0.1"\n')
    sim = subprocess.Popen(
        [str(HEARTH), "sim", "--config", str(config), "--state-dir", str(state),
         "--device-id", "den", "--speed", "1", "--duration", str(DRIVER_TIMEOUT_S + 60)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )  # fmt: skip
    try:
        code, base = read_banner(sim)
        with running_xvfb() as display:
            driver = subprocess.run(
                [sys.executable, "-m", "tests.app.ui.pair_driver", "--code", code,
                 "--out-dir", str(out), "--data-dir", str(out / "app-data")],
                env=kivy_env(display, out / "kivy"),
                capture_output=True,
                text=True,
                timeout=DRIVER_TIMEOUT_S,
                check=False,
                cwd=ROOT,
            )  # fmt: skip
        report_file = out / "report.json"
        report = json.loads(report_file.read_text()) if report_file.exists() else None
        print(
            json.dumps(
                {
                    "code": code,
                    "driver_exit": driver.returncode,
                    "driver_stderr": driver.stderr[-3000:],
                    "report": report,
                    "paired_apps": paired_apps(base, state),
                }
            )
        )
    finally:
        sim.send_signal(signal.SIGINT)
        try:
            sim.wait(timeout=30)
        except subprocess.TimeoutExpired:
            sim.kill()
            sim.wait()


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1]))
