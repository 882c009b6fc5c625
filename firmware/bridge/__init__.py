"""The MQTT bridge: the heater on a broker under the topic contract of docs/mqtt.md,
with Home Assistant discovery. See docs/mqtt.md."""

from firmware.bridge.client import MeterInput, MqttBridge
from firmware.bridge.commands import SetCommand, decode_result, decode_set, encode_result
from firmware.bridge.config import BridgeConfig, TlsConfig
from firmware.bridge.discovery import (
    ENTITIES,
    FEATURES,
    DeviceInfo,
    DiscoveryInfo,
    DiscoveryMessage,
    discovery_messages,
)
from firmware.bridge.topics import DEFAULT_PREFIX, DeviceTopics
from firmware.heat.demand import DemandSignal, encode_demand, parse_demand

__all__ = [
    "DEFAULT_PREFIX",
    "ENTITIES",
    "FEATURES",
    "BridgeConfig",
    "DemandSignal",
    "DeviceInfo",
    "DeviceTopics",
    "DiscoveryInfo",
    "DiscoveryMessage",
    "MeterInput",
    "MqttBridge",
    "SetCommand",
    "TlsConfig",
    "decode_result",
    "decode_set",
    "discovery_messages",
    "encode_demand",
    "encode_result",
    "parse_demand",
]
