"""MQTT `set` → `state` latency, on a loopback Mosquitto, measured by content.

A commander client publishes `{"target_c": x}` (QoS 1) to `hearth/<id>/set` and times
until a `state` message with that target arrives. Two heaters are measured: the bridge
alone around a settings double (`bridge_*`), and the real `HeaterDaemon` (control loop,
store, chain simulator on a pty: `set_to_state_*`), where every state arriving between
the `set` and the first one carrying it is counted as stale (the target: none).
Baselines, in the same process and against the same broker: a plain paho publish →
receive (one hop) and a paho echo client that republishes what it gets (two hops, like
set → bridge → state, minus the bridge).

    .venv/bin/python -m tests.bench.bench_mqtt
"""

from __future__ import annotations

import json
import statistics
import sys
import threading
import time

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from firmware.bridge import DeviceTopics
from firmware.bridge.client import disable_nagle
from tests.bench.live_heater import LiveHeater, Recorder
from tests.firmware.bridge.conftest import Endpoint
from tests.firmware.bridge.harness import BridgeRunner
from tests.support.mosquitto import MosquittoBroker, running_mosquitto

ROUNDS = 400
DAEMON_ROUNDS = 200  # each set is also a durable store write (fsync)
# Against a stock-configured Mosquitto (Nagle on) every hop costs ~40 ms, so fewer rounds.
STOCK_ROUNDS = 60
WARMUP = 10
TOPICS = DeviceTopics("hearth", "benchheater")


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))
    return ordered[index]


def summary(samples_s: list[float]) -> dict[str, float]:
    ms = [s * 1000.0 for s in samples_s]
    return {
        "p50_ms": round(statistics.median(ms), 3),
        "p99_ms": round(percentile(ms, 0.99), 3),
        "max_ms": round(max(ms), 3),
    }


class Waiter:
    """Paho client whose on_message wakes a waiting thread when a predicate matches."""

    def __init__(self, broker: MosquittoBroker, name: str) -> None:
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=name, protocol=mqtt.MQTTv311
        )
        self.client.username_pw_set(broker.username, broker.password)
        self.event = threading.Event()
        self.expect: bytes | None = None
        self.client.on_message = self.on_message
        self.client.on_socket_open = disable_nagle
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()

    def on_message(self, client, userdata, msg) -> None:
        if self.expect is not None and self.expect in msg.payload:
            self.event.set()

    def round_trip(self, topic: str, payload: bytes, expect: bytes) -> float:
        self.event.clear()
        self.expect = expect
        started = time.perf_counter()
        self.client.publish(topic, payload, qos=1)
        if not self.event.wait(5.0):
            raise TimeoutError(f"no answer for {payload!r}")
        return time.perf_counter() - started

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def subscribe(client: mqtt.Client, topic: str) -> None:
    done = threading.Event()
    client.on_subscribe = lambda *args: done.set()
    client.subscribe(topic, 1)
    if not done.wait(5.0):
        raise TimeoutError(f"no SUBACK for {topic}")


def measure(run: object, rounds: int) -> list[float]:  # run: Callable[[int], float]
    samples = []
    for i in range(WARMUP + rounds):
        elapsed = run(i)  # type: ignore[operator]
        if i >= WARMUP:
            samples.append(elapsed)
    return samples


def bench(broker: MosquittoBroker, rounds: int) -> dict[str, object]:
    # Baseline 1: one hop, publisher and subscriber are the same paho client.
    one_hop = Waiter(broker, "bench-one-hop")
    subscribe(one_hop.client, "bench/one")
    one = measure(
        lambda i: one_hop.round_trip("bench/one", f"ping {i};".encode(), f"ping {i};".encode()),
        rounds,
    )
    one_hop.close()

    # Baseline 2: two hops through a plain paho echo client.
    echo = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-echo", protocol=mqtt.MQTTv311)
    echo.username_pw_set(broker.username, broker.password)

    def echo_back(client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        client.publish("bench/echo/out", message.payload, qos=1)

    echo.on_message = echo_back
    echo.on_socket_open = disable_nagle
    echo.connect(broker.host, broker.port)
    echo.loop_start()
    subscribe(echo, "bench/echo/in")
    commander = Waiter(broker, "bench-commander")
    subscribe(commander.client, "bench/echo/out")
    two = measure(
        lambda i: commander.round_trip("bench/echo/in", f"e{i};".encode(), f"e{i};".encode()),
        rounds,
    )
    echo.disconnect()
    echo.loop_stop()
    commander.close()

    # The bridge: set -> apply_set -> state reflecting it.
    endpoint = Endpoint(
        "mosquitto", broker.host, broker.port, broker.username, broker.password, broker
    )
    with BridgeRunner(endpoint.bridge_config(), device_id=TOPICS.device_id):
        commander = Waiter(broker, "bench-set")
        subscribe(commander.client, TOPICS.state)

        def set_round(i: int) -> float:
            target = 5.0 + (i % 250) / 10.0  # a new value each time, in 5.0..29.9
            payload = json.dumps({"target_c": target}).encode()
            return commander.round_trip(TOPICS.set, payload, f'"target_c":{target}'.encode())

        bridge = measure(set_round, rounds)
        commander.close()

    daemon, stale = daemon_rounds(broker, min(rounds, DAEMON_ROUNDS))
    figures, base_one, base_two = summary(daemon), summary(one), summary(two)
    alone = summary(bridge)
    return {
        "rounds": rounds,
        "set_to_state_p50_ms": figures["p50_ms"],
        "set_to_state_p99_ms": figures["p99_ms"],
        "set_to_state_max_ms": figures["max_ms"],
        "stale_states": stale,
        "bridge_set_to_state_p50_ms": alone["p50_ms"],
        "bridge_set_to_state_p99_ms": alone["p99_ms"],
        "paho_one_hop_p50_ms": base_one["p50_ms"],
        "paho_one_hop_p99_ms": base_one["p99_ms"],
        "paho_echo_p50_ms": base_two["p50_ms"],
        "paho_echo_p99_ms": base_two["p99_ms"],
        "p50_vs_echo": round(figures["p50_ms"] / base_two["p50_ms"], 2),
        "p99_vs_echo": round(figures["p99_ms"] / base_two["p99_ms"], 2),
    }


def daemon_rounds(broker: MosquittoBroker, rounds: int) -> tuple[list[float], int]:
    """The real daemon: set → the first state carrying the new target, and how many
    states arrived in between that did not."""
    topics = DeviceTopics("hearth", "benchdaemon")
    samples: list[float] = []
    stale = 0
    with LiveHeater(broker, "bitaxe-gamma", topics.device_id):
        recorder = Recorder(broker, f"hearth/{topics.device_id}/#")
        try:
            for i in range(WARMUP + rounds):
                target = 5.0 + (i % 250) / 10.0
                after = recorder.mark()
                sent = recorder.publish(topics.set, json.dumps({"target_c": target}).encode())
                at, _, misses = recorder.wait_state(
                    topics.state, after, lambda s, t=target: s["target_c"] == t, 10.0
                )
                # Like a commander: the next command only after this one's answer.
                recorder.wait_for(topics.result, after, 10.0)
                if i >= WARMUP:
                    samples.append(at - sent)
                    stale += misses
        finally:
            recorder.close()
    return samples, stale


def main() -> int:
    with running_mosquitto(tcp_nodelay=True) as broker:
        tuned = bench(broker, ROUNDS)
    with running_mosquitto(tcp_nodelay=False) as broker:
        stock = bench(broker, STOCK_ROUNDS)
    result = {
        "bench": "bench_mqtt",
        **tuned,
        "target_p99_ms": 50.0,
        "meets_target": tuned["set_to_state_p99_ms"] <= 50.0  # type: ignore[operator]
        and tuned["stale_states"] == 0,
        "stock_mosquitto": stock,
    }
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
