"""The virtual heater's embedded broker: the login given with --mqtt-user/--mqtt-password is
the one it serves, and a restarted sim comes back on the port it had (the app reconnects)."""

from __future__ import annotations

import socket
import threading

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from firmware.broker import CREDENTIALS_FILE, BrokerCredentials
from host.sim.embedded_login import embedded_port, seed_login
from tests.support.embedded_broker import EmbeddedBrokerThread


def login_accepted(port: int, username: str, password: str) -> bool:
    answered = threading.Event()
    codes: list[object] = []

    def on_connect(_c: mqtt.Client, _u: object, _f: object, reason: object, _p: object) -> None:
        codes.append(reason)
        answered.set()

    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
    client.username_pw_set(username, password)
    client.on_connect = on_connect
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        assert answered.wait(10), "the broker did not answer CONNECT"
    finally:
        client.disconnect()
        client.loop_stop()
    return not getattr(codes[0], "is_failure", True)


def test_the_embedded_broker_serves_the_seeded_login(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    seed_login(tmp_path, port, "owner", "s3cret-pass")
    runner = EmbeddedBrokerThread(tmp_path, port=port)
    info = runner.start()
    try:
        assert (info.port, info.username, info.password) == (port, "owner", "s3cret-pass")
        assert login_accepted(port, "owner", "s3cret-pass")
        assert not login_accepted(port, "owner", "wrong")
    finally:
        runner.stop()
    stored = BrokerCredentials.from_json((tmp_path / CREDENTIALS_FILE).read_text())
    assert (stored.username, stored.password) == ("owner", "s3cret-pass")


def test_the_last_runs_port_is_used_again_while_free(tmp_path):
    assert 1024 <= embedded_port(tmp_path) <= 65535  # no earlier run: any free port
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        previous = holder.getsockname()[1]
        seed_login(tmp_path, previous, "hearth", "pw")
        holder.listen()
        assert embedded_port(tmp_path) != previous  # something else listens there now
    assert embedded_port(tmp_path) == previous
