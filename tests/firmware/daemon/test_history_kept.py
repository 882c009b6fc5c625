"""The real hearthd (subprocess, CPU backend, real Mosquitto) keeps its history: a
history file from an earlier run is taken back at start, new minutes are appended from
the daemon's own state (on a fast simulated clock), served over HTTP and retained on
MQTT, and the file on disk holds both after SIGTERM."""

from __future__ import annotations

import json
import time
import urllib.request

from firmware.history import MINUTES, HistoryRecorder
from tests.firmware.daemon.test_hearthd import Watcher, start_hearthd, stop, write_config
from tests.support.mosquitto import free_port, mosquitto_broker  # noqa: F401 (fixture)

SPEED = 120.0  # a simulated minute every 0.5 s
EARLIER = 30  # minutes kept from "an earlier run"


def seed(state_dir) -> float:
    """An earlier run's file, written by the recorder itself, ending 10 minutes ago."""
    start = (time.time() // 60 - EARLIER - 10) * 60
    clock = [start]
    state = {"room_c": 19.0, "target_c": 21.0, "power_w": 300.0, "hashrate_ghs": 1.0,
             "energy_kwh": 0.5, "earned_sats": 0.0}  # fmt: skip
    rec = HistoryRecorder(state_dir, get_state=lambda: state, now_unix=lambda: clock[0])
    for _ in range(EARLIER):
        rec.take()
        clock[0] += 60
    rec.save()
    return start


def get_history(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/history?span=48h", timeout=5) as r:
        return json.loads(r.read())


def test_hearthd_keeps_serves_and_publishes_its_history(tmp_path, mosquitto_broker):  # noqa: F811
    state_dir = tmp_path / "state"
    start = seed(state_dir)
    http_port = free_port()
    offline_pool = f"stratum+tcp://127.0.0.1:{free_port()}"  # nobody there: offline heat
    config = write_config(tmp_path, mosquitto_broker, offline_pool, http_port)
    text = (tmp_path / "hearth.toml").read_text()  # the simulated clock, in [device]
    (tmp_path / "hearth.toml").write_text(
        text.replace('id = "dtest"', f'id = "dtest"\nclock_speed = {SPEED}')
    )
    watcher = Watcher(mosquitto_broker)
    process = start_hearthd(config)
    try:
        counts: list[int] = []  # every minute document seen, for the failure message

        def enough(payload: bytes) -> bool:
            counts.append(len(json.loads(payload)["samples"]))
            return counts[-1] >= EARLIER + 3

        try:
            minute = json.loads(watcher.wait_for("hearth/dtest/history/minute", enough, timeout=60))
        except AssertionError as exc:
            log = stop(process).decode(errors="replace")[-3000:]
            seen = f"sample counts seen {counts}"
            raise AssertionError(f"{exc}; {seen}; hearthd said:\n{log}") from exc
        times = [row[0] for row in minute["samples"]]
        assert times[0] == start and times == sorted(set(times))
        new = minute["samples"][EARLIER:]
        assert all(row[2] is not None and row[4] is not None for row in new)  # target, TH/s
        served = get_history(http_port)
        assert served["samples"][:EARLIER] == minute["samples"][:EARLIER]
        assert len(served["samples"]) >= len(minute["samples"])
        output = stop(process)
        assert process.returncode == 0, output.decode(errors="replace")[-2000:]
    finally:
        stop(process)
        watcher.close()
    kept = HistoryRecorder(state_dir, get_state=dict, now_unix=lambda: time.time() + 86400)
    kept.restore()
    rows = kept.history.document(MINUTES)["samples"]
    assert rows[0][0] == start and len(rows) >= len(served["samples"])
