"""The bridge against real brokers (Mosquitto and the embedded amqtt broker): the
docs/mqtt.md topic contract end to end, through a second MQTT client."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from firmware.bridge import (
    BridgeConfig,
    DemandSignal,
    DeviceTopics,
    DiscoveryInfo,
    TlsConfig,
    decode_result,
)
from firmware.bridge import client as client_module
from firmware.bridge.discovery import ENTITIES, FEATURE_MINING
from firmware.heat.settings import PRESET_TARGETS_C
from tests.firmware.bridge.conftest import Endpoint
from tests.firmware.bridge.harness import TEST_DEVICE, BridgeRunner
from tests.support.embedded_broker import running_embedded_broker
from tests.support.mosquitto import MosquittoBroker
from tests.support.mosquitto import mosquitto_broker as mosquitto_broker  # fixture
from tests.support.mqtt_observer import MqttObserver
from tests.support.waiting import wait_until

TOPICS = DeviceTopics("hearth", "testheater")
DISCOVERY = DiscoveryInfo(TEST_DEVICE)


def config_topics(info: DiscoveryInfo) -> dict[str, str]:
    return {
        entity.key: f"{info.prefix}/{entity.component}/{TOPICS.device_id}/{entity.key}/config"
        for entity in ENTITIES
    }


def test_connect_publishes_retained_availability_state_and_discovery(endpoint: Endpoint) -> None:
    with (
        BridgeRunner(endpoint.bridge_config(), discovery=DISCOVERY) as runner,
        endpoint.observer() as obs,
    ):
        # Subscribing after the bridge published: only retained messages can arrive.
        obs.watch("hearth/testheater/#")
        obs.watch("homeassistant/+/testheater/+/config")
        availability = obs.wait_for(TOPICS.availability)
        assert availability.retain and availability.payload == b"online"
        state = obs.wait_for(TOPICS.state)
        assert state.retain
        assert state.json() == json.loads(json.dumps(runner.heater.state()))
        for key, topic in config_topics(DISCOVERY).items():
            config = obs.wait_for(topic)
            assert config.retain, key
            payload = config.json()
            assert isinstance(payload, dict)
            assert payload["availability_topic"] == TOPICS.availability
            assert payload["device"]["identifiers"] == ["hearth_testheater"]


def test_good_set_is_applied_answered_and_reflected_in_state(endpoint: Endpoint) -> None:
    with BridgeRunner(endpoint.bridge_config()) as runner, endpoint.observer() as obs:
        obs.watch(TOPICS.result)
        obs.watch(TOPICS.state)
        obs.publish(TOPICS.set, json.dumps({"target_c": 22.5, "preset": "comfort", "id": "r1"}))
        result = decode_result(obs.wait_for(TOPICS.result).payload)
        assert result == {"ok": True, "error": None, "request": "r1"}
        # The state published before that result already carries the command; the target
        # in force is the preset's (the daemon's rule), the setting is kept for "none".
        state = obs.wait_for(TOPICS.state, lambda m: m.json()["preset"] == "comfort").json()
        assert isinstance(state, dict) and state["target_c"] == PRESET_TARGETS_C["comfort"]
        assert runner.heater.settings()["target_c"] == 22.5
        # Without an "id" the whole command is echoed.
        obs.publish(TOPICS.set, b'{"mode": "auto"}')
        echoed = obs.wait_for(TOPICS.result, lambda m: m.json()["request"] == {"mode": "auto"})
        assert decode_result(echoed.payload)["ok"] is True
        assert runner.heater.settings()["mode"] == "auto"


BAD_COMMANDS: list[tuple[bytes, str]] = [
    (b"not json at all", "not JSON"),
    (b"\xff\xfe\x00", "not UTF-8"),
    (b"[1, 2, 3]", "JSON object"),
    (b'"warm please"', "JSON object"),
    # The daemon's own messages (firmware.heat.apply_update) name the key and the value.
    (b"{}", "update = {}"),
    (b'{"target_c": "warm"}', "target_c = 'warm'"),
    (b'{"target_c": true}', "target_c = True"),
    (b'{"target_c": 99}', "target_c = 99"),
    (b'{"target_c": 4.9}', "target_c = 4.9"),
    (b'{"target_c": 21.05}', "target_c = 21.05"),  # off the 0.1 °C grid
    (b'{"colour": "red"}', "colour = 'red'"),
    (b'{"target_c": 21.0, "mode": "turbo"}', "mode = 'turbo'"),  # all-or-nothing
    (b'{"power_limit_w": -5}', "power_limit_w = -5"),
    (b'{"power_limit_w": 600}', "power_limit_w = 600"),  # above the board's maximum
    (b'{"id": [1], "mode": "off"}', '"id" must be'),
]


def test_bad_sets_change_nothing_and_each_gets_an_answer(endpoint: Endpoint) -> None:
    with BridgeRunner(endpoint.bridge_config()) as runner, endpoint.observer() as obs:
        before = dict(runner.heater.settings())
        obs.watch(TOPICS.result)
        for sent, (payload, why) in enumerate(BAD_COMMANDS, start=1):
            obs.publish(TOPICS.set, payload)
            result = decode_result(obs.wait_nth(TOPICS.result, sent).payload)
            assert result["ok"] is False, payload
            assert isinstance(result["error"], str) and why in result["error"], (payload, result)
        assert runner.heater.settings() == before
        assert runner.heater.applied == []


def test_retained_command_is_applied_once_then_deleted(endpoint: Endpoint) -> None:
    with endpoint.observer() as obs:
        obs.watch(TOPICS.result)
        # Left on the broker by a careless client: it must not replay on every reconnect.
        obs.publish(TOPICS.set, b'{"target_c": 25}', retain=True)
        with BridgeRunner(endpoint.bridge_config()) as runner:
            result = decode_result(obs.wait_nth(TOPICS.result, 1).payload)
            assert result == {"ok": True, "error": None, "request": {"target_c": 25}}
            assert runner.heater.settings()["target_c"] == 25.0
        with endpoint.observer() as late:
            late.watch(TOPICS.set)
            late.watch(TOPICS.availability)
            late.wait_for(TOPICS.availability)
            assert [m for m in late.messages if m.topic == TOPICS.set and m.payload] == []
        with BridgeRunner(endpoint.bridge_config()) as runner:
            obs.publish(TOPICS.set, b'{"id": "next"}')  # nothing to apply: an error answer
            second = decode_result(obs.wait_nth(TOPICS.result, 2).payload)
            assert second["request"] == "next"
            assert runner.heater.settings()["target_c"] == 20.0


def test_home_assistant_birth_message_reannounces_discovery(endpoint: Endpoint) -> None:
    with BridgeRunner(endpoint.bridge_config(), discovery=DISCOVERY), endpoint.observer() as obs:
        obs.watch("homeassistant/+/testheater/+/config")
        obs.wait_for(config_topics(DISCOVERY)["thermostat"])
        obs.clear()
        obs.publish("homeassistant/status", b"online")
        again = obs.wait_for(config_topics(DISCOVERY)["thermostat"])
        assert not again.retain  # a live re-announcement, not the stored copy
        for topic in config_topics(DISCOVERY).values():
            obs.wait_for(topic)


def test_disabled_feature_and_discovery_off_remove_entities(endpoint: Endpoint) -> None:
    with BridgeRunner(endpoint.bridge_config(), discovery=DISCOVERY) as runner:
        no_mining = DiscoveryInfo(TEST_DEVICE, disabled_features=frozenset({FEATURE_MINING}))
        runner.call(runner.bridge.set_discovery(no_mining))
        mining = {e.key for e in ENTITIES if e.feature == FEATURE_MINING}
        with endpoint.observer() as obs:
            obs.watch("homeassistant/+/testheater/+/config")
            obs.wait_for(config_topics(DISCOVERY)["thermostat"])
            obs.publish("hearth/testheater/sync", b"x", qos=1)  # everything retained has come
            retained = {m.topic for m in obs.messages if m.retain and m.payload}
        topics = config_topics(DISCOVERY)
        assert {topics[k] for k in mining}.isdisjoint(retained)
        assert {topics[k] for k in topics if k not in mining} <= retained
        runner.call(runner.bridge.set_discovery(None))
        # The broker acknowledged each removal; the embedded one (amqtt) stores retained
        # messages from its delivery queue, after the PUBACK: a new subscriber may still
        # be handed an old config for a moment. What HA sees once that queue has run:
        deadline = time.monotonic() + 10.0
        while True:
            with endpoint.observer() as obs:
                obs.watch("homeassistant/#")
                obs.watch(TOPICS.availability)
                obs.wait_for(TOPICS.availability)
                left = [m.topic for m in obs.messages if m.topic.startswith("homeassistant/")]
            if not left or time.monotonic() > deadline:
                break
        assert left == []


def test_demand_signal_reaches_the_handler(endpoint: Endpoint) -> None:
    with BridgeRunner(endpoint.bridge_config()) as runner, endpoint.observer() as obs:
        obs.publish(TOPICS.demand, b'{"max_power_w": 300, "duration_s": 900}')
        obs.publish(TOPICS.demand, b"not a signal")
        obs.publish(TOPICS.demand, b"normal")
        obs.watch(TOPICS.result)
        obs.publish(TOPICS.set, b'{"id": 7, "mode": "heat"}')  # orders after the demands
        obs.wait_for(TOPICS.result)
        assert runner.heater.demands == [
            DemandSignal(max_power_w=300.0, duration_s=900.0),
            DemandSignal(max_power_w=None),
        ]


def test_changes_are_published_and_stop_says_offline(endpoint: Endpoint) -> None:
    runner = BridgeRunner(endpoint.bridge_config(state_min_interval_s=0.05)).start()
    with endpoint.observer() as obs:
        obs.watch(TOPICS.state)
        obs.watch(TOPICS.availability)
        runner.heater.room_c = 19.75
        runner.in_loop(runner.bridge.notify_changed)
        obs.wait_for(TOPICS.state, lambda m: m.json()["room_c"] == 19.75)
        runner.stop()
        last = obs.wait_for(TOPICS.availability, lambda m: m.payload == b"offline")
        assert last.payload == b"offline"


def test_wrong_password_is_a_clear_error_not_a_crash(endpoint: Endpoint) -> None:
    runner = BridgeRunner(endpoint.bridge_config(password="wrong", reconnect_min_s=1)).start(
        wait=False
    )
    try:
        wait_until(lambda: runner.bridge.last_error, 20.0, "the refusal reported")
        deadline_error = runner.bridge.last_error
        assert deadline_error is not None
        assert "refused" in deadline_error and "username/password" in deadline_error
        assert not runner.bridge.connected
    finally:
        runner.stop()


async def _sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


@pytest.mark.parametrize("protocol", ["3.1.1", "5"])
def test_tls_listener_with_private_ca(protocol: str, mosquitto_broker: MosquittoBroker) -> None:
    broker = mosquitto_broker
    config = BridgeConfig(
        host="localhost",
        port=broker.tls_port,
        username=broker.username,
        password=broker.password,
        tls=TlsConfig(ca_file=str(broker.ca_path)),
        protocol=protocol,  # type: ignore[arg-type]
    )
    with BridgeRunner(config) as runner:
        assert runner.bridge.connected
        with MqttObserver(
            "localhost",
            broker.tls_port,
            username=broker.username,
            password=broker.password,
            ca_file=str(broker.ca_path),
        ) as obs:
            obs.watch(TOPICS.result)
            obs.publish(TOPICS.set, b'{"target_c": 23}')
            assert decode_result(obs.wait_for(TOPICS.result).payload)["ok"] is True
    # Without the private CA the certificate cannot be trusted: no session.
    untrusted = BridgeConfig(
        host="localhost",
        port=broker.tls_port,
        username=broker.username,
        password=broker.password,
        tls=TlsConfig(ca_file=None),
        reconnect_min_s=1,
    )
    runner = BridgeRunner(untrusted).start(wait=False)
    try:
        wait_until(lambda: runner.bridge.last_error, 20.0, "the TLS failure reported")
        assert not runner.bridge.connected
    finally:
        runner.stop()


def test_unchanged_state_is_still_republished_on_the_heartbeat(endpoint: Endpoint) -> None:
    config = endpoint.bridge_config(state_min_interval_s=0.1, state_heartbeat_s=0.3)
    with BridgeRunner(config) as runner, endpoint.observer() as obs:
        obs.watch(TOPICS.state)
        first = obs.wait_nth(TOPICS.state, 1)  # the retained copy
        beats = [obs.wait_nth(TOPICS.state, n, timeout=5.0) for n in (2, 3)]
        assert all(beat.payload == first.payload for beat in beats)
        assert not any(beat.retain for beat in beats)  # live publishes, not the stored copy
        assert runner.heater.applied == []


def test_mqtt5_against_the_embedded_broker_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(client_module, "CONNACK_TIMEOUT_S", 0.5)
    with running_embedded_broker() as info:
        config = BridgeConfig(
            host=info.host,
            port=info.port,
            username=info.username,
            password=info.password,
            protocol="5",
        )
        runner = BridgeRunner(config).start(wait=False)
        try:
            wait_until(lambda: runner.bridge.last_error, 30.0, "the refusal reported")
            assert runner.bridge.last_error is not None
            assert "3.1.1 only" in runner.bridge.last_error
            assert not runner.bridge.connected
        finally:
            runner.stop()


def test_a_state_that_cannot_be_built_never_blocks_the_event_loop(
    endpoint: Endpoint, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    config = endpoint.bridge_config(state_min_interval_s=0.05, state_heartbeat_s=0.05)
    with BridgeRunner(config) as runner, endpoint.observer() as obs:
        obs.watch(TOPICS.state)
        obs.wait_nth(TOPICS.state, 1)
        # The daemon's state getter raising (here: its settings gone) on every call.
        monkeypatch.setattr(runner.heater, "heat_settings", None)
        runner.in_loop(runner.bridge.notify_changed)
        # A publish that cannot go out is retried later, not at once in a loop that
        # never yields: the bridge's event loop keeps serving other work.
        runner.call(_sleep(0.5), timeout=10.0)
        tries = [r for r in caplog.records if "could not build the state" in r.getMessage()]
        assert 1 <= len(tries) <= 10
        monkeypatch.undo()
        runner.heater.room_c = 21.25
        runner.in_loop(runner.bridge.notify_changed)
        obs.wait_for(TOPICS.state, lambda m: m.json()["room_c"] == 21.25)
