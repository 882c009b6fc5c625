"""The live status a person reads: the heater's own MQTT state, as the app would see it,
next to the room model's true temperature."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion


def status_line(elapsed_s: float, true_room_c: float, state: Mapping[str, object] | None) -> str:
    if state is None:
        return f"[{elapsed_s:5.0f}s] room {true_room_c:5.2f} °C | waiting for the heater's state..."

    def number(key: str, fmt: str, scale: float = 1.0) -> str:
        value = state.get(key)
        return format(value * scale, fmt) if isinstance(value, int | float) else "  -- "

    raw_alarms = state.get("alarms")
    alarms = [str(a) for a in raw_alarms] if isinstance(raw_alarms, list) else []
    return (
        f"[{elapsed_s:5.0f}s] room {number('room_c', '5.2f')} °C "
        f"(true {true_room_c:5.2f}) -> target {number('target_c', '4.1f')} °C | "
        f"{state.get('action', '?'):7} {number('power_w', '5.0f')} W | "
        f"{number('hashrate_ghs', '6.2f', 0.001)} TH/s | "
        f"shares {state.get('shares_accepted', 0)}/{state.get('shares_rejected', 0)} | "
        f"pool {state.get('pool', '?')}" + (f" | alarms: {', '.join(alarms)}" if alarms else "")
    )


class StateWatcher:
    """Subscribes to `<prefix>/<id>/state` and keeps the latest object."""

    def __init__(
        self, host: str, port: int, topic: str, username: str | None, password: str | None
    ) -> None:
        self.topic = topic
        self._lock = threading.Lock()
        self._state: dict[str, object] | None = None
        self.messages = 0
        self._client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id="",
            protocol=mqtt.MQTTv311,
        )
        if username:
            self._client.username_pw_set(username, password)
        self._client.on_connect = self._on_connect
        self._client.on_message = self._on_message
        self._client.connect_async(host, port, keepalive=30)

    def start(self) -> None:
        self._client.loop_start()

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    @property
    def state(self) -> dict[str, object] | None:
        with self._lock:
            return self._state

    def _on_connect(self, client: mqtt.Client, *_: object) -> None:
        client.subscribe(self.topic, qos=1)

    def _on_message(self, client: mqtt.Client, userdata: object, msg: mqtt.MQTTMessage) -> None:
        try:
            value = json.loads(msg.payload)
        except ValueError:
            return
        if isinstance(value, dict):
            with self._lock:
                self._state = value
                self.messages += 1
