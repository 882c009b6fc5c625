"""Home Assistant discovery payloads, checked against the option keys Home Assistant's
MQTT platforms accept.

Accepted-key sets below are transcribed from home-assistant/core:
- homeassistant/components/mqtt/schemas.py (and earlier mixins.py):
  MQTT_ENTITY_COMMON_SCHEMA = MQTT_AVAILABILITY_SCHEMA + device, origin,
  enabled_by_default, entity_category, icon, json_attributes_topic/template, object_id,
  unique_id; MQTT_ENTITY_DEVICE_INFO_SCHEMA for the `device` block.
- homeassistant/components/mqtt/config.py: MQTT_BASE_SCHEMA (qos, encoding),
  MQTT_RO_SCHEMA (+ state_topic, value_template), MQTT_RW_SCHEMA (+ command_topic, retain).
- homeassistant/components/mqtt/climate.py _PLATFORM_SCHEMA_BASE (read at commit
  0051a2cd2959b4f010491488a6467cc7e6a199be), including `valid_preset_mode_configuration`
  ("preset_modes must not include preset mode 'none'") and the preset_mode
  command topic/list `vol.Inclusive` pair.
- homeassistant/components/mqtt/sensor.py _PLATFORM_SCHEMA_BASE (device_class,
  expire_after, force_update, last_reset_value_template, name, options,
  suggested_display_precision, state_class, unit_of_measurement).
- homeassistant/components/mqtt/number.py _PLATFORM_SCHEMA_BASE (command_template,
  device_class, max, min, mode, name, optimistic, payload_reset, step,
  unit_of_measurement, value_template + MQTT_RW_SCHEMA).
Units/device classes/state classes: homeassistant/components/sensor/const.py
(DEVICE_CLASS_UNITS, DEVICE_CLASS_STATE_CLASSES) and number/const.py.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jinja2.sandbox import ImmutableSandboxedEnvironment

from firmware.bridge import DeviceTopics, DiscoveryInfo, discovery_messages
from firmware.bridge.discovery import ENTITIES, FEATURES, DeviceInfo
from tests.firmware.bridge.harness import TEST_DEVICE
from tests.support.fake_heater import FakeHeater

AVAILABILITY_KEYS = {
    "availability",
    "availability_mode",
    "availability_template",
    "availability_topic",
    "payload_available",
    "payload_not_available",
}
COMMON_KEYS = AVAILABILITY_KEYS | {
    "device",
    "origin",
    "enabled_by_default",
    "entity_category",
    "icon",
    "json_attributes_topic",
    "json_attributes_template",
    "object_id",
    "unique_id",
    "name",
    "qos",
    "encoding",
}
DEVICE_KEYS = {
    "identifiers",
    "connections",
    "manufacturer",
    "model",
    "model_id",
    "name",
    "hw_version",
    "serial_number",
    "sw_version",
    "via_device",
    "suggested_area",
    "configuration_url",
}
CLIMATE_KEYS = COMMON_KEYS | {
    "action_template",
    "action_topic",
    "current_humidity_template",
    "current_humidity_topic",
    "current_temperature_template",
    "current_temperature_topic",
    "fan_mode_command_template",
    "fan_mode_command_topic",
    "fan_modes",
    "fan_mode_state_template",
    "fan_mode_state_topic",
    "target_humidity_command_template",
    "target_humidity_command_topic",
    "target_humidity_state_template",
    "target_humidity_state_topic",
    "max_humidity",
    "min_humidity",
    "mode_command_template",
    "mode_command_topic",
    "modes",
    "mode_state_template",
    "mode_state_topic",
    "optimistic",
    "payload_on",
    "payload_off",
    "power_command_template",
    "power_command_topic",
    "precision",
    "preset_mode_command_template",
    "preset_mode_command_topic",
    "preset_mode_state_topic",
    "preset_mode_value_template",
    "preset_modes",
    "retain",
    "swing_mode_command_template",
    "swing_mode_command_topic",
    "swing_modes",
    "swing_mode_state_template",
    "swing_mode_state_topic",
    "initial",
    "max_temp",
    "min_temp",
    "temp_step",
    "temperature_command_template",
    "temperature_command_topic",
    "temperature_high_command_template",
    "temperature_high_command_topic",
    "temperature_high_state_template",
    "temperature_high_state_topic",
    "temperature_low_command_template",
    "temperature_low_command_topic",
    "temperature_low_state_template",
    "temperature_low_state_topic",
    "temperature_state_template",
    "temperature_state_topic",
    "temperature_unit",
    "value_template",
}
SENSOR_KEYS = COMMON_KEYS | {
    "state_topic",
    "value_template",
    "device_class",
    "expire_after",
    "force_update",
    "last_reset_value_template",
    "options",
    "suggested_display_precision",
    "state_class",
    "unit_of_measurement",
}
NUMBER_KEYS = COMMON_KEYS | {
    "command_topic",
    "command_template",
    "retain",
    "state_topic",
    "value_template",
    "device_class",
    "max",
    "min",
    "mode",
    "optimistic",
    "payload_reset",
    "step",
    "unit_of_measurement",
}
# homeassistant/components/mqtt/binary_sensor.py _PLATFORM_SCHEMA_BASE.
BINARY_SENSOR_KEYS = COMMON_KEYS | {
    "state_topic",
    "value_template",
    "device_class",
    "expire_after",
    "force_update",
    "off_delay",
    "payload_on",
    "payload_off",
}
ACCEPTED = {
    "climate": CLIMATE_KEYS,
    "sensor": SENSOR_KEYS,
    "number": NUMBER_KEYS,
    "binary_sensor": BINARY_SENSOR_KEYS,
}
REQUIRED = {
    "climate": set(),
    "sensor": {"state_topic"},
    "number": {"command_topic"},
    "binary_sensor": {"state_topic"},
}
# binary_sensor/__init__.py BinarySensorDeviceClass (the subset Hearth uses).
BINARY_DEVICE_CLASSES = {"connectivity", "problem"}
# What every Hearth entity needs to be useful (not HA's minimum, ours).
REQUIRED_BY_US = {"unique_id", "availability_topic", "device", "name"}

# sensor/const.py DEVICE_CLASS_UNITS (the subset Hearth uses) and DEVICE_CLASS_STATE_CLASSES.
SENSOR_UNITS = {
    "temperature": {"°C", "°F", "K"},
    "power": {"mW", "W", "kW", "MW", "GW", "TW", "BTU/h"},
    "energy": {"J", "kJ", "MJ", "GJ", "mWh", "Wh", "kWh", "MWh", "GWh", "TWh", "cal", "kcal"},
}
SENSOR_STATE_CLASSES = {
    "temperature": {"measurement"},
    "power": {"measurement"},
    "energy": {"total", "total_increasing"},
}
STATE_CLASSES = {"measurement", "total", "total_increasing", "measurement_angle"}
ENTITY_CATEGORIES = {"config", "diagnostic"}
HVAC_MODES = {"off", "heat", "cool", "heat_cool", "auto", "dry", "fan_only"}
NUMBER_MODES = {"auto", "box", "slider"}
NUMBER_UNITS = {"power": {"mW", "W", "kW", "MW", "GW", "TW", "BTU/h"}}

TOPICS = DeviceTopics("hearth", "heater1")


def configs(info: DiscoveryInfo) -> dict[str, dict[str, object]]:
    found = {}
    for message in discovery_messages(info, TOPICS):
        if message.config is not None:
            found[message.topic] = json.loads(message.payload)
    return found


def component_of(topic: str) -> str:
    return topic.split("/")[1]


def test_one_entity_per_description_with_the_contract_topics() -> None:
    found = configs(DiscoveryInfo(TEST_DEVICE))
    assert len(found) == len(ENTITIES)
    components = sorted(component_of(t) for t in found)
    assert components.count("climate") == 1 and components.count("number") == 1
    for topic, config in found.items():
        assert topic.startswith("homeassistant/") and topic.endswith("/config")
        assert config["availability_topic"] == "hearth/heater1/availability"
        for key, value in config.items():
            if key.endswith("state_topic") or key in {"current_temperature_topic", "action_topic"}:
                assert value == "hearth/heater1/state"
            if key.endswith("command_topic"):
                assert value == "hearth/heater1/set"
    assert len({c["unique_id"] for c in found.values()}) == len(found)


@pytest.mark.parametrize("component", ["climate", "sensor", "number", "binary_sensor"])
def test_payloads_use_only_keys_home_assistant_accepts(component: str) -> None:
    for topic, config in configs(DiscoveryInfo(TEST_DEVICE)).items():
        if component_of(topic) != component:
            continue
        assert set(config) <= ACCEPTED[component], set(config) - ACCEPTED[component]
        assert REQUIRED[component] | REQUIRED_BY_US <= set(config)
        device = config["device"]
        assert isinstance(device, dict)
        assert set(device) <= DEVICE_KEYS
        assert device["identifiers"] and {"name", "model", "manufacturer", "sw_version"} <= set(
            device
        )
        if "entity_category" in config:
            assert config["entity_category"] in ENTITY_CATEGORIES


def test_sensor_classes_and_units_are_valid_combinations() -> None:
    sensors = [c for t, c in configs(DiscoveryInfo(TEST_DEVICE)).items() if "/sensor/" in t]
    for config in sensors:
        device_class = config.get("device_class")
        state_class = config.get("state_class")
        assert state_class is None or state_class in STATE_CLASSES
        if device_class is not None:
            assert config.get("unit_of_measurement") in SENSOR_UNITS[str(device_class)]
            assert state_class is None or state_class in SENSOR_STATE_CLASSES[str(device_class)]
        assert isinstance(config.get("suggested_display_precision", 0), int)
    energy = next(c for c in sensors if c.get("device_class") == "energy")
    assert energy["state_class"] == "total_increasing"
    assert energy["value_template"] == "{{ value_json.energy_kwh }}"


def test_climate_entity_matches_the_contract() -> None:
    climate = next(c for t, c in configs(DiscoveryInfo(TEST_DEVICE)).items() if "/climate/" in t)
    assert climate["modes"] == ["off", "heat", "auto"]
    assert set(climate["modes"]) <= HVAC_MODES
    assert climate["preset_modes"] == ["comfort", "eco", "boost", "away"]
    assert "none" not in climate["preset_modes"]
    # vol.Inclusive: preset command topic and list go together.
    assert "preset_mode_command_topic" in climate
    assert climate["precision"] in (0.1, 0.5, 1.0)
    assert climate["min_temp"] == 5.0 and climate["max_temp"] == 30.0
    assert climate["temp_step"] == 0.1
    assert climate["name"] is None  # the device's own name, as HA recommends


# Home Assistant renders MQTT templates with Jinja2 in a sandbox (helpers/template.py);
# `value` is the commanded value, `value_json` the parsed state payload.
JINJA = ImmutableSandboxedEnvironment()


def render_command(template: str, value: object) -> object:
    return json.loads(JINJA.from_string(template).render(value=value))


def render_value(template: str, state: dict[str, object]) -> str:
    return JINJA.from_string(template).render(value_json=state)


# Entities whose value is computed from the state rather than read from one key.
COMPUTED = {"hashrate", "energy_cost", "pool_connected", "alarms"}


def entity(found: dict[str, dict[str, object]], key: str) -> dict[str, object]:
    return next(c for t, c in found.items() if t.endswith(f"/{key}/config"))


def test_value_templates_read_the_state_object() -> None:
    state = FakeHeater().state()
    for topic, config in configs(DiscoveryInfo(TEST_DEVICE)).items():
        if topic.split("/")[-2] in COMPUTED:
            continue
        for key, template in config.items():
            if not key.endswith("template") or "command" in key or key == "action_template":
                continue
            rendered = render_value(str(template), state)
            assert rendered not in ("", "None"), (key, template)
            assert rendered in {str(v) for v in state.values()}, (key, rendered)


@pytest.mark.parametrize(
    ("action", "shown"),
    [("heating", "heating"), ("idle", "idle"), ("off", "off"), ("fault", "idle")],
)
def test_action_template_maps_to_home_assistant_actions(action: str, shown: str) -> None:
    climate = next(c for t, c in configs(DiscoveryInfo(TEST_DEVICE)).items() if "/climate/" in t)
    assert render_value(str(climate["action_template"]), {"action": action}) == shown


def test_command_templates_produce_set_commands() -> None:
    found = configs(DiscoveryInfo(TEST_DEVICE))
    climate = next(c for t, c in found.items() if "/climate/" in t)
    number = next(c for t, c in found.items() if "/number/" in t)
    assert render_command(str(climate["temperature_command_template"]), 21.5) == {"target_c": 21.5}
    assert render_command(str(climate["mode_command_template"]), "auto") == {"mode": "auto"}
    assert render_command(str(climate["preset_mode_command_template"]), "eco") == {"preset": "eco"}
    assert render_command(str(number["command_template"]), 900.0) == {"power_limit_w": 900.0}
    assert number["mode"] in NUMBER_MODES
    assert number["unit_of_measurement"] in NUMBER_UNITS[str(number["device_class"])]
    assert float(number["min"]) < float(number["max"])  # type: ignore[arg-type]


@given(st.frozensets(st.sampled_from(sorted(FEATURES))), st.booleans())
def test_disabled_features_are_removed_and_nothing_else(
    disabled: frozenset[str], enabled: bool
) -> None:
    info = DiscoveryInfo(TEST_DEVICE, enabled=enabled, disabled_features=disabled)
    messages = discovery_messages(info, TOPICS)
    assert len(messages) == len(ENTITIES)  # every entity is announced or removed
    for entity, message in zip(ENTITIES, messages, strict=True):
        wanted = enabled and entity.feature not in disabled
        assert (message.config is not None) == wanted
        assert (message.payload == b"") == (not wanted)


def test_optional_device_fields_and_bad_discovery_settings() -> None:
    device = DeviceInfo(
        name="Den", model="M", sw_version="1", hw_version="rev2", configuration_url="http://x/"
    )
    config = next(iter(configs(DiscoveryInfo(device)).values()))
    assert config["device"]["hw_version"] == "rev2"  # type: ignore[index]
    with pytest.raises(ValueError, match="unknown"):
        DiscoveryInfo(TEST_DEVICE, disabled_features=frozenset({"lasers"}))
    with pytest.raises(ValueError, match="power limit"):
        DiscoveryInfo(TEST_DEVICE, power_limit_min_w=500, power_limit_max_w=100)


def test_hashrate_earnings_pool_alarms_and_cost_entities() -> None:
    found = configs(DiscoveryInfo(TEST_DEVICE))
    state = dict(FakeHeater().state(), hashrate_ghs=25706.0, power_w=400.0, earned_sats=12.5)

    hashrate = entity(found, "hashrate")
    assert hashrate["unit_of_measurement"] == "TH/s"
    assert render_value(str(hashrate["value_template"]), state) == "25.706"

    earnings = entity(found, "earnings")
    assert earnings["unit_of_measurement"] == "sat"
    assert earnings["state_class"] == "total_increasing"
    assert render_value(str(earnings["value_template"]), state) == "12.5"

    pool = entity(found, "pool_connected")
    assert pool["device_class"] in BINARY_DEVICE_CLASSES
    shown = {p: render_value(str(pool["value_template"]), {"pool": p})
             for p in ("connected", "failover", "offline")}  # fmt: skip
    assert shown == {"connected": "ON", "failover": "ON", "offline": "OFF"}

    alarms = entity(found, "alarms")
    assert alarms["device_class"] == "problem"
    assert render_value(str(alarms["value_template"]), {"alarms": []}) == "OFF"
    assert render_value(str(alarms["value_template"]), {"alarms": ["pool_down"]}) == "ON"
    attributes = render_value(str(alarms["json_attributes_template"]), {"alarms": ["a", "b"]})
    assert json.loads(attributes) == {"alarms": ["a", "b"]}

    cost = entity(found, "energy_cost")
    template = str(cost["value_template"])
    assert render_value(template, dict(state, prices=None)) == "None"  # HA: unknown
    priced = dict(state, prices={"currency": "EUR", "price": 0.25})
    assert render_value(template, priced) == "0.1"  # 0.4 kW for an hour at 0.25/kWh
