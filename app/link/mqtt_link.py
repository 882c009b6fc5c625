"""paho-mqtt in its own network thread, every event handed to the UI thread.

paho calls back on its network thread; the view-model must only ever be touched on the
UI thread, so each event is wrapped in a closure and passed to `handoff` (in the app,
Kivy's `Clock.schedule_once`; in tests, any function that runs it somewhere safe).
paho's loop reconnects by itself with a growing delay; subscriptions are renewed in
`on_connect`, so they survive every reconnect.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.reasoncodes import ReasonCode

from app.model.session import AppModel

Handoff = Callable[[Callable[[], None]], None]
KEEPALIVE_S = 15
RECONNECT_MIN_S = 1
RECONNECT_MAX_S = 30
CONNECT_REFUSALS = {
    "Bad user name or password": "wrong user name or password",
    "Not authorized": "the broker refused these credentials",
}


class MqttLink:
    def __init__(
        self,
        model: AppModel,
        handoff: Handoff,
        *,
        host: str,
        port: int,
        username: str = "",
        password: str = "",
        tls: bool = False,
    ) -> None:
        self.model = model
        self.handoff = handoff
        # Once stopped (the owner connects elsewhere), late events of this link are dropped
        # so they cannot mark the new connection as lost.
        self.stopped = False
        self.host, self.port = host, port
        # MQTT 3.1.1: the heater's embedded amqtt broker speaks nothing newer.
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"hearth-app-{uuid.uuid4().hex[:10]}",
            protocol=mqtt.MQTTv311,
            clean_session=True,
        )
        if username:
            self.client.username_pw_set(username, password or None)
        if tls:
            self.client.tls_set()  # the system's CA certificates, host name checked
        self.client.reconnect_delay_set(RECONNECT_MIN_S, RECONNECT_MAX_S)
        self.client.on_connect = self.on_connect
        self.client.on_disconnect = self.on_disconnect
        self.client.on_message = self.on_message
        self.client.on_connect_fail = self.on_connect_fail

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self) -> None:
        self.hand(lambda: self.model.on_connecting(f"Connecting to {self.address}…"))
        # connect_async + loop_start: the first connection, like every later reconnect,
        # happens on paho's thread, so a slow or absent broker never blocks the UI.
        self.client.connect_async(self.host, self.port, keepalive=KEEPALIVE_S)
        self.client.loop_start()

    def stop(self) -> None:
        self.stopped = True
        self.client.disconnect()
        self.client.loop_stop()

    def hand(self, action: Callable[[], None]) -> None:
        """Pass an event to the UI thread, unless this link has been replaced meanwhile."""
        self.handoff(lambda: None if self.stopped else action())

    def publish(self, topic: str, payload: bytes) -> bool:
        info = self.client.publish(topic, payload, qos=1)
        return info.rc == MQTTErrorCode.MQTT_ERR_SUCCESS

    # -- paho callbacks (network thread) ---------------------------------------------
    def on_connect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: object,
        reason: ReasonCode,
        properties: object,
    ) -> None:
        if reason.is_failure:
            detail = CONNECT_REFUSALS.get(str(reason), str(reason))
            self.hand(lambda: self.model.on_disconnected(f"{self.address}: {detail}"))
            return
        for topic in self.model.subscriptions():
            client.subscribe(topic, qos=1)
        self.hand(lambda: self.model.on_connected(self.publish))

    def on_connect_fail(self, client: mqtt.Client, userdata: object) -> None:
        self.hand(lambda: self.model.on_disconnected(f"Cannot reach {self.address}; retrying…"))

    def on_disconnect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: object,
        reason: ReasonCode,
        properties: object,
    ) -> None:
        self.hand(lambda: self.model.on_disconnected(f"Lost {self.address}; reconnecting…"))

    def on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        topic, payload = message.topic, bytes(message.payload)
        self.hand(lambda: self.model.on_message(topic, payload))
