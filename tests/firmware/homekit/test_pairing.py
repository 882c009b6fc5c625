"""aiohomekit pairs with the heater's HomeKit accessory and sets the target to 22 °C;
the heater's state follows (docs/homekit.md). All of it inside a network namespace of
the test's own (mDNS included), so multicast never leaves the machine."""

from __future__ import annotations

import json
import pathlib

from firmware.homekit.setup_code import CATEGORY_THERMOSTAT, setup_uri
from tests.support.netns import run_in_netns

SCRIPT = pathlib.Path(__file__).with_name("netns_pair.py")


def test_a_home_app_pairs_and_sets_the_target_and_the_heater_follows():
    result = run_in_netns(str(SCRIPT), timeout=240)
    assert result.returncode == 0, result.stderr[-4000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    setup, kept = out["setup"], out["kept"]
    assert out["setup_anonymous_status"] == 401  # the code is the owner's to see
    assert setup["setup_code"] == kept["setup_code"] and setup["paired"] is False
    assert setup["setup_uri"] == setup_uri(kept["setup_code"], kept["setup_id"])
    assert out["discovered"]["address"] == "127.0.0.1"
    assert out["discovered"]["category"] == CATEGORY_THERMOSTAT
    assert out["put_22"] == {}  # every characteristic written
    assert out["after_22"]["state"] == 22.0
    assert out["after_22"]["settings"]["target_c"] == 22.0
    # Outside the heater's range: refused, nothing applied (not clamped to 30).
    assert [v["status"] for v in out["put_35"].values()] != [0]
    assert out["after_off"] == {"target_c": 22.0, "mode": "off"}
    assert out["hap_after_off"] == {"target_c": 22.0, "target_state": 0, "current_state": 0}
    assert out["paired_flag"] is True
    assert out["exit_1"] == 0 and out["exit_2"] == 0
    assert out["after_restart"] == 22.0 and out["mode_after_restart"] == "heat"
    assert kept["setup_code"] not in out["log"]  # shown to the owner, never logged
