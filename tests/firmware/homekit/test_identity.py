"""The setup code is made once and kept (0600); a damaged file is replaced."""

from __future__ import annotations

import json
import stat

from firmware.homekit.identity import IDENTITY_FILE, load_or_create_identity
from firmware.homekit.setup_code import valid_setup_code


def test_the_identity_is_made_once_and_kept(tmp_path):
    first = load_or_create_identity(tmp_path / "state")
    assert valid_setup_code(first.setup_code)
    assert load_or_create_identity(tmp_path / "state") == first
    path = tmp_path / "state" / IDENTITY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["setup_code"] == first.setup_code


def test_a_damaged_file_gets_a_new_identity(tmp_path, caplog):
    (tmp_path / IDENTITY_FILE).write_text('{"setup_code": "111-11-111"}')
    identity = load_or_create_identity(tmp_path)
    assert valid_setup_code(identity.setup_code)
    assert load_or_create_identity(tmp_path) == identity
    assert identity.setup_code not in caplog.text  # never logged


def test_homekit_is_off_unless_the_owner_turns_it_on():
    from firmware.config.loader import parse_config

    pool = [{"url": "stratum+tcp://127.0.0.1:3333", "user": "u"}]
    off = parse_config({"pool": pool}).homekit
    assert (off.enabled, off.port, off.bind) == (False, 51826, "0.0.0.0")
    on = parse_config({"pool": pool, "homekit": {"enabled": True, "port": 21063}}).homekit
    assert on.enabled and on.port == 21063


def test_homekit_config_errors_name_the_key():
    import pytest

    from firmware.config import ConfigError
    from firmware.config.loader import parse_config

    pool = [{"url": "stratum+tcp://127.0.0.1:3333", "user": "u"}]
    for table, key in (({"port": 0}, "homekit.port"), ({"bind": "lan"}, "homekit.bind"),
                       ({"pin": "1"}, "homekit.pin")):  # fmt: skip
        with pytest.raises(ConfigError) as refused:
            parse_config({"pool": pool, "homekit": table})
        assert refused.value.key == key
