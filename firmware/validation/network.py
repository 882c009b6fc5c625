"""The one home of the network names: the pool URL rule, the device id pattern and the
MQTT topic prefix.

The device id becomes an MQTT topic level and a Home Assistant node id, so it is kept to
lower-case letters, digits, `_` and `-`; `hearth provision --device-name` and the
config's `device.id` follow the same rule.
"""

from __future__ import annotations

import re

from firmware.validation.scalars import Validator, integer, string, url

POOL_SCHEMES = ("stratum+tcp", "stratum+ssl")
DEVICE_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
DEVICE_ID_ALLOWED = "1-64 characters a-z 0-9 _ - starting with a letter or digit"
# MQTT topic levels may not hold wildcards (+ #) or empty levels: plain path characters.
TOPIC_PREFIX_PATTERN = re.compile(r"[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*")
TOPIC_PREFIX_ALLOWED = "topic levels of A-Z a-z 0-9 _ - joined by /"
# A topic someone else publishes on (Zigbee2MQTT's `zigbee2mqtt/Living room`, Home
# Assistant's `homeassistant/sensor/x/state`): any UTF-8 but no wildcard, NUL or empty level.
TOPIC_PATTERN = re.compile(r"[^+#\x00/]+(/[^+#\x00/]+)*")
TOPIC_ALLOWED = 'an MQTT topic: levels joined by /, none empty, no wildcard (+ #), or ""'
TOPIC_MAX_LEN = 1024


def pool_url() -> Validator[str]:
    """`stratum+tcp://host:port` or `stratum+ssl://host:port` (see `url`)."""
    return url(POOL_SCHEMES)


def device_id() -> Validator[str]:
    return string(pattern=DEVICE_ID_PATTERN, allowed=DEVICE_ID_ALLOWED)


def topic_prefix() -> Validator[str]:
    return string(pattern=TOPIC_PREFIX_PATTERN, allowed=TOPIC_PREFIX_ALLOWED)


def topic() -> Validator[str]:
    """One MQTT topic to subscribe to (no wildcards), or "" for none."""
    return string(
        max_len=TOPIC_MAX_LEN,
        pattern=re.compile(f"({TOPIC_PATTERN.pattern})?"),
        allowed=f"{TOPIC_ALLOWED} (at most {TOPIC_MAX_LEN} characters)",
    )


def port(low: int = 1) -> Validator[int]:
    """A TCP port, `low`..65535 (`low=0` where 0 means "any free port" or "off")."""
    return integer(low, 65535)
