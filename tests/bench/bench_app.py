"""The app's figures: start-up to a live thermostat, state-to-screen latency, memory.

    .venv/bin/python -m tests.bench.bench_app

Everything real: a mosquitto broker, a heater publishing contract-shaped state over
MQTT, the app rendered on a private Xvfb display.
- start-up: `python -m app --screenshot` run 3 times; the app's own milestones (seconds
  since its main() began) until the thermostat shows live data, plus the process wall.
- latency: in one app process, 40 state updates, each with a new room temperature;
  time from the heater's publish until the thermostat's label shows it (checked every
  frame). Baseline: the same measurement for a bare Kivy Clock handoff from a thread,
  which is what any state update pays at least.
- memory: the app's 6 h history window is filled first, then one simulated hour of
  1 Hz state updates (3600 messages, the app's clock advanced 1 s per message) goes at
  full speed through the broker, then a second hour; Python heap (tracemalloc, traced
  from the start of hour 1) and RSS after each. Stable = hour 2 adds ~nothing.
Prints one JSON object on its last line.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from tests.app.contract_heater import ContractHeater, contract_state
from tests.app.ui.display import kivy_env, running_xvfb
from tests.support.mosquitto import running_mosquitto

ROOT = pathlib.Path(__file__).resolve().parents[2]
STARTUP_RUNS = 3
LATENCY_UPDATES = 40
HOUR_OF_UPDATES = 3600
PREFILL_SECONDS = 6 * 3600


def startup_runs(broker: Any, display: str, tmp: pathlib.Path) -> dict[str, Any]:
    lives, walls = [], []
    for run in range(STARTUP_RUNS):
        started = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "app",
                "--broker",
                f"{broker.host}:{broker.port}",
                "--user",
                broker.username,
                "--password",
                broker.password,
                "--screenshot",
                str(tmp / f"startup{run}.png"),
                "--data-dir",
                str(tmp / "data"),
            ],
            env=kivy_env(display, tmp / "kivy"),
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
            cwd=ROOT,
        )
        walls.append(time.perf_counter() - started)
        match = re.search(r"live (\d+\.\d+) s", done.stdout)
        if match is None:
            raise RuntimeError(f"no start-up figures in: {done.stdout!r} {done.stderr[-500:]}")
        lives.append(float(match[1]))
    return {
        "startup_live_s_median": round(statistics.median(lives), 3),
        "startup_live_s_runs": lives,
        "startup_process_wall_s_median": round(statistics.median(walls), 3),
    }


def inner(broker_host: str, broker_port: int, user: str, password: str, out: str) -> None:
    """Runs inside the Kivy process: latency and memory figures, written to `out`."""
    import tracemalloc

    import psutil
    from kivy.clock import Clock

    from app.launch import BrokerTarget, LaunchOptions
    from app.ui.hearth_app import HearthApp

    heater = ContractHeater(
        broker_host,
        broker_port,
        username=user,
        password=password,
        device_id="bench",
        state=contract_state(),
    ).start()
    options = LaunchOptions(
        broker=BrokerTarget(broker_host, broker_port, user, password),
        screenshot=None,
        screen="thermostat",
        wait_s=0,
        timeout_s=30,
        data_dir=pathlib.Path(out).parent / "inner-data",
        prefix=None,
    )
    app = HearthApp(options)
    figures: dict[str, Any] = {}
    latencies: list[float] = []
    baselines: list[float] = []
    room_label = None
    expected = {"text": "", "sent": 0.0}
    fake = {"now": time.time()}

    def wait_live(_dt: float) -> bool:
        nonlocal room_label
        bench = app.model.heaters.get("bench")
        if bench is None or not bench.online(app.model.clock()):
            return True
        # The broker may still hold other heaters' retained state: watch this one.
        app.model.select("bench")
        room_label = app.screens["thermostat"].room_label
        Clock.schedule_once(lambda _dt: baseline(0), 0.3)
        return False

    def baseline(count: int) -> None:
        import threading

        if count == LATENCY_UPDATES:
            latency(0)
            return
        sent = time.perf_counter()

        def arrive() -> None:
            baselines.append(time.perf_counter() - sent)
            Clock.schedule_once(lambda _dt: baseline(count + 1), 0.02)

        threading.Thread(target=lambda: Clock.schedule_once(lambda _dt: arrive(), 0)).start()

    def latency(count: int) -> None:
        if count == LATENCY_UPDATES:
            Clock.schedule_once(lambda _dt: memory(), 0.2)
            return
        room = round(10.0 + count * 0.1, 1)
        expected["text"] = f"Room {room:.1f}°"
        expected["sent"] = time.perf_counter()
        heater.publish_state(wait=False, room_c=room)

        def check(_dt: float) -> bool:
            if room_label is not None and room_label.text == expected["text"]:
                latencies.append(time.perf_counter() - expected["sent"])
                Clock.schedule_once(lambda _dt: latency(count + 1), 0.05)
                return False
            return True

        Clock.schedule_interval(check, 0)

    def memory() -> None:
        model = app.model
        received = {"count": 0}
        original = model.on_message

        def counting(topic: str, payload: bytes) -> None:
            if topic.endswith("/state"):
                received["count"] += 1
                fake["now"] += 1.0  # each state is one second of the simulated hour
            original(topic, payload)

        model.on_message = counting  # type: ignore[method-assign]
        fake["now"] = time.time()
        model.clock = lambda: fake["now"]
        # Fill the app's whole history window first (6 h of 1 Hz states, straight into the
        # model), so the two measured hours show the steady state, not the window filling.
        for second in range(PREFILL_SECONDS):
            state = contract_state(room_c=round(15 + (second % 100) / 10, 1))
            counting("hearth/bench/state", json.dumps(state).encode())
        tracemalloc.start()
        process = psutil.Process()
        hours: list[dict[str, float]] = []

        def publish_hour() -> None:
            start = received["count"]
            published = time.perf_counter()
            for second in range(HOUR_OF_UPDATES):
                heater.publish_state(
                    wait=False,
                    room_c=round(15 + (second % 100) / 10, 1),
                    power_w=400.0 + second % 50,
                    energy_kwh=42.0 + second / 9000,
                )

            def done(_dt: float) -> bool:
                if received["count"] - start < HOUR_OF_UPDATES:
                    return True
                traced, _peak = tracemalloc.get_traced_memory()
                hours.append(
                    {
                        "seconds": time.perf_counter() - published,
                        "traced_kb": traced / 1024,
                        "rss_mb": process.memory_info().rss / 2**20,
                        "history": len(model.selected.history) if model.selected else 0,
                    }
                )
                if len(hours) < 2:
                    Clock.schedule_once(lambda _dt: publish_hour(), 0.1)
                else:
                    finish(hours)
                return False

            Clock.schedule_interval(done, 0.05)

        publish_hour()

    def finish(hours: list[dict[str, float]]) -> None:
        figures.update(
            latency_ms_median=round(statistics.median(latencies) * 1000, 1),
            latency_ms_p95=round(sorted(latencies)[int(len(latencies) * 0.95) - 1] * 1000, 1),
            latency_ms_max=round(max(latencies) * 1000, 1),
            handoff_baseline_ms_median=round(statistics.median(baselines) * 1000, 1),
            latency_vs_handoff_ratio=round(
                statistics.median(latencies) / statistics.median(baselines), 2
            ),
            hour1_updates_s=round(hours[0]["seconds"], 2),
            hour1_traced_kb=round(hours[0]["traced_kb"], 1),
            hour2_traced_kb=round(hours[1]["traced_kb"], 1),
            hour2_growth_kb=round(hours[1]["traced_kb"] - hours[0]["traced_kb"], 1),
            hour1_rss_mb=round(hours[0]["rss_mb"], 1),
            hour2_rss_mb=round(hours[1]["rss_mb"], 1),
            history_samples_after_8h=hours[1]["history"],
        )
        pathlib.Path(out).write_text(json.dumps(figures))
        heater.stop()
        app.stop()

    Clock.schedule_interval(wait_live, 0.02)
    app.run()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="hearth-bench-app-") as name:
        tmp = pathlib.Path(name)
        with running_mosquitto() as broker, running_xvfb() as display:
            heater = ContractHeater(
                broker.host, broker.port, username=broker.username, password=broker.password
            ).start()
            try:
                figures = startup_runs(broker, display, tmp)
            finally:
                heater.stop()
            out = tmp / "inner.json"
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "tests.bench.bench_app",
                    "--inner",
                    broker.host,
                    str(broker.port),
                    broker.username,
                    broker.password,
                    str(out),
                ],
                env=kivy_env(display, tmp / "kivy"),
                check=True,
                timeout=180,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            figures.update(json.loads(out.read_text()))
    figures["bench"] = "bench_app"
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--inner":
        os.environ.setdefault("KIVY_NO_ARGS", "1")
        inner(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6])
    else:
        main()
