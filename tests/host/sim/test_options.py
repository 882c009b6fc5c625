"""`hearth sim` options: every flag has a config equivalent, and flags win."""

from __future__ import annotations

import pytest

from firmware.config import ConfigError
from host.cli import build_parser
from host.sim.options import FLAG_KEYS, plan


def parse(*argv):
    return build_parser().parse_args(["sim", *argv])


def test_defaults_use_the_local_pool_and_embedded_broker():
    result = plan(parse())
    assert result.local_pool
    assert result.config.mqtt.embedded
    assert str(result.config.device.state_dir) == "state/sim"
    assert result.config.device.id == "hearth-sim"


def test_every_flag_overrides_its_config_key(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text(
        """
[device]
id = "from-file"
board = "bitaxe-gamma"
[mqtt]
broker = "10.0.0.1:1883"
username = "file-user"
password = "file-pass"
[http]
port = 8080
[sim]
speed = 10.0
duration_s = 5.0
[[pool]]
url = "stratum+tcp://file.pool:3333"
user = "bc1q.file"
"""
    )
    result = plan(
        parse(
            "--config", str(config), "--board", "hearth-400", "--broker", "127.0.0.1:1999",
            "--mqtt-user", "u2", "--mqtt-password", "p2", "--http-port", "0",
            "--pool", "stratum+tcp://a.example:1", "--pool", "stratum+tcp://b.example:2",
            "--asic-port", "/dev/ttyUSB9", "--device-id", "flag-id", "--speed", "120",
            "--duration", "30", "--state-dir", str(tmp_path / "st"),
        )
    )  # fmt: skip
    c = result.config
    assert (c.device.id, c.device.board, c.device.state_dir) == (
        "flag-id",
        "hearth-400",
        tmp_path / "st",
    )
    assert (c.mqtt.broker, c.mqtt.username, c.mqtt.password.value) == ("127.0.0.1:1999", "u2", "p2")
    assert c.http.port == 0 and c.asic.port == "/dev/ttyUSB9"
    assert (c.sim.speed, c.sim.duration_s) == (120.0, 30.0)
    assert [p.url for p in c.pools] == ["stratum+tcp://a.example:1", "stratum+tcp://b.example:2"]
    assert c.pools[0].user == "bc1q.file"  # the configured worker keeps mining
    assert not result.local_pool
    assert set(FLAG_KEYS) | {"pool", "config"} >= {
        "board", "broker", "mqtt_user", "mqtt_password", "http_port", "asic_port",
        "device_id", "speed", "duration", "state_dir",
    }  # fmt: skip
    # Without flags the file's values stand.
    from_file = plan(parse("--config", str(config))).config
    assert from_file.device.id == "from-file" and from_file.http.port == 8080


def test_homekit_is_a_flag_too():
    assert plan(parse("--homekit")).config.homekit.enabled
    assert not plan(parse()).config.homekit.enabled


def test_bad_flag_values_are_refused_naming_the_key():
    with pytest.raises(ConfigError, match=r"sim\.speed"):
        plan(parse("--speed", "-3"))
    with pytest.raises(ConfigError, match=r"mqtt\.broker"):
        plan(parse("--broker", "nowhere"))
    with pytest.raises(ConfigError, match=r"pool\[0\]\.url"):
        plan(parse("--pool", "http://x:1"))


def test_a_login_for_the_embedded_broker_needs_both_halves(tmp_path):
    with pytest.raises(ConfigError, match=r"mqtt\.password"):
        plan(parse("--mqtt-user", "owner"))
    with pytest.raises(ConfigError, match=r"mqtt\.username"):
        plan(parse("--mqtt-user", "a:b", "--mqtt-password", "p"))
    given = plan(parse("--mqtt-user", "owner", "--mqtt-password", "pw")).config.mqtt
    assert given.embedded and (given.username, given.password.value) == ("owner", "pw")
    config = tmp_path / "c.toml"
    config.write_text('[mqtt]\nusername = "file-user"\npassword = "file-pass"\n')
    from_file = plan(parse("--config", str(config), "--mqtt-password", "flag-pass")).config.mqtt
    assert (from_file.username, from_file.password.value) == ("file-user", "flag-pass")
