"""The bridge in front of the daemon's real settings rules (`firmware.heat.apply_update`),
through real brokers: weekly schedules applied all-or-nothing, and every command Home
Assistant can send from the discovery configs accepted by the real validation."""

from __future__ import annotations

import json
from collections.abc import Mapping

from jinja2.sandbox import ImmutableSandboxedEnvironment

from firmware.bridge import DeviceTopics, DiscoveryInfo, decode_result, discovery_messages
from tests.firmware.bridge.conftest import Endpoint
from tests.firmware.bridge.harness import TEST_DEVICE, BridgeRunner
from tests.support.fake_heater import MAX_POWER_W, FakeHeater

TOPICS = DeviceTopics("hearth", "testheater")
SCHEDULE = {
    "mon": [{"at": "06:30", "target_c": 21.0}, {"at": "22:30", "target_c": 17.5}],
    "sun": [{"at": "09:00", "target_c": 22.0}],
}


def test_schedule_is_applied_all_or_nothing_with_a_result_each(endpoint: Endpoint) -> None:
    heater = FakeHeater()
    with BridgeRunner(endpoint.bridge_config(), heater=heater), endpoint.observer() as obs:
        obs.watch(TOPICS.result)
        obs.publish(TOPICS.set, json.dumps({"id": "s1", "mode": "auto", "schedule": SCHEDULE}))
        first = decode_result(obs.wait_nth(TOPICS.result, 1).payload)
        assert first == {"ok": True, "error": None, "request": "s1"}
        assert heater.settings()["schedule"] == SCHEDULE and heater.settings()["mode"] == "auto"
        # One bad entry deep in the schedule: nothing of the command applies.
        bad = {"mon": [{"at": "07:00", "target_c": 21.0}, {"at": "24:00", "target_c": 19.0}]}
        obs.publish(TOPICS.set, json.dumps({"id": "s2", "mode": "off", "schedule": bad}))
        second = decode_result(obs.wait_nth(TOPICS.result, 2).payload)
        assert second["ok"] is False and second["request"] == "s2"
        assert isinstance(second["error"], str) and "schedule.mon[1].at" in second["error"]
        assert heater.settings()["mode"] == "auto" and heater.settings()["schedule"] == SCHEDULE
        # The flat list form, "*" = every day.
        flat = [{"day": "*", "at": "07:00", "target_c": 20.0}]
        obs.publish(TOPICS.set, json.dumps({"id": "s3", "schedule": flat}))
        third = decode_result(obs.wait_nth(TOPICS.result, 3).payload)
        assert third["ok"] is True
        assert len(heater.heat_settings.schedule.to_dict()) == 7


# Home Assistant renders command templates with Jinja2 in a sandbox; `value` is what the
# user picked (a float for temperatures and numbers).
JINJA = ImmutableSandboxedEnvironment()


def test_every_home_assistant_command_is_accepted_by_the_real_rules(endpoint: Endpoint) -> None:
    heater = FakeHeater()
    discovery = DiscoveryInfo(TEST_DEVICE, power_limit_max_w=MAX_POWER_W)
    commands = home_assistant_commands_for(discovery)
    with (
        BridgeRunner(endpoint.bridge_config(), heater=heater, discovery=discovery),
        endpoint.observer() as obs,
    ):
        obs.watch(TOPICS.result)
        for n, (payload, expected) in enumerate(commands, start=1):
            obs.publish(TOPICS.set, payload)
            result = decode_result(obs.wait_nth(TOPICS.result, n).payload)
            assert result["ok"] is True, (payload, result)
            for key, value in expected.items():
                assert heater.settings()[key] == value, (payload, heater.settings()[key])


def home_assistant_commands_for(info: DiscoveryInfo) -> list[tuple[bytes, Mapping[str, object]]]:
    configs = {
        message.topic.split("/")[1]: json.loads(message.payload)
        for message in discovery_messages(info, TOPICS)
        if message.config is not None and message.topic.split("/")[1] != "sensor"
    }
    climate, number = configs["climate"], configs["number"]

    def render(template: str, value: object) -> bytes:
        return JINJA.from_string(template).render(value=value).encode()

    return [
        (render(climate["mode_command_template"], "auto"), {"mode": "auto"}),
        (render(climate["preset_mode_command_template"], "eco"), {"preset": "eco"}),
        (render(climate["preset_mode_command_template"], "none"), {"preset": "none"}),
        # A °F user's 70 °F arrives converted but unrounded: 21.11… °C.
        (render(climate["temperature_command_template"], (70 - 32) / 1.8), {"target_c": 21.1}),
        (render(climate["temperature_command_template"], 22.5), {"target_c": 22.5}),
        (render(climate["mode_command_template"], "off"), {"mode": "off"}),
        (render(number["command_template"], 450.0), {"power_limit_w": 450.0}),
        # The top of the number's range must be a limit the heater accepts.
        (render(number["command_template"], number["max"]), {"power_limit_w": number["max"]}),
    ]


def test_discovery_switched_on_at_run_time_follows_home_assistant_births(
    endpoint: Endpoint,
) -> None:
    config_topic = f"homeassistant/climate/{TOPICS.device_id}/thermostat/config"
    with BridgeRunner(endpoint.bridge_config()) as runner, endpoint.observer() as obs:
        runner.call(runner.bridge.set_discovery(DiscoveryInfo(TEST_DEVICE)))
        obs.watch(config_topic)
        obs.wait_for(config_topic)  # the retained announcement
        obs.clear()
        obs.publish("homeassistant/status", b"online")
        again = obs.wait_for(config_topic)
        assert not again.retain  # re-sent because Home Assistant came online
