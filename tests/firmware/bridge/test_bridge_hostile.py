"""The bridge against hostile input and a broker that silently drops its subscriptions:
every `set` gets a bounded `result`, and lost subscriptions are noticed and restored."""

from __future__ import annotations

import json

import amqtt.broker
import pytest

import firmware.bridge.client as bridge_client
import firmware.broker.embedded as embedded
from firmware.bridge.commands import MAX_ECHO_CHARS, decode_result
from firmware.bridge.topics import DeviceTopics
from tests.firmware.bridge.conftest import Endpoint
from tests.firmware.bridge.harness import BridgeRunner
from tests.firmware.broker.test_hostile_clients import connect_code
from tests.support.embedded_broker import running_embedded_broker

TOPICS = DeviceTopics("hearth", "hostile")
# What a 3.1.1 broker may answer per message: the cap on the echo, the error and the JSON.
MAX_RESULT_BYTES = 2 * MAX_ECHO_CHARS + 1024


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        (b'{"target_c": 1e400}', "out of range"),
        (b'{"target_c": -1e400, "id": 3}', "out of range"),
        (b'{"target_c": ' + b"9" * 4000 + b"}", "out of range"),
        (b'{"id": "x", "target_c": ' + b"1" * 300 + b"}", "out of range"),
        (b'{"target_c": "' + b"a" * 1_000_000 + b'"}', "too large"),
        (b"[" * 5000, "nested"),
        (b"\xff\xfe" * 100, "UTF-8"),
    ],
)
def test_every_hostile_set_gets_a_bounded_result(
    endpoint: Endpoint, payload: bytes, error: str
) -> None:
    with endpoint.observer() as obs, BridgeRunner(
        endpoint.bridge_config(), device_id=TOPICS.device_id
    ):
        obs.watch(TOPICS.result)
        obs.publish(TOPICS.set, payload)
        answer = obs.wait_for(TOPICS.result)
        assert len(answer.payload) <= MAX_RESULT_BYTES
        result = decode_result(answer.payload)
        assert result["ok"] is False
        assert error in str(result["error"])


def test_lost_subscriptions_are_noticed_and_restored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # amqtt without Hearth's CONNECT guard: a refused CONNECT with the heater's client id
    # drops the heater's subscriptions while its connection stays up.
    monkeypatch.setattr(embedded, "GuardedBroker", amqtt.broker.Broker)
    monkeypatch.setattr(bridge_client, "PROBE_TIMEOUT_S", 0.5)
    with running_embedded_broker() as info:
        assert info.heater_username and info.heater_password and info.username
        endpoint = Endpoint(
            "embedded",
            info.host,
            info.port,
            info.username,
            str(info.password),
            heater_login=(info.heater_username, info.heater_password),
        )
        config = endpoint.bridge_config(probe_interval_s=0.5)
        with endpoint.observer() as obs, BridgeRunner(config, device_id=TOPICS.device_id):
            obs.watch(TOPICS.result)
            assert connect_code(info, f"hearth-{TOPICS.device_id}", "wrong", clean=True) == 135
            # Sent until one is answered: the first ones fall into the dropped session.
            for attempt in range(60):
                obs.publish(TOPICS.set, json.dumps({"id": attempt}))
                try:
                    obs.wait_for(TOPICS.result, timeout=0.5)
                    break
                except TimeoutError:
                    continue
            else:
                pytest.fail("the bridge never got its subscriptions back")
