"""The embedded broker against a hostile neighbour: a refused CONNECT with the heater's
client id, per-user topic permissions, half-open sockets and a connection flood, all
against the real amqtt broker over real sockets."""

from __future__ import annotations

import json
import pathlib
import select
import socket
import time
from collections.abc import Iterator

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from firmware.broker import BrokerInfo, connect_guard
from tests.support.embedded_broker import EmbeddedBrokerThread, running_embedded_broker
from tests.support.mqtt_observer import MqttObserver

HEATER_ID = "hearth-den"
SET = "hearth/den/set"
STATE = "hearth/den/state"


@pytest.fixture
def broker() -> Iterator[BrokerInfo]:
    with running_embedded_broker() as info:
        yield info


def heater(info: BrokerInfo) -> MqttObserver:
    return MqttObserver(
        info.host,
        info.port,
        username=info.heater_username,
        password=info.heater_password,
        client_id=HEATER_ID,
    )


def owner(info: BrokerInfo) -> MqttObserver:
    return MqttObserver(info.host, info.port, username=info.username, password=info.password)


def connect_code(info: BrokerInfo, client_id: str, password: str, *, clean: bool) -> int:
    """CONNECT as `client_id` and return the CONNACK return code."""
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=clean,
        protocol=mqtt.MQTTv311,
    )
    client.username_pw_set(info.heater_username, password)
    codes: list[int] = []
    client.on_connect = lambda c, u, f, rc, p: codes.append(rc.value)
    client.connect(info.host, info.port, keepalive=30)
    deadline = time.monotonic() + 10
    while not codes and time.monotonic() < deadline:
        client.loop(timeout=0.1)
    client.disconnect()
    assert codes, "no CONNACK"
    return codes[0]


@pytest.mark.parametrize("clean", [True, False])
def test_refused_connect_with_the_heaters_id_leaves_its_session_alone(
    broker: BrokerInfo, clean: bool
) -> None:
    with heater(broker) as h, owner(broker) as o:
        h.watch(SET)
        # paho reports 3.1.1 "not authorized" (5) as reason code 135.
        assert connect_code(broker, HEATER_ID, "wrong", clean=clean) == 135
        o.publish(SET, b'{"id": 1, "target_c": 21}')
        assert h.wait_for(SET, timeout=10).payload == b'{"id": 1, "target_c": 21}'


def test_owner_sends_commands_but_cannot_write_the_heaters_state(broker: BrokerInfo) -> None:
    with heater(broker) as h, owner(broker) as o:
        h.watch("hearth/#")
        h.watch("homeassistant/#")
        o.publish(STATE, b'{"target_c": 5}', retain=True)
        o.publish("homeassistant/climate/den/thermostat/config", b"{}", retain=True)
        o.publish("hearth/den/availability", b"offline", retain=True)
        o.publish(SET, b'{"id": "after"}')
        # Delivered in order: once the command is in, the refused ones would have been too.
        h.wait_for(SET)
        assert h.seen(STATE) == []
        assert h.seen("hearth/den/availability") == []
        assert h.seen("homeassistant/climate/den/thermostat/config") == []


def test_owner_may_not_read_commands(broker: BrokerInfo) -> None:
    with heater(broker) as h, owner(broker) as o:
        h.watch(SET)
        o.watch("hearth/#")
        h.publish(SET, json.dumps({"pools": [{"password": "secret"}]}))
        h.publish("hearth/den/result", b'{"ok": true}')
        o.wait_for("hearth/den/result")
        assert o.seen(SET) == []


def test_half_open_socket_is_dropped_after_the_connect_deadline(
    broker: BrokerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connect_guard, "CONNECT_TIMEOUT_S", 0.5)
    with socket.create_connection((broker.host, broker.port), timeout=10) as sock:
        sock.settimeout(10)
        assert sock.recv(1) == b""  # closed by the broker, not by our 10 s timeout


def test_oversized_connect_is_dropped(broker: BrokerInfo) -> None:
    with socket.create_connection((broker.host, broker.port), timeout=10) as sock:
        sock.settimeout(10)
        sock.sendall(bytes([0x10, 0xFF, 0xFF, 0xFF, 0x7F]))  # 256 MB remaining length
        assert sock.recv(1) == b""


def test_connection_flood_is_capped_and_the_heater_still_gets_in(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connect_guard, "MAX_CONNECTIONS", 8)
    runner = EmbeddedBrokerThread(tmp_path)
    info = runner.start()
    try:
        socks = [socket.create_connection((info.host, info.port), timeout=10) for _ in range(8)]
        guard = runner.broker._broker
        assert guard is not None
        deadline = time.monotonic() + 10
        while guard.open_connections < 8:  # accepted sockets are registered in tasks
            assert time.monotonic() < deadline, "the broker never saw the 8 sockets"
            time.sleep(0.01)
        try:
            # The cap is full of silent sockets: the oldest makes room for the heater.
            with heater(info) as h:
                h.watch(SET)
            # One of them (the oldest the broker registered) was closed to make room.
            readable, _, _ = select.select(socks, [], [], 10)
            assert readable and readable[0].recv(1) == b""
        finally:
            for sock in socks:
                sock.close()
    finally:
        runner.stop()
