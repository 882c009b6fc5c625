"""The embedded amqtt broker: generated credentials kept in the state directory,
authentication on, port 0 reported, credentials reused across restarts."""

from __future__ import annotations

import asyncio
import json
import pathlib
import stat

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware.broker import (
    CREDENTIALS_FILE,
    PASSWORD_FILE,
    BrokerCredentials,
    BrokerInfo,
    EmbeddedBroker,
    load_or_create_credentials,
)
from tests.support.embedded_broker import embedded_broker as embedded_broker  # fixture
from tests.support.embedded_broker import running_embedded_broker
from tests.support.mqtt_observer import MqttObserver


def mode_of(path: pathlib.Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_credentials_file_is_private_complete_and_reused(tmp_path: pathlib.Path) -> None:
    with running_embedded_broker(tmp_path) as first:
        stored = json.loads((tmp_path / CREDENTIALS_FILE).read_text())
        assert stored == {
            "host": "127.0.0.1",
            "port": first.port,
            "username": first.username,
            "password": first.password,
        }
        assert first.port != 0
        assert mode_of(tmp_path / CREDENTIALS_FILE) == 0o600
        assert mode_of(tmp_path / PASSWORD_FILE) == 0o600
        # The broker's own user database holds a hash, not the password.
        assert first.password is not None
        assert first.password not in (tmp_path / PASSWORD_FILE).read_text()
        assert len(first.password) >= 24
    with running_embedded_broker(tmp_path) as second:
        assert (second.username, second.password) == (first.username, first.password)


def test_clients_need_the_generated_credentials(embedded_broker: BrokerInfo) -> None:
    info = embedded_broker
    with MqttObserver(info.host, info.port, username=info.username, password=info.password) as obs:
        # The owner may publish Home Assistant's birth message (topic_policy.py).
        obs.watch("homeassistant/#")
        obs.publish("homeassistant/status", b"online")
        assert obs.wait_for("homeassistant/status").payload == b"online"
    for username, password in [(info.username, "wrong"), (None, None), ("intruder", "x")]:
        with pytest.raises(ConnectionRefusedError, match="Not authorized"):
            MqttObserver(info.host, info.port, username=username, password=password).start()


def test_authentication_can_be_turned_off(tmp_path: pathlib.Path) -> None:
    with running_embedded_broker(tmp_path, authentication=False) as info:
        assert info.username is None and info.credentials_file is None
        with MqttObserver(info.host, info.port) as obs:
            obs.watch("t")
        assert not (tmp_path / CREDENTIALS_FILE).exists()


def test_corrupt_credentials_file_is_replaced(tmp_path: pathlib.Path) -> None:
    (tmp_path / CREDENTIALS_FILE).write_text("{ not json")
    fresh = load_or_create_credentials(tmp_path, "127.0.0.1", 1883)
    assert BrokerCredentials.from_json((tmp_path / CREDENTIALS_FILE).read_text()) == fresh


@given(
    st.text(min_size=1).filter(lambda s: ":" not in s),
    st.text(min_size=1),
    st.integers(0, 65535),
)
def test_credentials_json_round_trip(username: str, password: str, port: int) -> None:
    credentials = BrokerCredentials("10.0.0.2", port, username, password)
    assert BrokerCredentials.from_json(credentials.to_json()) == credentials


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        '{"host": "", "port": 1, "username": "u", "password": "p"}',
        '{"host": "h", "port": 70000, "username": "u", "password": "p"}',
        '{"host": "h", "port": true, "username": "u", "password": "p"}',
        '{"host": "h", "port": 1, "username": "a:b", "password": "p"}',
        '{"host": "h", "port": 1, "username": "u", "password": ""}',
    ],
)
def test_bad_credentials_files_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="broker credentials"):
        BrokerCredentials.from_json(text)


def test_port_out_of_range_is_refused(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ValueError, match="broker port"):
        EmbeddedBroker(tmp_path, port=70000)


def test_start_twice_is_an_error_and_stop_is_idempotent(tmp_path: pathlib.Path) -> None:
    async def scenario() -> None:
        broker = EmbeddedBroker(tmp_path, host="127.0.0.1", port=0)
        async with broker as info:
            assert info.url == f"mqtt://127.0.0.1:{info.port}"
            with pytest.raises(RuntimeError, match="already started"):
                await broker.start()
        await broker.stop()

    asyncio.run(scenario())
