"""Bridge configuration and topic names: wrong values are refused, naming the key."""

from __future__ import annotations

import pytest

from firmware.bridge import BridgeConfig, DeviceTopics, TlsConfig


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"host": ""}, "mqtt host"),
        ({"port": 0}, "mqtt port"),
        ({"port": 70000}, "mqtt port"),
        ({"protocol": "3.1"}, "mqtt protocol"),
        ({"keepalive_s": 1}, "keepalive_s"),
        ({"password": "p"}, "without a username"),
        ({"reconnect_min_s": 10, "reconnect_max_s": 5}, "reconnect_min_s"),
        ({"state_min_interval_s": 5, "state_heartbeat_s": 2}, "state_min_interval_s"),
        ({"state_heartbeat_s": 30}, "state_heartbeat_s"),
        ({"tls": TlsConfig(cert_file="c.pem")}, "cert_file and key_file"),
    ],
)
def test_bad_settings_are_refused_naming_the_key(options: dict[str, object], message: str) -> None:
    values: dict[str, object] = {"host": "broker.lan"}
    values.update(options)
    with pytest.raises(ValueError, match=message):
        BridgeConfig(**values)  # type: ignore[arg-type]


def test_password_is_not_in_repr() -> None:
    assert "hunter2" not in repr(BridgeConfig(host="h", username="u", password="hunter2"))


def test_topics_follow_the_contract() -> None:
    topics = DeviceTopics("hearth", "den-1")
    assert topics.availability == "hearth/den-1/availability"
    assert topics.state == "hearth/den-1/state"
    assert topics.set == "hearth/den-1/set"
    assert topics.result == "hearth/den-1/result"
    assert topics.demand == "hearth/den-1/demand"
    assert DeviceTopics("home/heaters", "x").state == "home/heaters/x/state"


@pytest.mark.parametrize("device_id", ["", "a/b", "a+b", "#", "a b", "x" * 65])
def test_device_ids_that_would_change_topic_matching_are_refused(device_id: str) -> None:
    with pytest.raises(ValueError, match="device id"):
        DeviceTopics("hearth", device_id)


@pytest.mark.parametrize("prefix", ["", "/hearth", "hearth/", "a//b", "+", "h#"])
def test_bad_prefixes_are_refused(prefix: str) -> None:
    with pytest.raises(ValueError, match="prefix"):
        DeviceTopics(prefix, "den")
