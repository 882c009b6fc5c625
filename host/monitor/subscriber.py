"""The monitor's MQTT side: a paho-mqtt client (MQTTv311) feeding a Fleet from its network
thread; readers take snapshots under the lock."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from host.monitor.broker import BrokerTarget
from host.monitor.fleet import Fleet, Heater

CONNECT_TIMEOUT_S = 5.0
KEEPALIVE_S = 30


class MonitorConnectError(Exception):
    """The broker could not be reached or refused us."""


class FleetSubscriber:
    def __init__(
        self,
        target: BrokerTarget,
        fleet: Fleet,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._target = target
        self._fleet = fleet
        self._clock = clock
        self._lock = threading.Lock()
        self._connected = threading.Event()
        self._subscribed = threading.Event()
        self._refused: str | None = None
        self.connected_now = False
        self._client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"hearth-monitor-{time.time_ns()}",
            protocol=mqtt.MQTTv311,
        )
        if target.username is not None:
            self._client.username_pw_set(target.username, target.password)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_subscribe = self._on_subscribe
        self._client.on_message = self._on_message

    def start(self, timeout_s: float = CONNECT_TIMEOUT_S) -> None:
        """Connect and subscribe; raises MonitorConnectError. Reconnects by itself later."""
        address = f"{self._target.host}:{self._target.port}"
        try:
            self._client.connect(self._target.host, self._target.port, KEEPALIVE_S)
        except OSError as exc:
            raise MonitorConnectError(f"cannot reach the broker at {address}: {exc}") from exc
        self._client.loop_start()
        if not self._connected.wait(timeout_s) or self._refused is not None:
            self.stop()
            reason = self._refused or "no answer"
            raise MonitorConnectError(f"the broker at {address} refused the connection: {reason}")
        if not self._subscribed.wait(timeout_s):
            self.stop()
            raise MonitorConnectError(f"the broker at {address} did not confirm the subscription")

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def snapshot(self) -> list[Heater]:
        with self._lock:
            return copy.deepcopy(self._fleet.sorted())

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        if reason.is_failure:
            self._refused = str(reason)
            self._connected.set()
            return
        self.connected_now = True
        client.subscribe([(topic, 1) for topic in self._fleet.topics()])
        self._connected.set()

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        self.connected_now = False

    def _on_subscribe(
        self, client: mqtt.Client, userdata: Any, mid: int, reasons: Any, properties: Any
    ) -> None:
        self._subscribed.set()

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        with self._lock:
            self._fleet.apply(message.topic, bytes(message.payload), self._clock())
