"""The daemon's configuration: one TOML file, validated up front into frozen dataclasses."""

from firmware.config.error import ConfigError
from firmware.config.loader import load_config, parse_config
from firmware.config.schema import (
    EMBEDDED_BROKER,
    AsicConfig,
    DeviceConfig,
    HearthConfig,
    HeatConfig,
    HttpConfig,
    MqttConfig,
    PoolEntry,
    SimConfig,
    StoreConfig,
    SupervisorConfig,
    UpdateConfig,
)
from firmware.validation import MASK, MODES, PRESETS, Secret

__all__ = [
    "EMBEDDED_BROKER",
    "MASK",
    "MODES",
    "PRESETS",
    "AsicConfig",
    "ConfigError",
    "DeviceConfig",
    "HearthConfig",
    "HeatConfig",
    "HttpConfig",
    "MqttConfig",
    "PoolEntry",
    "Secret",
    "SimConfig",
    "StoreConfig",
    "SupervisorConfig",
    "UpdateConfig",
    "load_config",
    "parse_config",
]
