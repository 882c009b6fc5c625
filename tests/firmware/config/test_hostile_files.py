"""Hostile files: bytes that are not UTF-8, integers of thousands of digits, 1e400,
nesting thousands deep, megabytes of text. The config, a board profile and the
provisioned settings each refuse them with their one error naming the key (or the file),
never a traceback; damaged provisioning leaves the heater starting on its config file."""

from __future__ import annotations

import json
import pathlib

import pytest

from firmware.board import loader as board_loader
from firmware.board.error import BoardProfileError
from firmware.config import ConfigError, load_config, provision

POOL = '[[pool]]\nurl = "stratum+tcp://pool.example:3333"\nuser = "me"\n'
GAMMA = board_loader.default_boards_dir() / "bitaxe-gamma.toml"


@pytest.mark.parametrize(
    ("text", "key", "allowed"),
    [
        (b'[device]\nname = "caf\xe9"\n', "file", "UTF-8"),
        (b"[heat]\ntarget_c = " + b"9" * 5000 + b"\n", "file", "valid TOML"),
        (b"[sim]\nspeed = " + b"[" * 5000 + b"]" * 5000 + b"\n", "file", "valid TOML"),
        (b"[heat]\ntarget_c = 1e400\n", "heat.target_c", "a number 5.0..30.0"),
        (b"[http]\nport = " + b"9" * 4000 + b"\n", "http.port", "an integer 0..65535"),
        (b'[device]\nname = "' + b"x" * 1_000_000 + b'"\n', "device.name", "at most 64"),
        (b"[device]\nid = [[[[{a = [1]}]]]]\n", "device.id", "1-64 characters"),
        (b"[mqtt]\nbroker = {x = 1}\n", "mqtt.broker", "a string"),
    ],
)
def test_the_config_refuses_hostile_files_naming_the_key(
    tmp_path: pathlib.Path, text: bytes, key: str, allowed: str
) -> None:
    path = tmp_path / "hearth.toml"
    path.write_bytes(POOL.encode() + text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert err.value.key == key and allowed in err.value.allowed
    assert len(str(err.value)) < 1000


@pytest.mark.parametrize(
    ("replace", "by", "key"),
    [
        (b'name = "', b'name = "\xff', "file"),
        (b"count = 1", b"count = " + b"7" * 5000, "file"),
        (b"count = 1", b"count = 1e400", "chip.count"),
        (b"count = 1", b"count = " + b"7" * 4000, "chip.count"),
        (b"leakage_fraction = ", b"leakage_fraction = nan #", "power.leakage_fraction"),
    ],
)
def test_a_board_profile_refuses_hostile_files(
    tmp_path: pathlib.Path, replace: bytes, by: bytes, key: str
) -> None:
    original = GAMMA.read_bytes()
    assert replace in original
    path = tmp_path / "hostile.toml"
    path.write_bytes(original.replace(replace, by, 1))
    with pytest.raises(BoardProfileError) as err:
        board_loader.load_board(str(path))
    assert err.value.key == key and str(path) in str(err.value)


@pytest.mark.parametrize(
    "content",
    [
        b"\xff\xfe{}",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"mqtt_port": ' + b"9" * 5000 + b"}",
        b'{"mqtt_port": 1e400}',
        json.dumps({"pool_user": {"nested": [[[["x"]]]]}}).encode(),
        json.dumps({"device_name": "x" * 100_000}).encode(),
    ],
)
def test_damaged_provisioning_is_reported_and_the_file_config_used(
    tmp_path: pathlib.Path, content: bytes
) -> None:
    state = tmp_path / "update" / "state"
    state.mkdir(parents=True)
    (state / provision.FILE_NAME).write_bytes(content)
    path = tmp_path / "hearth.toml"
    path.write_text(POOL + f'[update]\nroot = "{tmp_path / "update"}"\n')
    config = load_config(path)
    assert config.provisioning_error and config.provisioned == ()
    assert config.pools[0].user == "me" and len(config.provisioning_error) < 1000


def test_provisioning_names_the_bad_setting_and_masks_secrets(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ValueError) as err:
        provision.save(tmp_path, {"wifi_password": "short", "device_name": "den"})
    assert "wifi_password" in str(err.value) and "short" not in str(err.value)
    with pytest.raises(ValueError, match="known keys: device_name, wifi_ssid"):
        provision.save(tmp_path, {"colour": "red"})
    with pytest.raises(ValueError, match="non-empty JSON object"):
        provision.save(tmp_path, {})
    assert not (tmp_path / provision.FILE_NAME).exists()
