"""The real `HeaterDaemon` on its own event-loop thread, against the chain simulator on
a pty (its chips powered by the board's simulated regulator on the I2C socket, as under
`hearth sim`) and a given broker, for the benchmarks that time it from outside over MQTT, plus
a paho client that records every message with its arrival time."""

from __future__ import annotations

import asyncio
import json
import tempfile
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from firmware.board import load_board
from firmware.bridge.client import disable_nagle
from firmware.config import parse_config
from firmware.daemon.daemon import HeaterDaemon
from hw.sim.chain import ChainSimulator
from hw.sim.i2c import I2cServer
from hw.sim.parts import SimBoard
from tests.support.mosquitto import MosquittoBroker

T = TypeVar("T")


class LiveHeater:
    def __init__(self, broker: MosquittoBroker, board: str, device_id: str) -> None:
        profile = load_board(board)
        self.chain = ChainSimulator(profile, share_bits=16, cpu_budget=0.1)
        port = self.chain.start()
        asic: dict[str, object] = {"port": port, "ticket_difficulty": self.chain.ticket_difficulty}
        self.i2c: I2cServer | None = None
        if profile.parts:
            self.parts = SimBoard(profile, ambient_c=20.0)
            self.parts.attach(self.chain)
            self.i2c = I2cServer(self.parts.bus)
            asic["i2c_bus"] = self.i2c.start()
        self._tmp = tempfile.TemporaryDirectory(prefix="hearth-bench-")
        self.config = parse_config(
            {
                "device": {"id": device_id, "board": board, "state_dir": self._tmp.name},
                "asic": asic,
                # No pool answers: offline heat hashes local work, as a heater without
                # internet does.
                "pool": [{"url": "stratum+tcp://127.0.0.1:9", "user": "bc1qbench.x"}],
                "mqtt": {
                    "broker": f"{broker.host}:{broker.port}",
                    "username": broker.username,
                    "password": broker.password,
                },
                "http": {"port": 0},
                "heat": {"mode": "heat", "target_c": 20.0},
            }
        )
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.daemon: HeaterDaemon = self.call(self._make())

    async def _make(self) -> HeaterDaemon:
        return HeaterDaemon(self.config)

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def __enter__(self) -> LiveHeater:
        self.call(self.daemon.start())
        assert self.daemon.bridge is not None
        self.call(self.daemon.bridge.wait_connected(30.0))
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.call(self.daemon.stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)
            if self.i2c is not None:
                self.i2c.stop()
            self.chain.stop()
            self._tmp.cleanup()


class Recorder:
    """Every message on `<prefix>/<id>/#`, in arrival order, with `time.perf_counter()`."""

    def __init__(self, broker: MosquittoBroker, topic_filter: str) -> None:
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
        self.client.username_pw_set(broker.username, broker.password)
        self.client.on_socket_open = disable_nagle
        self.messages: list[tuple[float, str, bytes]] = []
        self._cond = threading.Condition()
        subscribed = threading.Event()
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *args: subscribed.set()
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()
        self.client.subscribe(topic_filter, 1)
        if not subscribed.wait(10.0):
            raise TimeoutError(f"no SUBACK for {topic_filter}")

    def _on_message(self, client: object, userdata: object, msg: mqtt.MQTTMessage) -> None:
        with self._cond:
            self.messages.append((time.perf_counter(), msg.topic, bytes(msg.payload)))
            self._cond.notify_all()

    def mark(self) -> int:
        with self._cond:
            return len(self.messages)

    def publish(self, topic: str, payload: bytes) -> float:
        """Publish (QoS 1) and return the perf_counter time it was handed to paho."""
        started = time.perf_counter()
        self.client.publish(topic, payload, qos=1)
        return started

    def wait_state(
        self, topic: str, after: int, predicate: Callable[[dict[str, Any]], bool], timeout: float
    ) -> tuple[float, dict[str, Any], int]:
        """The first state from index `after` matching: (arrival time, state, how many
        states before it did not match)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                misses = 0
                for at, got, payload in self.messages[after:]:
                    if got != topic:
                        continue
                    state = json.loads(payload)
                    if predicate(state):
                        return at, state, misses
                    misses += 1
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no matching state on {topic} within {timeout} s")
                self._cond.wait(remaining)

    def wait_for(self, topic: str, after: int, timeout: float) -> float:
        """Arrival time of the first message on `topic` from index `after`."""
        with self._cond:
            if not self._cond.wait_for(
                lambda: any(got == topic for _, got, _ in self.messages[after:]), timeout
            ):
                raise TimeoutError(f"nothing on {topic} within {timeout} s")
            return next(at for at, got, _ in self.messages[after:] if got == topic)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
