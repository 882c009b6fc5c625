"""`hearth sim --duration 30` end to end: the unchanged hearthd against the chain and
supervisor simulators on real ptys, the room model and the local pool; shares accepted,
the room heated toward its target, state on MQTT (read by this test's own client)."""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import sys
import threading
import time

import paho.mqtt.client as mqtt
import psutil
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from firmware.broker import CREDENTIALS_FILE, BrokerCredentials
from tests.conftest import require


def micropython_available() -> bool:
    return pathlib.Path(sys.executable).with_name("micropython").exists()


def watch_state(state_dir: pathlib.Path, seen: list[dict], stop: threading.Event) -> None:
    """Connect with the credentials the heater wrote, as the app would, and collect state."""
    path = state_dir / CREDENTIALS_FILE
    while not stop.is_set() and not path.exists():
        time.sleep(0.2)
    if stop.is_set():
        return
    credentials = BrokerCredentials.from_json(path.read_text())
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
    client.username_pw_set(credentials.username, credentials.password)
    client.on_connect = lambda c, *a: c.subscribe("hearth/e2e/state", qos=1)
    client.on_message = lambda c, u, m: seen.append(json.loads(m.payload))
    # The broker may not listen yet: paho's loop thread retries the first connection.
    client.connect_async(credentials.host, credentials.port)
    client.loop_start()
    stop.wait()
    client.loop_stop()


@pytest.mark.slow
def test_hearth_sim_mines_and_heats_for_30_seconds(tmp_path):
    require(micropython_available(), "the micropython unix port is not installed")
    state_dir = tmp_path / "state"
    seen: list[dict] = []
    stop = threading.Event()
    watcher = threading.Thread(target=watch_state, args=(state_dir, seen, stop), daemon=True)
    watcher.start()
    try:
        run = subprocess.run(
            [
                sys.executable, "-m", "host.cli", "sim", "--duration", "30",
                "--state-dir", str(state_dir), "--device-id", "e2e", "--speed", "60",
                "--mqtt-user", "e2e-owner", "--mqtt-password", "e2e-secret",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )  # fmt: skip
    finally:
        stop.set()
        watcher.join(timeout=10)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "MQTT broker : mqtt://127.0.0.1:" in run.stdout
    # The embedded broker served the login given on the command line (the watcher used it).
    assert "user e2e-owner  password e2e-secret" in run.stdout
    credentials = BrokerCredentials.from_json((state_dir / CREDENTIALS_FILE).read_text())
    assert (credentials.username, credentials.password) == ("e2e-owner", "e2e-secret")
    assert "HTTP API    : http://127.0.0.1:" in run.stdout
    summary_line = next(line for line in run.stdout.splitlines() if line.startswith("summary: "))
    summary = json.loads(summary_line.removeprefix("summary: "))
    assert summary["hearthd_exit"] == 0
    assert summary["shares_accepted_by_pool"] > 0
    # Started 3 °C below the 20 °C target: the heater must have warmed the room.
    assert summary["room_end_c"] > summary["room_start_c"] + 0.5
    assert summary["room_end_c"] < 20.0 + 1.0
    assert seen, "no state seen on MQTT by an independent client"
    last = seen[-1]
    assert last["action"] == "heating" and last["pool"] == "connected"
    assert last["hashrate_ghs"] > 1000  # the simulated 24-chip chain, not the CPU
    assert last["room_c"] is not None and last["chip_temp_c"] is not None
    assert last["shares_accepted"] > 0 and last["energy_kwh"] > 0
    assert (state_dir / "store.json").exists()


@pytest.mark.slow
def test_ctrl_c_stops_everything_cleanly(tmp_path):
    require(micropython_available(), "the micropython unix port is not installed")
    process = subprocess.Popen(
        [sys.executable, "-m", "host.cli", "sim", "--state-dir", str(tmp_path / "state"),
         "--http-port", "0", "--device-id", "ctrlc"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as in a terminal of its own
    )  # fmt: skip
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if "Ctrl-C stops everything" in line:
                break
        sim = psutil.Process(process.pid)
        hearthd = [c for c in sim.children() if "--config" in c.cmdline()]
        assert len(hearthd) == 1
        # hearthd is stopped by the sim (SIGTERM, in order), not by the terminal's Ctrl-C.
        assert os.getpgid(hearthd[0].pid) != os.getpgid(process.pid)
        # Ctrl-C in a terminal signals the whole foreground process group.
        os.killpg(process.pid, signal.SIGINT)
        output = process.communicate(timeout=60)[0]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, output[-3000:]
    summary = json.loads(
        next(line for line in output.splitlines() if line.startswith("summary: "))[9:]
    )
    assert summary["hearthd_exit"] == 0  # hearthd got SIGTERM and shut down cleanly
    log = (tmp_path / "state" / "hearthd.log").read_text()
    assert "state saved" in log
    leftovers = [
        p.info["cmdline"]
        for p in psutil.process_iter(["cmdline"])
        if p.info["cmdline"] and str(tmp_path) in " ".join(p.info["cmdline"])
    ]
    assert leftovers == []
