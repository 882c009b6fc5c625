"""What the owner provisioned over USB is what hearthd runs with; damaged provisioning
leaves the config file's settings, says why, and never stops the heater starting."""

from __future__ import annotations

import pathlib
import tomllib

import tomli_w
from hypothesis import given
from hypothesis import strategies as st

from firmware.config import Secret, load_config, provision
from firmware.config.provisioned import overlay

ROOT = pathlib.Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "hearth.example.toml"


def heater_config(tmp_path: pathlib.Path, **update: object) -> pathlib.Path:
    """The example config on a device whose update root is `tmp_path/update`."""
    data = tomllib.loads(EXAMPLE.read_text())
    data["update"] = {"root": str(tmp_path / "update"), **update}
    path = tmp_path / "hearth.toml"
    path.write_text(tomli_w.dumps(data))
    return path


def provisioned(tmp_path: pathlib.Path, settings: dict[str, object]) -> None:
    provision.save(tmp_path / "update" / "state", settings)


def test_without_provisioning_the_file_is_the_config(tmp_path):
    config = load_config(heater_config(tmp_path))
    assert config.provisioned == () and config.provisioning_error == ""
    assert config.device.id == "hearth" and len(config.pools) == 2


def test_provisioned_settings_win_over_the_file(tmp_path):
    provisioned(
        tmp_path,
        {
            "device_name": "den",
            "pool_url": "stratum+ssl://pool.lan:4443",
            "pool_user": "bc1qowner.den",
            "pool_password": "pool-pass",
            "mqtt_host": "ha.lan",
            "mqtt_user": "heater",
            "mqtt_password": "mqtt-pass",
            "api_token": "a-token-of-20-chars!",
            "wifi_ssid": "home",
            "wifi_password": "wifi-pass-123",
        },
    )
    config = load_config(heater_config(tmp_path))
    assert config.provisioning_error == ""
    assert (config.device.id, config.device.name) == ("den", "den")
    assert [(p.url, p.user, p.password) for p in config.pools] == [
        ("stratum+ssl://pool.lan:4443", "bc1qowner.den", Secret("pool-pass"))
    ]
    assert config.mqtt.broker == "ha.lan:1883" and not config.mqtt.embedded
    assert (config.mqtt.username, config.mqtt.password) == ("heater", Secret("mqtt-pass"))
    assert config.http.token == Secret("a-token-of-20-chars!")
    # Wi-Fi is the operating system's business; hearthd reports only what it used.
    assert "wifi_ssid" not in config.provisioned and "pool_url" in config.provisioned


def test_a_payout_address_alone_goes_to_every_configured_pool(tmp_path):
    provisioned(tmp_path, {"pool_user": "bc1qowner.den"})
    config = load_config(heater_config(tmp_path))
    assert [p.user for p in config.pools] == ["bc1qowner.den", "bc1qowner.den"]
    assert [p.url for p in config.pools] == [
        "stratum+tcp://public-pool.io:21496",
        "stratum+tcp://solo.ckpool.org:3333",
    ]


def test_damaged_provisioning_leaves_the_file_config_and_says_why(tmp_path):
    state = tmp_path / "update" / "state"
    state.mkdir(parents=True)
    (state / provision.FILE_NAME).write_text('{"pool_user": 7}')
    config = load_config(heater_config(tmp_path))
    assert "pool_user" in config.provisioning_error and config.provisioned == ()
    assert config.pools[0].user.startswith("bc1qexample")
    (state / provision.FILE_NAME).write_text("{not json")
    assert load_config(heater_config(tmp_path)).provisioning_error


def test_a_port_alone_does_not_turn_the_embedded_broker_into_an_external_one(tmp_path):
    provisioned(tmp_path, {"mqtt_port": 8883})
    config = load_config(heater_config(tmp_path))
    assert config.mqtt.embedded and config.provisioning_error == ""


@given(
    st.fixed_dictionaries(
        {},
        optional={
            "device_name": st.from_regex(r"[a-z0-9][a-z0-9-]{0,31}", fullmatch=True),
            "pool_user": st.text(min_size=1, max_size=20),
            "mqtt_port": st.integers(1, 65535),
            "api_token": st.text(min_size=16, max_size=40),
        },
    )
)
def test_overlay_never_changes_the_file_data(settings):
    data = tomllib.loads(EXAMPLE.read_text())
    before = tomli_w.dumps(data)
    merged = overlay(data, settings)
    assert tomli_w.dumps(data) == before
    if "device_name" in settings:
        assert merged["device"]["id"] == settings["device_name"]
