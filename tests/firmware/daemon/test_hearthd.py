"""The real hearthd (subprocess) with the CPU backend, the local demo pool and a real
Mosquitto: state, set/result, persistence, SIGTERM shutdown, config refusal."""

from __future__ import annotations

import asyncio
import json
import queue
import signal
import subprocess
import sys
import time

import aiohttp
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from firmware.store import Store
from tests.support.mosquitto import free_port, mosquitto_broker  # noqa: F401 (fixture)

STATE_KEYS = {
    "mode", "preset", "action", "target_c", "room_c", "power_w", "hashrate_ghs",
    "chip_temp_c", "fan_rpm", "efficiency_j_th", "pool", "shares_accepted",
    "shares_rejected", "energy_kwh", "uptime_s", "alarms", "firmware",
}  # fmt: skip


def write_config(tmp_path, broker, pool_url, http_port=0, **extra_tables) -> str:
    text = f"""
[device]
id = "dtest"
state_dir = "{tmp_path / "state"}"

[[pool]]
url = "{pool_url}"
user = "bc1qtest.daemon"
password = "pool-secret-xyz"

[mqtt]
broker = "{broker.host}:{broker.port}"
username = "{broker.username}"
password = "{broker.password}"
discovery = true

[http]
port = {http_port}
bind = "127.0.0.1"
"""
    for table, body in extra_tables.items():
        text += f"\n[{table}]\n{body}\n"
    path = tmp_path / "hearth.toml"
    path.write_text(text)
    return str(path)


class Watcher:
    def __init__(self, broker):
        self.messages: queue.Queue = queue.Queue()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
        self.client.username_pw_set(broker.username, broker.password)
        self.client.on_message = lambda c, u, m: self.messages.put((m.topic, m.payload))
        self.client.connect(broker.host, broker.port)
        self.client.subscribe("hearth/dtest/#", qos=1)
        self.client.loop_start()

    def wait_for(self, topic, predicate, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                got_topic, payload = self.messages.get(timeout=0.5)
            except queue.Empty:
                continue
            if got_topic == topic and predicate(payload):
                return payload
        raise AssertionError(f"nothing matching on {topic} within {timeout} s")

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


def start_hearthd(config_path):
    return subprocess.Popen(
        [sys.executable, "-m", "firmware.daemon.main", "--config", config_path],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def stop(process) -> bytes:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        out, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    return out


def state_of(payload):
    return json.loads(payload)


async def http_checks(port: int, token: str) -> dict:
    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as client:
        async with client.get("/api/system/info") as response:
            info = await response.json()
        async with client.patch("/api/heater", json={"mode": "off"}) as response:
            assert response.status == 401
        headers = {"Authorization": f"Bearer {token}"}
        async with client.patch("/api/heater", json={"preset": "eco"}, headers=headers) as r:
            assert r.status == 200, await r.text()
        async with client.get("/api/heater") as response:
            heater = await response.json()
    return {"info": info, "heater": heater}


def test_hearthd_state_set_result_and_clean_shutdown(tmp_path, mosquitto_broker, demo_pool):  # noqa: F811
    watcher = Watcher(mosquitto_broker)
    http_port = free_port()
    process = start_hearthd(write_config(tmp_path, mosquitto_broker, demo_pool, http_port))
    try:
        watcher.wait_for("hearth/dtest/availability", lambda p: p == b"online")
        first = state_of(watcher.wait_for("hearth/dtest/state", lambda p: True))
        assert set(first) >= STATE_KEYS
        assert "pool-secret-xyz" not in json.dumps(first)
        # No supervisor configured: no room reading, said so, not invented.
        assert first["room_c"] is None and "supervisor_unavailable" in first["alarms"]
        # Mining for the local pool with the CPU backend: shares get accepted.
        watcher.wait_for(
            "hearth/dtest/state", lambda p: state_of(p)["shares_accepted"] > 0, timeout=60
        )
        client = watcher.client
        client.publish("hearth/dtest/set", json.dumps({"target_c": 22.5, "id": "r1"}), qos=1)
        result = json.loads(watcher.wait_for("hearth/dtest/result", lambda p: b"r1" in p))
        assert result == {"ok": True, "error": None, "request": "r1"}
        watcher.wait_for("hearth/dtest/state", lambda p: state_of(p)["target_c"] == 22.5)
        client.publish("hearth/dtest/set", json.dumps({"target_c": 99, "id": "r2"}), qos=1)
        result = json.loads(watcher.wait_for("hearth/dtest/result", lambda p: b"r2" in p))
        assert result["ok"] is False and "target_c" in result["error"]
        client.publish("hearth/dtest/set", b"{broken", qos=1)
        result = json.loads(watcher.wait_for("hearth/dtest/result", lambda p: b"false" in p))
        assert result["ok"] is False
        # The HTTP API of the same daemon: AxeOS info, writes with the generated token.
        token = (tmp_path / "state" / "http-token").read_text().strip()
        seen = asyncio.run(http_checks(http_port, token))
        assert seen["info"]["ASICModel"] == "BM1370" and seen["info"]["stratumPort"] > 0
        assert seen["heater"]["settings"]["preset"] == "eco"
        assert seen["heater"]["pools"][0]["password"] == "***"
        assert "pool-secret-xyz" not in json.dumps(seen)
        watcher.wait_for("hearth/dtest/state", lambda p: state_of(p)["preset"] == "eco")
        output = stop(process)
        assert process.returncode == 0, output.decode(errors="replace")[-2000:]
        watcher.wait_for("hearth/dtest/availability", lambda p: p == b"offline")
    finally:
        stop(process)
        watcher.close()
    stored = Store(tmp_path / "state").load()
    assert stored.sections["settings"]["target_c"] == 22.5
    assert stored.sections["settings"]["preset"] == "eco"
    assert stored.sections["pool"]["accepted"] > 0
    assert stored.sections["energy"]["kwh"] > 0


def test_hearthd_refuses_a_bad_config_before_starting_anything(tmp_path, mosquitto_broker):  # noqa: F811
    config = write_config(
        tmp_path, mosquitto_broker, "stratum+tcp://127.0.0.1:1", heat="target_c = 45.0"
    )
    process = start_hearthd(config)
    output = process.communicate(timeout=60)[0].decode()
    assert process.returncode == 2
    assert "heat.target_c = 45.0" in output and "allowed: a number 5.0..30.0" in output
    assert not (tmp_path / "state").exists()


@pytest.mark.parametrize("signum", [signal.SIGINT])
def test_hearthd_sigint_also_saves_and_exits_cleanly(tmp_path, mosquitto_broker, demo_pool, signum):  # noqa: F811
    watcher = Watcher(mosquitto_broker)
    process = start_hearthd(write_config(tmp_path, mosquitto_broker, demo_pool))
    try:
        watcher.wait_for("hearth/dtest/availability", lambda p: p == b"online")
        process.send_signal(signum)
        output = stop(process)
        assert process.returncode == 0, output.decode(errors="replace")[-2000:]
    finally:
        stop(process)
        watcher.close()
    assert Store(tmp_path / "state").load().source is not None
