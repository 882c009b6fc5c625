"""Home Assistant MQTT discovery, declared as a table of entity descriptions.

As in Home Assistant's own integrations, each entity is a frozen dataclass row in
`ENTITIES`; the discovery payloads are generated from the rows, never written by hand.
Every entity reads the one retained `state` topic through a `value_json` template and
commands go to the one `set` topic as a JSON object built by a command template, so
Home Assistant drives the heater through exactly the contract the app uses.

Config topic: `<discovery prefix>/<component>/<device id>/<key>/config` (retained).
An empty retained payload on that topic removes the entity: that is sent for every
entity of a disabled feature, and for all of them when discovery is turned off.
Option keys are the ones Home Assistant's MQTT platforms accept (checked in
tests/firmware/bridge/test_discovery.py against climate.py / sensor.py / number.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from firmware.bridge.topics import PAYLOAD_OFFLINE, PAYLOAD_ONLINE, DeviceTopics

DEFAULT_DISCOVERY_PREFIX = "homeassistant"
# Home Assistant publishes its birth message here; `online` means "send your configs".
STATUS_SUFFIX = "status"

# Features an owner (or the board) can switch off; their entities are then removed.
FEATURE_THERMOSTAT = "thermostat"
FEATURE_ROOM = "room"
FEATURE_POWER = "power"
FEATURE_MINING = "mining"
FEATURE_ENERGY = "energy"
FEATURE_POWER_LIMIT = "power_limit"
FEATURES = frozenset(
    {
        FEATURE_THERMOSTAT,
        FEATURE_ROOM,
        FEATURE_POWER,
        FEATURE_MINING,
        FEATURE_ENERGY,
        FEATURE_POWER_LIMIT,
    }
)

# Home Assistant's hvac_action values (homeassistant/components/climate/const.py
# HVACAction). Hearth's `fault` has no counterpart: shown as idle, the alarm is in state.
HA_ACTIONS = ("off", "heating", "idle")


@dataclass(frozen=True)
class DeviceInfo:
    """The `device` block: one Home Assistant device per heater."""

    name: str
    model: str
    sw_version: str
    manufacturer: str = "Hearth"
    hw_version: str | None = None
    configuration_url: str | None = None


@dataclass(frozen=True)
class DiscoveryInfo:
    device: DeviceInfo
    enabled: bool = True
    prefix: str = DEFAULT_DISCOVERY_PREFIX
    disabled_features: frozenset[str] = frozenset()
    power_limit_min_w: float = 0.0
    power_limit_max_w: float = 1500.0
    # 1 W: a Bitaxe-class board tops out near 20 W, where 10 W steps are useless.
    power_limit_step_w: float = 1.0
    target_min_c: float = 5.0
    target_max_c: float = 30.0
    target_step_c: float = 0.1

    def __post_init__(self) -> None:
        unknown = sorted(self.disabled_features - FEATURES)
        if unknown:
            raise ValueError(
                f"discovery disabled_features: unknown {', '.join(unknown)}; "
                f"known: {', '.join(sorted(FEATURES))}"
            )
        if not 0 <= self.power_limit_min_w < self.power_limit_max_w:
            raise ValueError(
                f"discovery power limit range {self.power_limit_min_w!r}.."
                f"{self.power_limit_max_w!r}: need 0 <= min < max"
            )

    def feature_on(self, feature: str) -> bool:
        return self.enabled and feature not in self.disabled_features

    @property
    def status_topic(self) -> str:
        return f"{self.prefix}/{STATUS_SUFFIX}"


@dataclass(frozen=True, kw_only=True)
class EntityDescription:
    key: str
    component: str
    feature: str
    name: str | None
    icon: str | None = None
    entity_category: str | None = None

    def specific_config(self, topics: DeviceTopics, info: DiscoveryInfo) -> dict[str, object]:
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class SensorDescription(EntityDescription):
    component: str = "sensor"
    state_key: str
    device_class: str | None = None
    state_class: str | None = None
    unit: str | None = None
    display_precision: int | None = None
    # A whole value template where the value is computed from the state (else `state_key`).
    template: str | None = None

    def specific_config(self, topics: DeviceTopics, info: DiscoveryInfo) -> dict[str, object]:
        config: dict[str, object] = {
            "state_topic": topics.state,
            "value_template": self.template or f"{{{{ value_json.{self.state_key} }}}}",
        }
        optional = {
            "device_class": self.device_class,
            "state_class": self.state_class,
            "unit_of_measurement": self.unit,
            "suggested_display_precision": self.display_precision,
        }
        config.update({key: value for key, value in optional.items() if value is not None})
        return config


@dataclass(frozen=True, kw_only=True)
class BinarySensorDescription(EntityDescription):
    """On/off from the state: `template` renders Home Assistant's default ON / OFF;
    `attributes` (a template of a JSON object) adds detail, such as which alarms."""

    component: str = "binary_sensor"
    template: str
    device_class: str | None = None
    attributes: str | None = None

    def specific_config(self, topics: DeviceTopics, info: DiscoveryInfo) -> dict[str, object]:
        config: dict[str, object] = {"state_topic": topics.state, "value_template": self.template}
        if self.device_class is not None:
            config["device_class"] = self.device_class
        if self.attributes is not None:
            config["json_attributes_topic"] = topics.state
            config["json_attributes_template"] = self.attributes
        return config


@dataclass(frozen=True, kw_only=True)
class NumberDescription(EntityDescription):
    component: str = "number"
    setting_key: str
    device_class: str | None = None
    unit: str | None = None
    mode: str = "box"

    def specific_config(self, topics: DeviceTopics, info: DiscoveryInfo) -> dict[str, object]:
        config: dict[str, object] = {
            "state_topic": topics.state,
            "value_template": f"{{{{ value_json.{self.setting_key} }}}}",
            "command_topic": topics.set,
            "command_template": f'{{"{self.setting_key}": {{{{ value }}}}}}',
            "min": info.power_limit_min_w,
            "max": info.power_limit_max_w,
            "step": info.power_limit_step_w,
            "mode": self.mode,
        }
        if self.device_class is not None:
            config["device_class"] = self.device_class
        if self.unit is not None:
            config["unit_of_measurement"] = self.unit
        return config


@dataclass(frozen=True, kw_only=True)
class ClimateDescription(EntityDescription):
    component: str = "climate"
    modes: tuple[str, ...] = ("off", "heat", "auto")
    preset_modes: tuple[str, ...] = ("comfort", "eco", "boost", "away")

    def specific_config(self, topics: DeviceTopics, info: DiscoveryInfo) -> dict[str, object]:
        known_actions = ", ".join(f"'{action}'" for action in HA_ACTIONS)
        return {
            "modes": list(self.modes),
            "mode_state_topic": topics.state,
            "mode_state_template": "{{ value_json.mode }}",
            "mode_command_topic": topics.set,
            "mode_command_template": '{"mode": "{{ value }}"}',
            "preset_modes": list(self.preset_modes),
            "preset_mode_state_topic": topics.state,
            "preset_mode_value_template": "{{ value_json.preset }}",
            "preset_mode_command_topic": topics.set,
            "preset_mode_command_template": '{"preset": "{{ value }}"}',
            "current_temperature_topic": topics.state,
            "current_temperature_template": "{{ value_json.room_c }}",
            "temperature_state_topic": topics.state,
            "temperature_state_template": "{{ value_json.target_c }}",
            "temperature_command_topic": topics.set,
            # Home Assistant converts a °F user's setpoint to °C without rounding
            # (70 °F -> 21.111…); the heater takes 0.1 °C steps only.
            "temperature_command_template": '{"target_c": {{ value | round(1) }}}',
            "action_topic": topics.state,
            "action_template": (
                "{% set a = value_json.action %}"
                f"{{{{ a if a in [{known_actions}] else 'idle' }}}}"
            ),
            "min_temp": info.target_min_c,
            "max_temp": info.target_max_c,
            "temp_step": info.target_step_c,
            "precision": 0.1,
            "temperature_unit": "C",
            "optimistic": False,
        }


# The heater as Home Assistant sees it (docs/mqtt.md, "Home Assistant discovery"). Units and
# device classes are Home Assistant's (homeassistant/const.py UnitOf*, sensor/const.py
# SensorDeviceClass).
ENTITIES: tuple[EntityDescription, ...] = (
    ClimateDescription(key="thermostat", feature=FEATURE_THERMOSTAT, name=None),
    SensorDescription(
        key="room_temperature",
        feature=FEATURE_ROOM,
        name="Room temperature",
        state_key="room_c",
        device_class="temperature",
        state_class="measurement",
        unit="°C",
        display_precision=1,
    ),
    SensorDescription(
        key="power",
        feature=FEATURE_POWER,
        name="Power",
        state_key="power_w",
        device_class="power",
        state_class="measurement",
        unit="W",
        display_precision=0,
    ),
    SensorDescription(
        key="energy",
        feature=FEATURE_ENERGY,
        name="Energy",
        state_key="energy_kwh",
        device_class="energy",
        state_class="total_increasing",
        unit="kWh",
        display_precision=3,
    ),
    SensorDescription(
        key="energy_cost",
        feature=FEATURE_ENERGY,
        name="Energy cost rate",
        state_key="prices",
        # What an hour at this power costs at the price in force (the `prices` table's
        # currency, in the attributes); unknown without a price table.
        template=(
            "{% set p = value_json.prices %}"
            "{{ (value_json.power_w / 1000 * p.price) | round(4) "
            "if p and p.price is not none else None }}"
        ),
        state_class="measurement",
        icon="mdi:cash-clock",
        display_precision=3,
    ),
    SensorDescription(
        key="hashrate",
        feature=FEATURE_MINING,
        name="Hashrate",
        state_key="hashrate_ghs",
        template="{{ (value_json.hashrate_ghs / 1000) | round(3) }}",
        state_class="measurement",
        unit="TH/s",
        icon="mdi:pickaxe",
        display_precision=2,
    ),
    SensorDescription(
        key="earnings",
        feature=FEATURE_MINING,
        name="Earnings",
        state_key="earned_sats",
        state_class="total_increasing",
        unit="sat",
        icon="mdi:bitcoin",
        display_precision=1,
    ),
    BinarySensorDescription(
        key="pool_connected",
        feature=FEATURE_MINING,
        name="Pool connected",
        # `failover` is connected too, to a backup pool.
        template="{{ 'ON' if value_json.pool in ['connected', 'failover'] else 'OFF' }}",
        device_class="connectivity",
        entity_category="diagnostic",
    ),
    BinarySensorDescription(
        key="alarms",
        feature=FEATURE_THERMOSTAT,
        name="Alarms",
        template="{{ 'ON' if value_json.alarms else 'OFF' }}",
        device_class="problem",
        attributes="{{ {'alarms': value_json.alarms} | tojson }}",
    ),
    SensorDescription(
        key="chip_temperature",
        feature=FEATURE_MINING,
        name="Chip temperature",
        state_key="chip_temp_c",
        device_class="temperature",
        state_class="measurement",
        unit="°C",
        entity_category="diagnostic",
        display_precision=1,
    ),
    SensorDescription(
        key="efficiency",
        feature=FEATURE_MINING,
        name="Efficiency",
        state_key="efficiency_j_th",
        state_class="measurement",
        unit="J/TH",
        icon="mdi:lightning-bolt-outline",
        entity_category="diagnostic",
        display_precision=1,
    ),
    SensorDescription(
        key="shares_accepted",
        feature=FEATURE_MINING,
        name="Shares accepted",
        state_key="shares_accepted",
        state_class="total_increasing",
        icon="mdi:check-circle-outline",
    ),
    SensorDescription(
        key="shares_rejected",
        feature=FEATURE_MINING,
        name="Shares rejected",
        state_key="shares_rejected",
        state_class="total_increasing",
        icon="mdi:close-circle-outline",
        entity_category="diagnostic",
    ),
    SensorDescription(
        key="fan_speed",
        feature=FEATURE_POWER,
        name="Fan speed",
        state_key="fan_rpm",
        state_class="measurement",
        unit="rpm",
        icon="mdi:fan",
        entity_category="diagnostic",
    ),
    NumberDescription(
        key="power_limit",
        feature=FEATURE_POWER_LIMIT,
        name="Power limit",
        setting_key="power_limit_w",
        device_class="power",
        unit="W",
        icon="mdi:flash",
        entity_category="config",
    ),
)


@dataclass(frozen=True)
class DiscoveryMessage:
    topic: str
    config: Mapping[str, object] | None = field(default=None)  # None = remove the entity

    @property
    def payload(self) -> bytes:
        if self.config is None:
            return b""
        return json.dumps(self.config, separators=(",", ":"), ensure_ascii=False).encode()


def config_topic(info: DiscoveryInfo, topics: DeviceTopics, entity: EntityDescription) -> str:
    return f"{info.prefix}/{entity.component}/{topics.device_id}/{entity.key}/config"


def device_block(info: DiscoveryInfo, topics: DeviceTopics) -> dict[str, object]:
    block: dict[str, object] = {
        "identifiers": [f"hearth_{topics.device_id}"],
        "name": info.device.name,
        "manufacturer": info.device.manufacturer,
        "model": info.device.model,
        "sw_version": info.device.sw_version,
    }
    if info.device.hw_version is not None:
        block["hw_version"] = info.device.hw_version
    if info.device.configuration_url is not None:
        block["configuration_url"] = info.device.configuration_url
    return block


def entity_config(
    entity: EntityDescription, info: DiscoveryInfo, topics: DeviceTopics
) -> dict[str, object]:
    config: dict[str, object] = {
        "name": entity.name,
        "unique_id": f"hearth_{topics.device_id}_{entity.key}",
        "availability_topic": topics.availability,
        "payload_available": PAYLOAD_ONLINE,
        "payload_not_available": PAYLOAD_OFFLINE,
        "qos": 1,
        "device": device_block(info, topics),
    }
    if entity.icon is not None:
        config["icon"] = entity.icon
    if entity.entity_category is not None:
        config["entity_category"] = entity.entity_category
    config.update(entity.specific_config(topics, info))
    return config


def discovery_messages(
    info: DiscoveryInfo,
    topics: DeviceTopics,
    entities: tuple[EntityDescription, ...] = ENTITIES,
) -> list[DiscoveryMessage]:
    """One message per entity: its config if its feature is on, else a removal."""
    return [
        DiscoveryMessage(
            config_topic(info, topics, entity),
            entity_config(entity, info, topics) if info.feature_on(entity.feature) else None,
        )
        for entity in entities
    ]
