"""Configuration: the example loads, and every wrong key/type/range is refused by name."""

from __future__ import annotations

import copy
import pathlib
import tomllib

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from firmware.config import ConfigError, Secret, load_config, parse_config

ROOT = pathlib.Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "hearth.example.toml"
MINIMAL = {"pool": [{"url": "stratum+tcp://127.0.0.1:3333", "user": "bc1q.worker"}]}


def example_data() -> dict:
    return tomllib.loads(EXAMPLE.read_text())


def test_example_file_loads_with_every_documented_key():
    config = load_config(EXAMPLE)
    assert config.device.id == "hearth"
    assert config.mqtt.embedded
    assert len(config.pools) == 2
    assert config.http.write_auth is True


def test_minimal_config_takes_defaults():
    config = parse_config(copy.deepcopy(MINIMAL))
    assert config.device.board == "hearth-400"
    assert config.heat.target_c == 20.0
    assert config.pools[0].password == Secret("x")


def test_secrets_never_appear_in_repr_or_errors():
    data = example_data()
    data["mqtt"].update(username="u", password="broker-pass-123")
    data["http"]["token"] = "tok-0123456789abcdef"
    data["pool"][0]["password"] = "pool-pass-456"
    config = parse_config(data)
    text = repr(config)
    for secret in ("broker-pass-123", "tok-0123456789abcdef", "pool-pass-456"):
        assert secret not in text
    assert config.mqtt.password.value == "broker-pass-123"
    data["http"]["token"] = "short-secret"
    with pytest.raises(ConfigError) as err:
        parse_config(data)
    assert "short-secret" not in str(err.value)
    assert "http.token" in str(err.value)


@pytest.mark.parametrize(
    ("section", "key", "value", "named"),
    [
        ("device", "id", "Bad Id!", "device.id"),
        ("device", "colour", "red", "device.colour"),
        ("mqtt", "broker", "localhost", "mqtt.broker"),
        ("mqtt", "broker", "localhost:70000", "mqtt.broker"),
        ("mqtt", "tls", "yes", "mqtt.tls"),
        ("mqtt", "prefix", "a/+/b", "mqtt.prefix"),
        ("http", "port", 70000, "http.port"),
        ("http", "port", True, "http.port"),
        ("heat", "target_c", 31.0, "heat.target_c"),
        ("heat", "mode", "cool", "heat.mode"),
        ("heat", "preset", "sleep", "heat.preset"),
        ("asic", "cpu_threads", 0, "asic.cpu_threads"),
        ("store", "save_interval_s", 0.0, "store.save_interval_s"),
        ("sim", "speed", -1, "sim.speed"),
    ],
)
def test_wrong_values_are_refused_naming_key_value_and_allowed(section, key, value, named):
    data = example_data()
    data[section][key] = value
    with pytest.raises(ConfigError) as err:
        parse_config(data, source="x.toml")
    message = str(err.value)
    assert err.value.key == named
    assert named in message and repr(value) in message and "allowed:" in message


def test_unknown_table_and_bad_pools_are_refused():
    data = example_data()
    data["mqt"] = {}
    with pytest.raises(ConfigError, match="mqt"):
        parse_config(data)
    data = example_data()
    data["pool"] = []
    with pytest.raises(ConfigError, match="pool"):
        parse_config(data)
    data = example_data()
    data["pool"][1]["url"] = "http://pool:80"
    with pytest.raises(ConfigError, match=r"pool\[1\]\.url"):
        parse_config(data)


def test_basic_auth_needs_both_halves_and_mqtt_password_needs_user():
    data = example_data()
    data["http"]["username"] = "owner"
    with pytest.raises(ConfigError, match=r"http\.password"):
        parse_config(data)
    data = example_data()
    data["mqtt"]["password"] = "p"
    with pytest.raises(ConfigError, match=r"mqtt\.username"):
        parse_config(data)


def test_unreadable_and_invalid_toml_files(tmp_path):
    with pytest.raises(ConfigError, match="readable"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[device\nid = 1")
    with pytest.raises(ConfigError, match="valid TOML"):
        load_config(bad)


NUMERIC_KEYS = [
    ("heat", "target_c", 5.0, 30.0),
    ("heat", "power_limit_w", 0.0, 10000.0),
    ("http", "port", 0, 65535),
    ("mqtt", "embedded_port", 0, 65535),
    ("asic", "cpu_threads", 1, 64),
    ("store", "save_interval_s", 0.5, 600.0),
]
ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(NUMERIC_KEYS), ANY_VALUE)
def test_numeric_keys_accept_exactly_their_range(spec, value):
    section, key, low, high = spec
    data = copy.deepcopy(MINIMAL)
    data[section] = {key: value}
    integer_only = isinstance(low, int)
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    valid = (
        is_number
        and (not integer_only or isinstance(value, int))
        and value == value
        and abs(value) != float("inf")
        and low <= value <= high
        # the target is on the 0.1 °C grid, as every other way of setting it
        and (key != "target_c" or abs(round(value, 1) - value) <= 1e-6)
    )
    if valid:
        config = parse_config(data)
        expected = round(value, 1) if key == "target_c" else value
        assert getattr(getattr(config, section), key) == expected
    else:
        with pytest.raises(ConfigError) as err:
            parse_config(data)
        assert err.value.key == f"{section}.{key}"


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=70))
@example("heater\n")
def test_device_id_accepts_exactly_topic_safe_names(device_id):
    data = copy.deepcopy(MINIMAL)
    data["device"] = {"id": device_id}
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789_-")
    valid = 0 < len(device_id) <= 64 and set(device_id) <= allowed and device_id[0] not in "_-"
    if valid:
        assert parse_config(data).device.id == device_id
    else:
        with pytest.raises(ConfigError, match=r"device\.id"):
            parse_config(data)
