"""Crashes, restarts and disconnections: the last will, the persistent session, and a
broker restart in the middle of a run, against real brokers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from firmware.bridge import DeviceTopics, decode_result
from tests.firmware.bridge.conftest import Endpoint
from tests.firmware.bridge.harness import BridgeRunner
from tests.support.mosquitto import running_mosquitto
from tests.support.mqtt_observer import MqttObserver

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
TOPICS = DeviceTopics("hearth", "crashy")


@contextmanager
def bridge_process(endpoint: Endpoint) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.firmware.bridge.bridge_process",
            endpoint.host,
            str(endpoint.port),
            *endpoint.bridge_login,
            TOPICS.device_id,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "connected"
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def test_killed_bridge_goes_offline_and_gets_queued_commands_on_return(
    endpoint: Endpoint,
) -> None:
    with endpoint.observer() as obs:
        obs.watch(TOPICS.availability)
        obs.watch(TOPICS.state)
        obs.watch(TOPICS.result)
        with bridge_process(endpoint) as process:
            obs.wait_for(TOPICS.availability, lambda m: m.payload == b"online")
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
            # The broker notices the dead connection and publishes the last will.
            obs.wait_for(TOPICS.availability, lambda m: m.payload == b"offline", timeout=20)
        # Sent while no heater is connected: the broker queues it in the persistent session.
        obs.publish(TOPICS.set, b'{"id": "while-away", "target_c": 26.5}')
        with bridge_process(endpoint):
            result = obs.wait_for(TOPICS.result)
            assert decode_result(result.payload) == {
                "ok": True,
                "error": None,
                "request": "while-away",
            }
            obs.wait_for(TOPICS.state, lambda m: m.json()["target_c"] == 26.5)
            online = obs.seen(TOPICS.availability)[-1]
            assert online.payload == b"online"


@pytest.mark.parametrize("protocol", ["3.1.1", "5"])
def test_broker_restart_mid_run_loses_no_command(protocol: str) -> None:
    with running_mosquitto(persistence=True) as broker:
        endpoint = Endpoint(
            "mosquitto", broker.host, broker.port, broker.username, broker.password, broker
        )
        # A slow first retry leaves a wide window in which the heater is disconnected.
        config = endpoint.bridge_config(reconnect_min_s=3, reconnect_max_s=3, protocol=protocol)
        with BridgeRunner(config, device_id="crashy") as runner:
            broker.stop()
            deadline = time.monotonic() + 10
            while runner.bridge.connected and time.monotonic() < deadline:
                time.sleep(0.02)
            assert not runner.bridge.connected
            broker.start()
            with MqttObserver(
                broker.host, broker.port, username=broker.username, password=broker.password
            ) as obs:
                obs.watch(TOPICS.result)
                obs.watch(TOPICS.state)
                obs.publish(TOPICS.set, b'{"id": 41, "mode": "auto", "target_c": 18}')
                # Accepted by the broker while the heater is still away.
                assert not runner.bridge.connected
                assert runner.heater.settings()["mode"] == "heat"
                result = obs.wait_for(TOPICS.result, timeout=20)
                assert decode_result(result.payload) == {"ok": True, "error": None, "request": 41}
                assert runner.heater.settings()["mode"] == "auto"
                assert runner.heater.settings()["target_c"] == 18.0
                # State is republished on reconnect and reflects the command.
                obs.wait_for(TOPICS.state, lambda m: m.json()["mode"] == "auto")
                runner.call(runner.bridge.wait_connected(10.0))
