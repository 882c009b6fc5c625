"""The topic contract (docs/mqtt.md, "Topics"; stable) for one device, plus Hearth's extensions."""

from __future__ import annotations

from dataclasses import dataclass

from firmware.validation import (
    DEVICE_ID_ALLOWED,
    DEVICE_ID_PATTERN,
    TOPIC_PREFIX_ALLOWED,
    TOPIC_PREFIX_PATTERN,
)

DEFAULT_PREFIX = "hearth"
PAYLOAD_ONLINE = "online"
PAYLOAD_OFFLINE = "offline"
# A device id or prefix becomes one or more topic levels and a discovery node id:
# wildcards and level separators in it would change which topics match.


def check_device_id(device_id: str) -> str:
    """The one device id rule (firmware.validation.network), as the config checks it."""
    if not DEVICE_ID_PATTERN.fullmatch(device_id):
        raise ValueError(f"device id {device_id!r}: use {DEVICE_ID_ALLOWED}")
    return device_id


def check_prefix(prefix: str) -> str:
    if not TOPIC_PREFIX_PATTERN.fullmatch(prefix):
        raise ValueError(f"topic prefix {prefix!r}: use {TOPIC_PREFIX_ALLOWED}")
    return prefix


@dataclass(frozen=True)
class DeviceTopics:
    prefix: str
    device_id: str

    def __post_init__(self) -> None:
        check_prefix(self.prefix)
        check_device_id(self.device_id)

    @property
    def base(self) -> str:
        return f"{self.prefix}/{self.device_id}"

    @property
    def availability(self) -> str:
        return f"{self.base}/availability"

    @property
    def state(self) -> str:
        return f"{self.base}/state"

    @property
    def set(self) -> str:
        return f"{self.base}/set"

    @property
    def result(self) -> str:
        return f"{self.base}/result"

    @property
    def demand(self) -> str:
        """Hearth's extension: an external load-shedding signal (docs/mqtt.md)."""
        return f"{self.base}/demand"

    @property
    def prices(self) -> str:
        """Hearth's extension: a day-ahead price table for tariff shifting (docs/mqtt.md)."""
        return f"{self.base}/prices"

    def history(self, level: str) -> str:
        """Hearth's extension: the retained history, `minute` or `hour` (docs/mqtt.md)."""
        return f"{self.base}/history/{level}"
