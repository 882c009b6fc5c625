"""Choosing the monitor's broker: an address typed by the user, or the virtual heater's
credentials file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from host.monitor.broker import (
    DEFAULT_MQTT_PORT,
    BrokerChoiceError,
    BrokerTarget,
    choose_broker,
    parse_address,
)

hosts = st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z0-9-]{1,10}){0,3}", fullmatch=True)


@given(hosts, st.integers(1, 65535))
def test_host_and_port_round_trip(host: str, port: int) -> None:
    assert parse_address(f"{host}:{port}") == (host, port)
    assert parse_address(host) == (host, DEFAULT_MQTT_PORT)


def test_ipv6_addresses_are_bracketed() -> None:
    assert parse_address("[::1]:1884") == ("::1", 1884)
    assert parse_address("[fe80::2]") == ("fe80::2", DEFAULT_MQTT_PORT)


@pytest.mark.parametrize("text", [":1883", "host:0", "host:65536", "host:http", "[::1]:x"])
def test_bad_addresses_are_refused(text: str) -> None:
    with pytest.raises(BrokerChoiceError):
        parse_address(text)


def test_credentials_file_fills_in_what_was_not_typed(tmp_path: Path) -> None:
    saved = {"host": "127.0.0.1", "port": 41883, "username": "hearth", "password": "pw"}
    path = tmp_path / "broker-credentials.json"
    path.write_text(json.dumps(saved))
    assert choose_broker(None, None, None, path) == BrokerTarget("127.0.0.1", 41883, "hearth", "pw")
    assert choose_broker(None, "me", "mine", path) == BrokerTarget("127.0.0.1", 41883, "me", "mine")


@pytest.mark.parametrize("content", ["{", "[]", '{"host": "x"}', '{"host": "x", "port": true}'])
def test_a_broken_credentials_file_is_a_clear_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "broker-credentials.json"
    path.write_text(content)
    with pytest.raises(BrokerChoiceError) as refused:
        choose_broker(None, None, None, path)
    assert str(path) in str(refused.value)
