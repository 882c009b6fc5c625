"""A small heater for the app's tests: speaks the MQTT contract (docs/mqtt.md) with paho.

It publishes retained `availability` (with `offline` as its last will) and a retained
contract-shaped `state`, answers every `set` on `result` (all-or-nothing, with the
correlation `id` echoed) and publishes the new state. Used until/besides `hearth sim`.
"""

from __future__ import annotations

import json
import math
import threading
import time
import uuid
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

SETTABLE = {"mode", "preset", "target_c", "power_limit_w", "schedule"}


def contract_state(**overrides: Any) -> dict[str, Any]:
    state: dict[str, Any] = {
        "mode": "heat",
        "preset": "comfort",
        "action": "heating",
        "target_c": 21.5,
        "room_c": 19.8,
        "power_w": 812.0,
        "hashrate_ghs": 2150.0,
        "chip_temp_c": 61.0,
        "fan_rpm": 2400,
        "efficiency_j_th": 17.5,
        "pool": "connected",
        "shares_accepted": 1234,
        "shares_rejected": 3,
        "energy_kwh": 42.37,
        "uptime_s": 86400,
        "alarms": [],
        "firmware": "0.1.0",
        "earned_sats": 5120.5,
        "pool_url": "stratum+tcp://127.0.0.1:3333",
        "power_limit_w": 0,
    }
    state.update(overrides)
    return state


def contract_history(
    now: float, *, hours: float = 48.0, interval_s: int = 60, gap_rows: int = 0
) -> dict[str, Any]:
    """A heater's own history in the shape of docs/mqtt.md `history/*`: a day's swing of
    room temperature, heating on and off, the last `gap_rows` readings unknown (null)."""
    fields = ["room_c", "target_c", "power_w", "hashrate_ths", "energy_kwh", "earnings_sat"]
    rows: list[list[Any]] = []
    count = int(hours * 3600 / interval_s)
    for k in range(count):
        t = int(now - (count - k) * interval_s)
        phase = math.sin(2 * math.pi * t / 86400)
        heating = phase < 0.2
        rows.append(
            [
                t,
                round(19.5 + 1.5 * phase, 2),
                21.0 if phase < 0.5 else 18.0,
                800.0 if heating else 40.0,
                2.1 if heating else 0.0,
                round(k * interval_s / 3600 * 0.5, 3),
                round(k * 0.01, 3),
            ]
        )
    for row in rows[len(rows) - gap_rows :]:
        row[1:] = [None] * len(fields)
    return {"interval_s": interval_s, "fields": fields, "samples": rows}


class ContractHeater:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        device_id: str = "livingroom",
        username: str = "",
        password: str = "",
        prefix: str = "hearth",
        state: dict[str, Any] | None = None,
        refuse: dict[str, str] | None = None,
        history: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.base = f"{prefix}/{device_id}"
        # Retained `history/minute|hour` documents to publish on connect (Hearth's extension).
        self.history = dict(history or {})
        self.refuse = dict(refuse or {})  # settable key -> the error this heater answers
        self.state = state if state is not None else contract_state()
        self.sets: list[dict[str, Any]] = []  # settings of each `set`, without the id
        self.raw_sets: list[bytes] = []
        self.lock = threading.Lock()
        self.subscribed = threading.Event()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"test-heater-{device_id}-{uuid.uuid4().hex[:8]}",
            protocol=mqtt.MQTTv311,
        )
        if username:
            self.client.username_pw_set(username, password)
        self.client.will_set(f"{self.base}/availability", "offline", qos=1, retain=True)
        self.client.on_connect = self.on_connect
        self.client.on_message = self.on_message
        self.client.on_subscribe = lambda *_args: self.subscribed.set()
        self.host, self.port = host, port

    def start(self) -> ContractHeater:
        self.client.connect(self.host, self.port, keepalive=10)
        self.client.loop_start()
        if not self.subscribed.wait(10):
            raise TimeoutError("test heater could not subscribe")
        return self

    def stop(self, *, clean: bool = True) -> None:
        """clean=False drops the TCP connection without DISCONNECT, like a heater losing
        power: the broker then publishes the last will (`offline`)."""
        if not clean:
            self.client.loop_stop()
            sock = self.client.socket()
            if sock is not None:
                sock.close()
            return
        self.client.publish(
            f"{self.base}/availability", "offline", qos=1, retain=True
        ).wait_for_publish(5)
        self.client.disconnect()
        self.client.loop_stop()

    def on_connect(self, client: mqtt.Client, *_args: Any) -> None:
        client.subscribe(f"{self.base}/set", qos=1)
        client.publish(f"{self.base}/availability", "online", qos=1, retain=True)
        for level, document in self.history.items():
            client.publish(f"{self.base}/history/{level}", json.dumps(document), retain=True)
        # On paho's network thread: waiting for the PUBACK here would block the very
        # loop that has to read it.
        self.publish_state(wait=False)

    def publish_state(self, *, wait: bool = True, **changes: Any) -> None:
        with self.lock:
            self.state.update(changes)
            payload = json.dumps(self.state)
        info = self.client.publish(f"{self.base}/state", payload, qos=1, retain=True)
        if wait:
            info.wait_for_publish(5)

    def publish_raw_state(self, payload: bytes) -> None:
        self.client.publish(f"{self.base}/state", payload, qos=1, retain=True).wait_for_publish(5)

    def on_message(self, client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        with self.lock:
            self.raw_sets.append(bytes(message.payload))
        try:
            command = json.loads(message.payload)
        except ValueError:
            command = None
        if not isinstance(command, dict):
            self.answer(
                False, "payload must be a JSON object", message.payload.decode(errors="replace")
            )
            return
        request = command.pop("id", command)
        with self.lock:
            self.sets.append(dict(command))
        unknown = sorted(set(command) - SETTABLE)
        if unknown:
            self.answer(False, f"unknown key {unknown[0]}", request)
            return
        refused = sorted(set(command) & set(self.refuse))
        if refused:
            self.answer(False, self.refuse[refused[0]], request)
            return
        target = command.get("target_c")
        if target is not None and not (isinstance(target, int | float) and 5.0 <= target <= 30.0):
            self.answer(False, "target_c must be 5.0-30.0", request)
            return
        self.publish_state(wait=False, **command)
        self.answer(True, None, request)

    def answer(self, ok: bool, error: str | None, request: Any) -> None:
        payload = json.dumps({"ok": ok, "error": error, "request": request})
        self.client.publish(f"{self.base}/result", payload, qos=1)

    def wait_for_set(self, count: int = 1, timeout_s: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.sets) >= count:
                    return list(self.sets)
            time.sleep(0.02)
        raise TimeoutError(f"expected {count} set message(s), got {self.sets}")
