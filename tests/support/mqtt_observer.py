"""A test-side MQTT client: records every message on the topics it watches.

Synchronous (paho's network thread underneath), so tests can watch a bridge that runs
in another thread, another event loop or another process.

    with MqttObserver(host, port, username=u, password=p) as obs:
        obs.watch("hearth/dev1/#")
        obs.publish("hearth/dev1/set", b'{"target_c": 21}')
        msg = obs.wait_for("hearth/dev1/result")
"""

from __future__ import annotations

import itertools
import json
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

DEFAULT_TIMEOUT_S = 10.0
_ids = itertools.count()


@dataclass(frozen=True)
class Received:
    topic: str
    payload: bytes
    retain: bool
    at: float  # time.monotonic() when it arrived

    def json(self) -> Any:
        return json.loads(self.payload)


class MqttObserver:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        username: str | None = None,
        password: str | None = None,
        ca_file: str | None = None,
        client_id: str | None = None,
    ) -> None:
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id or f"test-observer-{next(_ids)}-{time.monotonic_ns()}",
            protocol=mqtt.MQTTv311,
        )
        if username is not None:
            self.client.username_pw_set(username, password)
        if ca_file is not None:
            self.client.tls_set(ca_certs=ca_file, cert_reqs=ssl.CERT_REQUIRED)
        self.host, self.port = host, port
        self.messages: list[Received] = []
        self._cond = threading.Condition()
        self._connected = threading.Event()
        self.refused: str | None = None
        self._acked: set[int] = set()
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            self.refused = str(reason_code)
        self._connected.set()

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        with self._cond:
            self._acked.add(mid)
            self._cond.notify_all()

    def _on_message(self, client, userdata, msg) -> None:
        with self._cond:
            self.messages.append(
                Received(msg.topic, bytes(msg.payload), bool(msg.retain), time.monotonic())
            )
            self._cond.notify_all()

    def start(self) -> MqttObserver:
        self.client.connect(self.host, self.port, keepalive=30)
        self.client.loop_start()
        if not self._connected.wait(DEFAULT_TIMEOUT_S):
            self.stop()
            raise TimeoutError(f"observer could not connect to {self.host}:{self.port}")
        if self.refused is not None:
            self.stop()
            raise ConnectionRefusedError(f"broker refused the observer: {self.refused}")
        return self

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def __enter__(self) -> MqttObserver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def watch(self, topic: str, qos: int = 1) -> None:
        """Subscribe and wait for the SUBACK (so nothing published after is missed)."""
        _, mid = self.client.subscribe(topic, qos)
        with self._cond:
            if not self._cond.wait_for(lambda: mid in self._acked, DEFAULT_TIMEOUT_S):
                raise TimeoutError(f"no SUBACK for {topic}")

    def publish(
        self, topic: str, payload: bytes | str, *, qos: int = 1, retain: bool = False
    ) -> None:
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        info.wait_for_publish(DEFAULT_TIMEOUT_S)

    def seen(self, topic: str) -> list[Received]:
        with self._cond:
            return [m for m in self.messages if m.topic == topic]

    def clear(self) -> None:
        with self._cond:
            self.messages.clear()

    def wait_nth(self, topic: str, n: int, *, timeout: float = DEFAULT_TIMEOUT_S) -> Received:
        """The n-th (1-based) message on `topic`, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                on_topic = [m for m in self.messages if m.topic == topic]
                if len(on_topic) >= n:
                    return on_topic[n - 1]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"only {len(on_topic)} of {n} messages on {topic}")
                self._cond.wait(remaining)

    def wait_for(
        self,
        topic: str,
        predicate: Callable[[Received], bool] = lambda _: True,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        after: int = 0,
    ) -> Received:
        """The first message on `topic` (from index `after` of `messages`) matching."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for message in self.messages[after:]:
                    if message.topic == topic and predicate(message):
                        return message
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [(m.topic, m.payload[:200]) for m in self.messages if m.topic == topic]
                    raise TimeoutError(f"no matching message on {topic}; seen: {seen}")
                self._cond.wait(remaining)
